// Exact-text patches of dependency files at bundle time (scripts/ink-fixes.mjs). Every patch must find its text: a changed upstream file fails the
// build, so nobody ships a patch that silently stopped applying.

/**
 * `src` with each [from, to] of `patches` applied once (`to` is inserted literally, no `$` patterns).
 * `o`: the plugin's name, the patched file, the package whose upgrade would explain a change, and the script to fix.
 */
export function applyPatches(src, patches, o) {
  for (const [from, to] of patches) {
    if (!src.includes(from)) {
      throw new Error(`${o.plugin}: ${o.file} changed (${o.pkg} upgraded?); re-check it and drop or update the patch in ${o.script}`);
    }
    src = src.replace(from, () => to);
  }
  return src;
}
