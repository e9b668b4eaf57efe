/**
 * The rehearsal of a session: a session of the same checklist (by name) started with `--rehearsal` in the same
 * state directory before it. The TUI's diff screen and cutover clock and the report of the real run use the newest
 * one unless told otherwise; the report names it with its summary and the digest of its report bundle (sha256 of the
 * bundle's SHA256SUMS, the file its signature covers), so a reader can fetch that bundle and verify it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { listSessions, replaySession, SESSIONS_DIR, type Replay } from '../engine/session.js';
import type { Decision, Status } from '../engine/status.js';
import { sha256File } from '../signing/digest.js';
import { SUMS_FILE, SUMS_SIG_FILE } from './sums.js';

export interface RehearsalRef {
  id: string;
  dir: string;
  startedAt?: string;
  /** the last decision recorded (close or decision event) */
  decision?: string;
}

/** What the report of the real run says about its rehearsal (report.json `bundle.rehearsal`). */
export interface RehearsalSummary {
  sessionId: string;
  startedAt: string;
  /** the rehearsal's decision, and whether it was recorded as final */
  decision: Decision;
  final: boolean;
  /** the rehearsal ran the same checklist bytes */
  sameChecklist: boolean;
  kubeContext?: string;
  byStatus: Partial<Record<Status, number>>;
  /** sum of its checks' durations */
  durationMs: number;
  /** its newest report bundle (a final one before an interim one), when it wrote one */
  bundle?: { path: string; sha256?: string; signed: boolean; interim: boolean; missing?: true };
  /** items whose status differs between the rehearsal and this session: "1.1 PASS → FAIL" */
  changed: string[];
  /** the rehearsal's journal fails its integrity check: this many problems (its summary is what could be replayed) */
  journalProblems?: number;
}

/** The state dir a session directory lives in (<state>/sessions/<id>), if it is laid out that way. */
export function stateDirOf(sessionDir: string): string | undefined {
  const parent = path.dirname(path.resolve(sessionDir));
  return path.basename(parent) === SESSIONS_DIR ? path.dirname(parent) : undefined;
}

/**
 * Rehearsals of `checklistName` in the state dir that started before `before` (the session they rehearse), newest
 * first; `exclude` (that session's own directory) is never listed.
 */
export async function listRehearsals(stateDir: string, o: { checklistName: string; before?: string; exclude?: string }): Promise<RehearsalRef[]> {
  const all = await listSessions(stateDir, { verify: false });
  const exclude = o.exclude ? path.resolve(o.exclude) : undefined;
  return all
    .filter((s) => s.rehearsal && s.checklist?.name === o.checklistName && path.resolve(s.dir) !== exclude)
    .filter((s) => !o.before || (s.startedAt ?? '') < o.before)
    .reverse()
    .map((s) => ({ id: s.id, dir: s.dir, ...(s.startedAt ? { startedAt: s.startedAt } : {}), ...(s.decision ? { decision: s.decision } : {}) }));
}

async function bundleOf(r: Replay, sessionDir: string): Promise<RehearsalSummary['bundle']> {
  const reports = r.state.reports;
  const pick = [...reports].reverse().find((x) => !x.interim) ?? reports[reports.length - 1];
  if (!pick) return undefined;
  const dir = path.resolve(sessionDir, pick.path);
  const sums = path.join(dir, SUMS_FILE);
  if (!existsSync(sums)) return { path: pick.path, signed: pick.signed, interim: pick.interim, missing: true };
  return { path: pick.path, sha256: await sha256File(sums), signed: existsSync(path.join(dir, SUMS_SIG_FILE)), interim: pick.interim };
}

/** The summary of rehearsal `dir` as compared with the session `of` (its replay). */
export async function rehearsalSummary(dir: string, of: Pick<Replay, 'state'>): Promise<RehearsalSummary> {
  const r = await replaySession(dir);
  const s = r.state;
  if (!s.start) throw new Error(`${dir} has no session.start record`);
  const byStatus: Partial<Record<Status, number>> = {};
  let durationMs = 0;
  const changed: string[] = [];
  for (const id of s.order) {
    const st = s.items[id]!;
    byStatus[st.status] = (byStatus[st.status] ?? 0) + 1;
    durationMs += st.attempts.reduce((a, x) => a + x.durationMs, 0);
    const now = of.state.items[id];
    if (now && now.status !== st.status) changed.push(`${id} ${st.status.toUpperCase()} → ${now.status.toUpperCase()}`);
  }
  const bundle = await bundleOf(r, dir);
  return {
    sessionId: s.start.sessionId,
    startedAt: s.start.ts,
    decision: s.finalDecision?.decision ?? s.decision,
    final: Boolean(s.finalDecision),
    sameChecklist: s.start.checklist.sha256 === of.state.start?.checklist.sha256,
    ...(s.start.kube?.context ? { kubeContext: s.start.kube.context } : {}),
    byStatus,
    durationMs,
    ...(bundle ? { bundle } : {}),
    changed,
    ...(r.problems.length ? { journalProblems: r.problems.length } : {}),
  };
}

/** The rehearsal in plain sentences, for the report's pages (html.ts, markdown.ts): label and text per line. */
export function rehearsalLines(r: RehearsalSummary, fmtMs: (ms: number) => string): [string, string][] {
  const counts = Object.entries(r.byStatus)
    .map(([s, n]) => `${s.toUpperCase()} ${n}`)
    .join(', ');
  const b = r.bundle;
  const bundle = !b
    ? 'none: the rehearsal wrote no report'
    : `${b.path}${b.interim ? ' (interim)' : ''}${b.missing ? ' — not found any more, digest unknown' : `, SHA256SUMS sha256 ${b.sha256} (${b.signed ? 'signed' : 'UNSIGNED'})`}`;
  return [
    [
      'Rehearsal',
      `session ${r.sessionId}, started ${r.startedAt}${r.kubeContext ? ` on kube context ${r.kubeContext}` : ''}: ` +
        `${r.decision}${r.final ? '' : ' (no final decision)'}; ${counts}; ${fmtMs(r.durationMs)} of checks` +
        (r.sameChecklist ? '' : '; it ran a different version of the checklist') +
        (r.journalProblems ? `; ITS JOURNAL FAILS ITS INTEGRITY CHECK (${r.journalProblems} problem(s))` : ''),
    ],
    ['Rehearsal bundle', bundle],
    ['Changed since the rehearsal', r.changed.length ? r.changed.join('; ') : 'no item changed status'],
  ];
}
