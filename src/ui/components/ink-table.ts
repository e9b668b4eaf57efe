/**
 * ink-table 3.1 is CommonJS with `exports.default`. Bundled by esbuild (Node ESM semantics) the default import is
 * the whole `exports` object; under vitest's transform it is the class itself. This typed shim gives the class in both.
 */
import InkTableModule from 'ink-table';

/** Under NodeNext the default import is typed as module.exports, whose `default` is the Table class. */
export type InkTableClass = typeof InkTableModule.default;

const mod = InkTableModule as unknown as { default?: InkTableClass };

export const InkTable: InkTableClass = mod.default ?? (InkTableModule as unknown as InkTableClass);
