/** Types of scripts/pack-check.mjs (used by test/package/npx.test.ts). */
export declare const REQUIRED: string[];
export declare const MAX_UNPACKED_BYTES: number;
export declare function reachableChunks(distDir: string): Set<string>;
export declare function analysePack(pack: { files: { path: string; size: number }[]; unpackedSize: number }, distDir: string): string[];
