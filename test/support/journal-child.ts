/**
 * A child process for the journal/session tests: drives the real journal and session code from another process.
 * Bundled by bundle-script.ts; takes one JSON argument.
 *   {op:"append", journal, n, actor}          append n note records with appendRecord, print "DONE <n>"
 *   {op:"own", stateDir, name, items}         openSession as owner, print {"ready":dir}, hold until stdin closes
 *   {op:"record", dir, name, items, text, actor}  openSessionDir + record a note, print its seq
 */
import { appendRecord } from '../../src/engine/journal.js';
import { openSession, openSessionDir } from '../../src/engine/session.js';
import { makeChecklist, type ItemSpec } from './session-fixtures.js';

interface Cmd {
  op: 'append' | 'own' | 'record';
  journal?: string;
  n?: number;
  actor?: string;
  stateDir?: string;
  dir?: string;
  name?: string;
  items?: ItemSpec[];
  text?: string;
}

const cmd = JSON.parse(process.argv[2] ?? '{}') as Cmd;

async function main(): Promise<void> {
  if (cmd.op === 'append') {
    for (let i = 0; i < (cmd.n ?? 1); i++) {
      await appendRecord(cmd.journal!, { type: 'note', actor: cmd.actor ?? 'child', data: { text: `${cmd.actor} #${i}`, by: cmd.actor ?? 'child' } });
    }
    process.stdout.write(`DONE ${cmd.n}\n`);
    return;
  }
  const checklist = makeChecklist(cmd.name ?? 'demo', cmd.items ?? [{ id: '1' }]);
  if (cmd.op === 'own') {
    const s = await openSession({
      checklist,
      stateDir: cmd.stateDir!,
      mode: 'ci',
      vars: {},
      secretVars: [],
      operator: cmd.actor ?? 'owner@test',
      owner: true,
    });
    process.stdout.write(JSON.stringify({ ready: s.dir, resumed: s.resumed }) + '\n');
    process.stdin.resume();
    await new Promise<void>((r) => process.stdin.on('end', () => r()));
    await s.close();
    return;
  }
  if (cmd.op === 'record') {
    const s = await openSessionDir(cmd.dir!, { operator: cmd.actor ?? 'other@test', checklist });
    const r = await s.record({ type: 'note', data: { text: cmd.text ?? 'hello', by: s.operator } });
    process.stdout.write(`SEQ ${r.seq}\n`);
    await s.close();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`error: ${err.message}\n`);
  process.exitCode = 2;
});
