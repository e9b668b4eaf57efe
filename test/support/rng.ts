/** The seeded generator of the tests' random inputs: the same one the loopback servers' generated worlds use. */
export { rng } from '../../src/demo/rng.js';
