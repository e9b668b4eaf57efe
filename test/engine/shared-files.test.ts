import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupAccessProblems, groupAccessWarning, mkdirShared, modeText, sharedMode, shareTree } from '../../src/engine/shared-files.js';

let root: string;
let saved: number;
beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'rt-share-'));
  saved = process.umask(0o022);
});
afterAll(() => {
  process.umask(saved);
  rmSync(root, { recursive: true, force: true });
});

const mode = (p: string) => statSync(p).mode & 0o7777;

describe('sharedMode', () => {
  it('gives the group what the owner has, whatever the umask; others get what the umask allows', () => {
    expect(sharedMode('file', 0o022)).toBe(0o664);
    expect(sharedMode('file', 0o077)).toBe(0o660);
    expect(sharedMode('file', 0o002)).toBe(0o664);
    expect(sharedMode('dir', 0o022)).toBe(0o2775);
    expect(sharedMode('dir', 0o077)).toBe(0o2770);
  });
});

describe('mkdirShared / shareTree', () => {
  it('makes every directory it created group-writable and setgid, and leaves existing ones alone', () => {
    const base = path.join(root, 'm');
    mkdirSync(base, { mode: 0o700 });
    mkdirShared(path.join(base, 'a', 'b', 'c'));
    expect(mode(base)).toBe(0o700);
    for (const d of ['a', 'a/b', 'a/b/c']) expect(modeText(statSync(path.join(base, d)))).toBe('drwxrwsr-x');
  });

  it('shares a whole tree made under umask 022', () => {
    const t = path.join(root, 'tree');
    mkdirSync(path.join(t, 'evidence', '1'), { recursive: true });
    writeFileSync(path.join(t, 'evidence', '1', '1.log'), 'x', { mode: 0o600 });
    shareTree(t);
    expect(mode(path.join(t, 'evidence', '1', '1.log'))).toBe(0o664);
    expect(mode(path.join(t, 'evidence'))).toBe(0o2775);
  });
});

describe('groupAccessProblems', () => {
  it('does not check a private state dir of the caller (no group bits at all)', () => {
    const sd = path.join(root, 'private');
    mkdirSync(path.join(sd, 'sessions'), { recursive: true, mode: 0o700 });
    chmodSync(sd, 0o700);
    expect(groupAccessProblems(sd)).toEqual([]);
  });

  it('names each path the group cannot use, with its mode and owner, and the exact command that fixes it', () => {
    const sd = path.join(root, 'shared');
    const sess = path.join(sd, 'sessions', 'S1');
    mkdirShared(path.join(sess, 'signoffs'));
    writeFileSync(path.join(sess, 'journal.jsonl'), '');
    chmodSync(path.join(sess, 'journal.jsonl'), 0o644);
    chmodSync(path.join(sess, 'signoffs'), 0o2755); // what umask 022 made before
    writeFileSync(path.join(sess, 'checklist.yaml'), 'x');
    chmodSync(path.join(sess, 'checklist.yaml'), 0o600);
    const p = groupAccessProblems(sd, sess);
    const user = os.userInfo().username;
    expect(p).toHaveLength(3);
    expect(p.find((l) => l.includes('signoffs'))).toMatch(
      new RegExp(`signoffs \\(drwxr-sr-x ${user}:\\S+\\) cannot be used by the state dir's group \\S+: run as ${user}: chmod g\\+w '${sess}/signoffs'$`),
    );
    expect(p.find((l) => l.includes('journal.jsonl'))).toMatch(/\(-rw-r--r-- .*chmod g\+w '.*journal\.jsonl'$/);
    expect(p.find((l) => l.includes('checklist.yaml'))).toMatch(/\(-rw------- .*chmod g\+r '.*checklist\.yaml'$/);
    // a directory without setgid: files made inside would not keep the state dir's group
    chmodSync(path.join(sess, 'signoffs'), 0o775);
    expect(groupAccessProblems(sd, sess).find((l) => l.includes('signoffs'))).toMatch(/chmod g\+s '/);
    expect(groupAccessWarning(sd, sess, 1)).toMatch(/3 path\(s\) in it are not usable by that group:\n {2}.*\n {2}… and 2 more; for all at once: chmod -R g\+rwX/);
  });

  it('names a path of another group with the chgrp that fixes it', () => {
    if (process.getuid?.() !== 0) {
      console.warn('skipped: changing a file group to one the caller is not in needs root');
      return;
    }
    const sd = path.join(root, 'grp');
    mkdirShared(path.join(sd, 'sessions'));
    chownSync(sd, 0, 4242);
    const p = groupAccessProblems(sd);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(new RegExp(`sessions \\(drwxrwsr-x \\S+:\\S+\\) cannot be used by the state dir's group 4242: run as \\S+: chgrp 4242 '${sd}/sessions'$`));
  });
});
