// esbuild plugin: fixes of ink 6.8 defects a user sees, applied while bundling (ink is pinned ~6.8.0; a changed
// file fails the build so nobody ships without re-checking). Each has a test in test/scripts/ink-fixes.test.ts that
// fails on the unpatched file.
//
// 1. log-update's incremental path moves the cursor up `previousVisible - 1` lines before rewriting the changed
//    lines. That is right only when the previous frame did NOT end in a newline (a frame as tall as the terminal).
//    Ink ends every shorter frame with "\n", which leaves the cursor one row below the frame, so every later frame
//    lands one row too low and the screen drifts (measured in tmux and @xterm/headless). The readiness TUI keeps its
//    frame one row shorter than the terminal (a frame as tall as the terminal makes ink 6 wipe the scrollback every
//    frame), so it always hits this. Fix: move up one more row when the previous frame ended in a newline.
// 3. Renders are throttled to maxFps (15 here), which is right for a streaming check's output but makes a key
//    wait up to a whole throttle window (67 ms) when it lands just after an output frame. The instance returned by
//    render() gets `renderNextNow()`: the next commit is drawn at once instead of at the end of the window. The TUI
//    calls it for every key it reads, so keys repaint immediately while output stays throttled. Without the patch
//    (tests that import ink directly) the method is missing and keys are simply throttled like everything else.
// 2. measure-text and wrap-text cache every distinct string forever. A live output pane is a new string on every
//    frame (10 a second while a check streams): tens of MB an hour. Fix: clear a cache once it holds 2,000 entries.
import { readFile } from 'node:fs/promises';
import { applyPatches } from './patch-source.mjs';

const PATCHES = {
  'log-update.js': [
    [
      'buffer.push(ansiEscapes.cursorUp(previousVisible - 1));',
      "buffer.push(ansiEscapes.cursorUp(previousVisible - (previousOutput.endsWith('\\n') ? 0 : 1)));",
    ],
  ],
  'ink.js': [
    [
      'this.hasPendingThrottledRender = true;\n                throttled();\n',
      'this.hasPendingThrottledRender = true;\n                throttled();\n                if (this.renderNow) { this.renderNow = false; throttled.flush(); }\n',
    ],
  ],
  'render.js': [['        clear: instance.clear,\n', '        clear: instance.clear,\n        renderNextNow() { instance.renderNow = true; },\n']],
  'measure-text.js': [['cache.set(text, dimensions);', 'if (cache.size >= 2000) cache.clear();\n    cache.set(text, dimensions);']],
  'wrap-text.js': [
    [
      'cache[cacheKey] = wrappedText;',
      'if (++cacheSize > 2000) { for (const k in cache) delete cache[k]; cacheSize = 1; }\n    cache[cacheKey] = wrappedText;',
    ],
    ['const cache = {};', 'const cache = {};\nlet cacheSize = 0;'],
  ],
};

export const inkFixes = {
  name: 'ink-6.8-fixes',
  setup(build) {
    build.onLoad({ filter: /[\\/]ink[\\/]build[\\/](log-update|measure-text|wrap-text|ink|render)\.js$/ }, async (args) => {
      const src = await readFile(args.path, 'utf8');
      const name = args.path.split(/[\\/]/).pop();
      const opts = { plugin: 'ink-6.8-fixes', file: args.path, pkg: 'ink', script: 'scripts/ink-fixes.mjs' };
      return { contents: applyPatches(src, PATCHES[name], opts), loader: 'js' };
    });
  },
};
