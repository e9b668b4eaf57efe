declare const __RT_VERSION__: string | undefined;
import { readFileSync } from 'node:fs';

/** The package version: inlined by the bundler, read from package.json when running from source (tests). */
export const VERSION: string =
  typeof __RT_VERSION__ === 'string'
    ? __RT_VERSION__
    : (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
