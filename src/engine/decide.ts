/**
 * Human decisions on a session — sign-offs and waivers — checked and recorded the same way from every front end
 * (`readiness-tui signoff` / `waive` in a shell, the TUI's dialogs). The checks throw `DecisionRefused` (a
 * UsageError: exit 2 on the CLI, a message in the TUI); recording is durable before it resolves.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { allItems, isAutomated, type Checklist, type Item } from '../checklist/model.js';
import type { DecisionData, JournalRecord, SignoffData, StatementRef, WaiverData } from './events.js';
import type { Decision } from './status.js';
import type { Session } from './session-api.js';
import { sessionChecklistOrigin } from './session.js';
import {
  approvalRefusal,
  approvalsOf,
  decidingReason,
  decisionBasis,
  decisionLine,
  waiverValid,
  type DecisionBasis,
  type ItemState,
  type SessionState,
} from './session-state.js';
import { DecisionRefused, recordSignedAct, type RecordedAct, type SignedActOptions } from './signed-act.js';

export { DecisionRefused };

export function findItem(checklist: Checklist, id: string): Item {
  const items = allItems(checklist);
  const it = items.find((i) => i.id === id);
  if (!it) {
    throw new DecisionRefused(`unknown item "${id}" in checklist ${checklist.name}. Items: ${items.map((i) => i.id).join(', ')}`);
  }
  return it;
}

const same = (a: string | undefined, b: string | undefined) =>
  Boolean(a && b && a.trim().toLowerCase() === b.trim().toLowerCase());

export interface SignoffRequest {
  item: string;
  decision: 'approve' | 'reject';
  comment?: string;
  role?: string;
  /** the principal deciding (operator identity) */
  by: string;
}

export interface SignoffPlan {
  item: Item;
  decision: 'approve' | 'reject';
  comment: string;
  role?: string;
  by: string;
  /** sha256 digests of the evidence of the item's latest result (what the signer was shown) */
  evidence: string[];
  /** things to tell the signer that do not stop the sign-off */
  warnings: string[];
}

/**
 * The rules an approval must meet against the session as it is now: the item can be approved (approvalRefusal),
 * four-eyes (`noSelfApproval`: not the person who ran the item, nor its owner) and one approval per person. Pure:
 * checked once before signing (quick answer) and again inside the journal lock, against the journal at the moment of
 * the append (two approvals by one person at the same instant: one is recorded, the other refused).
 */
export function approvalRuleBroken(item: Item, st: ItemState, by: string, key?: string): string | undefined {
  const refusal = approvalRefusal(item, st);
  if (refusal) return refusal;
  if (item.noSelfApproval) {
    // the driver who ran it is identified by the key of the attempt's item.start (older journals: by principal)
    if (st.ranBy?.key && key && st.ranBy.key === key) {
      return `item ${item.id} requires four-eyes approval (noSelfApproval) and key ${key} ran it (journal line ${st.ranBy.seq + 1}, as ${st.ranBy.by}): someone else must approve it with their own key`;
    }
    if (st.ranBy && same(st.ranBy.by, by)) {
      return `item ${item.id} requires four-eyes approval (noSelfApproval) and ${by} ran it (journal #${st.ranBy.seq}): someone else must approve it`;
    }
    if (same(item.owner, by)) {
      return `item ${item.id} requires four-eyes approval (noSelfApproval) and ${by} owns it: someone else must approve it`;
    }
  }
  // one approval per person and per key; an unsigned approval never counts, so it does not stand in the way either
  const mine = approvalsOf(st).find((s) => same(s.by, by) || (key !== undefined && s.statement?.keyFingerprint === key));
  if (mine) {
    return (
      `${same(mine.by, by) ? by : `key ${key} (${mine.by})`} already approved item ${item.id} (journal #${mine.seq}); ` +
      (item.approvals > 1 ? `its ${item.approvals} approvals must come from different people` : 'nothing to do')
    );
  }
  return undefined;
}

/**
 * Check a sign-off against the item's policy: known item, a reason for a rejection, an allowed role (the only one
 * by default) and, for an approval, approvalRuleBroken. Nothing is recorded here.
 */
