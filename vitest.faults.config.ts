/**
 * The fault suite's config (`npm run faults`, scripts/faults.mjs): the project's config with test/faults/ no longer
 * left out (the normal config keeps it out of `npm test`).
 */
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({ ...base, test: { ...base.test, exclude: ['**/node_modules/**', '**/.git/**'] } });
