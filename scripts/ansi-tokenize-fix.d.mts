/** Types of scripts/ansi-tokenize-fix.mjs (used by test/scripts/ansi-tokenize-fix.test.ts). */
import type { Plugin } from 'esbuild';
export declare function patchStyledChars(src: string, file?: string): string;
export declare const ansiTokenizeFix: Plugin;