export async function planSignoff(session: Session, r: SignoffRequest): Promise<SignoffPlan> {
  if (r.decision !== 'approve' && r.decision !== 'reject') {
    throw new DecisionRefused(`the decision must be approve or reject (got "${String(r.decision)}")`);
  }
  const comment = (r.comment ?? '').trim();
  if (r.decision === 'reject' && !comment) {
    throw new DecisionRefused('a rejection needs a reason: --comment "what is wrong and what must change"');
  }
  const item = findItem(session.checklist, r.item);
  let role = r.role?.trim() || undefined;
  if (item.signoffRoles.length) {
    if (!role && item.signoffRoles.length === 1) role = item.signoffRoles[0];
    if (!role) throw new DecisionRefused(`item ${item.id} is signed off in one of the roles ${item.signoffRoles.join(', ')}: pass --role`);
    if (!item.signoffRoles.includes(role)) {
      throw new DecisionRefused(`role "${role}" may not sign off item ${item.id}; allowed roles: ${item.signoffRoles.join(', ')}`);
    }
  }
  const st = session.store.store.getState().items[item.id]!;
  if (r.decision === 'approve') {
    const broken = approvalRuleBroken(item, st, r.by);
    if (broken) throw new DecisionRefused(broken);
  }
  const warnings: string[] = [];
  if (item.signoff === 'none') warnings.push(`item ${item.id} does not ask for a sign-off (signoff: none); recording it anyway`);
  if (!st.result && isAutomated(item)) {
    warnings.push(`item ${item.id} has not run yet in this session: the sign-off covers no evidence and turns stale when it runs`);
  }
  return { item, decision: r.decision, comment, role, by: r.by, evidence: (st.result?.evidence ?? []).map((e) => e.sha256), warnings };
}

/**
 * The team file (OpenSSH allowed_signers) that says which key may sign as whom, the one way every command finds it:
 * `--allowed-signers FILE`, else the file the checklist names (`allowedSigners`, relative to the checklist's own file
 * `checklist.file`), else `allowed_signers` in the state directory when there is one. Undefined: trust on first use.
 * A named file that does not exist is refused (never a silent fall back to trust on first use).
 */
export function teamFileIn(stateDir: string, given?: string, checklist?: { checklist: Checklist; file: string }): string | undefined {
  if (given !== undefined) {
    const f = resolve(given);
    if (!existsSync(f)) throw new DecisionRefused(`--allowed-signers ${given}: no such file (the team's allowed_signers)`);
    return f;
  }
  const named = checklist?.checklist.allowedSigners;
  if (named && checklist) {
    const f = resolve(dirname(checklist.file), named.path);
    if (!existsSync(f)) {
      throw new DecisionRefused(
        `${checklist.file}:${named.pos.line}:${named.pos.col}: allowedSigners ${named.path}: no such file ${f} ` +
          `(the team's allowed_signers the checklist names) — nothing was recorded`,
      );
    }
    return f;
  }
  const f = join(stateDir, TEAM_FILE);
  return existsSync(f) ? resolve(f) : undefined;
}

/** teamFileIn for an existing session directory (`<stateDir>/sessions/<id>`), with the checklist the session pinned. */
export async function teamFile(sessionDir: string, given?: string): Promise<string | undefined> {
  const stateDir = join(sessionDir, '..', '..');
  if (given !== undefined) return teamFileIn(stateDir, given);
  return teamFileIn(stateDir, undefined, await sessionChecklistOrigin(sessionDir));
}

/** name of the team file in a state directory (`.readiness/allowed_signers`) */
export const TEAM_FILE = 'allowed_signers';

export type RecordSignoffOptions = SignedActOptions;

export type RecordedSignoff = RecordedAct;

/** Sign (when wanted and possible) and journal a planned sign-off (recordSignedAct, with the approval rules). */
export function recordSignoff(session: Session, plan: SignoffPlan, o: RecordSignoffOptions): Promise<RecordedSignoff> {
  const data: SignoffData = {
    item: plan.item.id,
    decision: plan.decision,
    comment: plan.comment,
    role: plan.role,
    by: plan.by,
    evidence: plan.evidence,
  };
  const check = (state: SessionState, statement?: StatementRef) =>
    plan.decision === 'approve' ? approvalRuleBroken(plan.item, state.items[plan.item.id]!, plan.by, statement?.keyFingerprint) : undefined;
  return recordSignedAct(session, { type: 'signoff', data }, { ...o, check });
}

