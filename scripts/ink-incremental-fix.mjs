// esbuild plugin: a one-line fix to ink 6.8's incremental renderer, applied while bundling.
//
// log-update's incremental path moves the cursor up `previousVisible - 1` lines before rewriting the changed lines.
// That is right only when the previous frame did NOT end in a newline (a frame as tall as the terminal). Ink ends
// every shorter frame with "\n", which leaves the cursor one row below the frame, so every later frame lands one row
// too low and the screen drifts (measured in tmux and @xterm/headless). The readiness TUI keeps its frame one row
// shorter than the terminal (a frame as tall as the terminal makes ink 6 wipe the scrollback every frame), so it
// always hits this. The patch moves up one more row when the previous frame ended in a newline.
import { readFile } from 'node:fs/promises';

const BROKEN = 'buffer.push(ansiEscapes.cursorUp(previousVisible - 1));';
const FIXED = "buffer.push(ansiEscapes.cursorUp(previousVisible - (previousOutput.endsWith('\\n') ? 0 : 1)));";

export const inkIncrementalFix = {
  name: 'ink-incremental-fix',
  setup(build) {
    build.onLoad({ filter: /[\\/]ink[\\/]build[\\/]log-update\.js$/ }, async (args) => {
      const src = await readFile(args.path, 'utf8');
      if (!src.includes(BROKEN)) {
        throw new Error(`ink-incremental-fix: ${args.path} changed (ink upgraded?); re-check the incremental renderer and drop or update this patch`);
      }
      return { contents: src.replace(BROKEN, FIXED), loader: 'js' };
    });
  },
};
