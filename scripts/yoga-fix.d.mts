/** Types of scripts/yoga-fix.mjs (used by test/scripts/ink-fixes.test.ts). */
import type { Plugin } from 'esbuild';
export declare const yogaFix: Plugin;