/** Normalise an expiry: YYYY-MM-DD stays a date; relative (72h, 7d, 2w) and timestamps become ISO UTC. */
export function parseExpiry(input: string, now = new Date()): string {
  const s = input.trim();
  const rel = /^(\d+)\s*(h|d|w)$/i.exec(s);
  if (rel) {
    const n = Number(rel[1]);
    const unit = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }[rel[2]!.toLowerCase() as 'h' | 'd' | 'w'];
    if (n <= 0) throw new DecisionRefused(`--expires ${input}: a waiver must last some time`);
    return new Date(now.getTime() + n * unit).toISOString();
  }
  let out: string;
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
    const t = Date.parse(s + 'T00:00:00Z');
    if (!Number.isFinite(t) || new Date(t).toISOString().slice(0, 10) !== s) {
      throw new DecisionRefused(`--expires ${input}: not a real calendar date`);
    }
    out = s;
  } else {
    const looksIso = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(s);
    const t = looksIso ? Date.parse(s.replace(' ', 'T')) : NaN;
    if (!Number.isFinite(t)) {
      throw new DecisionRefused(
        `--expires "${input}" is not a date: use YYYY-MM-DD (valid through that day, UTC), an ISO timestamp ` +
          `(2026-12-01T18:00:00Z) or a duration from now (72h, 7d, 2w)`,
      );
    }
    out = new Date(t).toISOString();
  }
  if (!waiverValid({ item: '', reason: '', by: '', expires: out }, now)) {
    throw new DecisionRefused(`--expires ${input} is in the past (now ${now.toISOString()}): a waiver must expire in the future`);
  }
  return out;
}

export interface WaiverRequest {
  item: string;
  reason?: string;
  expires: string;
  control?: string;
  by: string;
}

/** Check a waiver (known item, a reason, an expiry in the future) and build its event data. */
export function planWaiver(checklist: Checklist, r: WaiverRequest, now = new Date()): WaiverData {
  const reason = (r.reason ?? '').trim();
  if (!reason) throw new DecisionRefused('--reason must say why the risk is accepted');
  const expires = parseExpiry(r.expires, now);
  const item = findItem(checklist, r.item);
  const control = r.control?.trim() || undefined;
  return { item: item.id, reason, expires, compensatingControl: control, by: r.by };
}

/**
 * Record the final decision (GO or NO-GO) — checked inside the journal lock against the journal at that moment: a
 * final GO with a required sign-off missing is refused with the list; when a final decision was already recorded
 * and nothing changed since, nothing new is recorded (`already`). An INCOMPLETE decision is recorded as interim.
 * The decision is the operator's signed statement (recordSignedAct) when a key is available.
 */
export async function recordDecision(
  session: Session,
  o: RecordSignoffOptions = { sign: true },
): Promise<{ record?: JournalRecord; already?: { decision: string; seq: number }; statement?: StatementRef; unsignedReason?: string }> {
  let already: { decision: string; seq: number } | undefined;
  // decide at this instant: evidence may have gone stale (maxAge) since the last record — then no final GO
  session.store.tick();
  const s = session.store.store.getState();
  const check = (state: SessionState) => {
    if (state.decision !== s.decision) {
      throw new DecisionRefused(`the decision changed to ${state.decision} while it was being recorded (another session's record arrived): look again — nothing was recorded`);
    }
    const b = decisionBasis(session.checklist, state, new Date());
    if (b.decision === 'INCOMPLETE') return;
    if (b.refusal) throw new DecisionRefused(`${b.refusal} — nothing was recorded`);
    if (b.alreadyDecided) {
      already = b.alreadyDecided;
      throw new AlreadyDecided();
    }
  };
  try {
    const data = { decision: s.decision, deciding: s.deciding, final: s.decision !== 'INCOMPLETE', by: session.operator };
    const r = await recordSignedAct(session, { type: 'decision', data }, { ...o, check: (state) => (check(state), undefined) });
    return { record: r.record, statement: r.statement, unsignedReason: r.unsignedReason };
  } catch (err) {
    if (err instanceof AlreadyDecided && already) return { already };
    throw err;
  }
}

class AlreadyDecided extends Error {}

/** What `settleDecision` did: the decision that stands now, and whether it is final. */
export interface SettledDecision {
  /** GO / NO-GO when final; INCOMPLETE otherwise (also for a GO withheld for missing sign-offs) */
  decision: Decision;
  final: boolean;
  /** what the decision rests on and what is missing, as `g` shows it */
  basis: DecisionBasis;
  /** the decision record appended now; absent when `already` */
  record?: JournalRecord;
  /** a final decision was already recorded and nothing changed since: nothing new was recorded */
  already?: { decision: Decision; seq: number };
  /** the checks say GO but required sign-offs are missing: no final GO, recorded as INCOMPLETE (interim) */
  withheld?: string[];
  /** one line for humans, the last line of `run --ci` and `decide` */
  line: string;
}

