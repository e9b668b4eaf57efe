/** fsync helpers: a file's bytes and the directory entry that names it reach the disk before anything refers to them. */
import { constants as FS, promises as fsp } from 'node:fs';
import { dirname } from 'node:path';

/**
 * fsync a directory (its entries); silently skipped where the filesystem refuses it (the files are synced anyway).
 * `open` is the journal's own opener there, so its tests see the directory's fsync in order with the file's.
 */
export async function fsyncDir(dir: string, open: (path: string, flags: number) => Promise<fsp.FileHandle> = fsp.open): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await open(dir, FS.O_RDONLY);
    await fh.sync();
  } catch {
    /* some filesystems refuse to fsync a directory */
  } finally {
    await fh?.close();
  }
}

/**
 * fsync each file, then the directories that hold them and `alsoDirs` (e.g. the parent of a directory just made):
 * after this a power loss keeps the files, so a journal line may name them.
 */
export async function syncFiles(files: string[], alsoDirs: string[] = []): Promise<void> {
  for (const f of files) {
    const fh = await fsp.open(f, FS.O_RDONLY);
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
  for (const d of new Set([...files.map((f) => dirname(f)), ...alsoDirs])) await fsyncDir(d);
}
