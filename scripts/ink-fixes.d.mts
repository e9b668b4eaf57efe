/** Types of scripts/ink-fixes.mjs (used by test/scripts/ink-fixes.test.ts). */
import type { Plugin } from 'esbuild';
export declare const inkFixes: Plugin;