interface DecisionPlan {
  data?: DecisionData;
  already?: { decision: Decision; seq: number };
  withheld?: string[];
  basis: DecisionBasis;
}

function planDecision(checklist: Checklist, s: SessionState, now: Date): DecisionPlan {
  const basis = decisionBasis(checklist, s, now);
  if (basis.decision !== 'INCOMPLETE' && basis.alreadyDecided?.decision === basis.decision) return { basis, already: basis.alreadyDecided };
  if (basis.decision === 'GO' && basis.missing.length) {
    const deciding = basis.missing.map((item) => ({ item, status: s.items[item]!.status }));
    return { basis, withheld: basis.missing, data: { decision: 'INCOMPLETE', deciding, final: false } };
  }
  return { basis, data: { decision: basis.decision, deciding: s.deciding, final: basis.decision !== 'INCOMPLETE' } };
}

const samePlan = (a: DecisionPlan, b: DecisionPlan) =>
  JSON.stringify([a.data, a.already, a.withheld]) === JSON.stringify([b.data, b.already, b.withheld]);

class DecisionMoved extends Error {}

/** A decision record: the operator's signed statement when `sign` is given (recordSignedAct), else a plain record. */
async function recordDecisionData(session: Session, data: DecisionData, check: (s: SessionState) => void, sign?: RecordSignoffOptions): Promise<JournalRecord> {
  if (!sign) return session.record({ type: 'decision', data }, { check });
  const act = { type: 'decision' as const, data: { ...data, by: session.operator } };
  return (await recordSignedAct(session, act, { ...sign, check: (st) => (check(st), undefined) })).record;
}

/**
 * The decision of a headless run (`run --ci`, `decide`): decide at this instant and record it, under the same rules as
 * `g` in the TUI — a GO with a required sign-off still missing is not final (recorded as INCOMPLETE, interim, with
 * the missing items); one final decision per state of the journal (a final decision already recorded with nothing
 * changed since is not recorded again). Checked again inside the journal lock; when another process's record changed
 * the outcome meanwhile, it is worked out again. `expect`: refuse (DecisionRefused) unless the outcome is this
 * decision (what the operator confirmed); `recordInterim: false`: record only a final decision.
 */
export async function settleDecision(
  session: Session,
  o: { expect?: Decision; recordInterim?: boolean; /** sign the decision as the operator's statement (recordSignedAct) */ sign?: RecordSignoffOptions } = {},
): Promise<SettledDecision> {
  for (let tries = 0; ; tries++) {
    session.store.tick();
    const plan = planDecision(session.checklist, session.store.store.getState(), new Date());
    const outcome = (plan.already?.decision ?? plan.data!.decision) as Decision;
    if (o.expect && outcome !== o.expect) {
      throw new DecisionRefused(`the decision is now ${outcome}, not the ${o.expect} that was confirmed: look again — nothing was recorded`);
    }
    const check = (state: SessionState) => {
      if (!samePlan(planDecision(session.checklist, state, new Date()), plan)) throw new DecisionMoved();
    };
    try {
      const wanted = plan.data?.final || o.recordInterim !== false;
      const record = wanted && plan.data ? await recordDecisionData(session, plan.data, check, o.sign) : undefined;
      const state = session.store.store.getState();
      const line = plan.withheld
        ? `INCOMPLETE — no final GO without every required sign-off: ${plan.withheld.map((id) => decidingReason(state.items[id]!)).join('; ')}`
        : decisionLine(session.checklist, state);
      return {
        decision: outcome,
        final: outcome !== 'INCOMPLETE',
        basis: plan.basis,
        ...(record ? { record } : {}),
        ...(plan.already ? { already: plan.already } : {}),
        ...(plan.withheld ? { withheld: plan.withheld } : {}),
        line,
      };
    } catch (err) {
      if (err instanceof DecisionMoved && tries < 5) continue;
      if (err instanceof DecisionMoved) throw new DecisionRefused('the journal kept changing while the decision was being recorded — nothing was recorded; decide again');
      throw err;
    }
  }
}
