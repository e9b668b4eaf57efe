/** Types of scripts/string-width-fix.mjs (used by test/scripts/string-width-fix.test.ts). */
import type { Plugin } from 'esbuild';
export declare const MAY_BE_RGI_EMOJI: string;
export declare function patchStringWidth(src: string, file?: string): string;
export declare const stringWidthFix: Plugin;
