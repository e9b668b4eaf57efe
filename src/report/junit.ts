/**
 * junit.xml: one <testsuite> per block, one <testcase> per item (what Jenkins, GitLab and GitHub reporters read), and a
 * <testsuite name="deliverables"> with one <testcase> per deliverable (one without a check is <skipped>).
 * pass → bare testcase; fail → <failure>; error/timeout → <error>; skipped/blocked/waived/needs-signoff/pending/
 * inconclusive → <skipped message>. Sign-offs and waivers become testcase properties. The XML never carries control
 * characters (sanitized first; XML 1.0 forbids most C0 controls).
 */
import type { ReportDeliverable, ReportItem, ReportModel } from './model.js';
import { actorText, deliverableWord, plain, statusWord, waiverText } from './text.js';

/** Escape for XML text and attributes; drop characters XML 1.0 cannot carry. */
export function xml(v: unknown, maxLen = 4000): string {
  if (v === undefined || v === null) return '';
  return plain(String(v), maxLen)
    .replace(/[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const secs = (ms: number) => (ms / 1000).toFixed(3);

function outcome(it: ReportItem): { tag: 'failure' | 'error' | 'skipped'; message: string } | undefined {
  const detail = [it.summary, it.measured && it.threshold ? `measured ${it.measured}, threshold ${it.threshold}` : undefined]
    .filter(Boolean)
    .join('; ');
  switch (it.status) {
    case 'pass':
      return undefined;
    case 'fail':
      return { tag: 'failure', message: detail || 'failed' };
    case 'error':
      return { tag: 'error', message: it.error?.message ?? (detail || 'could not run') };
    case 'timeout':
      return { tag: 'error', message: `timed out${detail ? `: ${detail}` : ''}` };
    case 'waived':
      return {
        tag: 'skipped',
        message: `waived by ${it.waiver?.by ?? '?'} until ${it.waiver?.expires ?? '?'}: ${it.waiver?.reason ?? ''}`,
      };
    case 'blocked':
    case 'skipped':
    case 'cancelled':
      return { tag: 'skipped', message: `${it.status}: ${it.skip?.reason ?? ''}${it.skip?.halfChanged ? ` — ${it.skip.halfChanged}` : ''}` };
    case 'needs-signoff':
      return { tag: 'skipped', message: `needs sign-off${detail ? ` (${detail})` : ''}` };
    default:
      return { tag: 'skipped', message: `${statusWord(it.status).toLowerCase()}${detail ? `: ${detail}` : ''}` };
  }
}

function deliverableOutcome(d: ReportDeliverable): { tag: 'failure' | 'error' | 'skipped'; message: string } | undefined {
  const detail = [d.summary, d.measured && d.threshold ? `measured ${d.measured}, threshold ${d.threshold}` : undefined].filter(Boolean).join('; ');
  switch (d.status) {
    case 'pass':
      return undefined;
    case 'fail':
      return { tag: 'failure', message: detail || 'failed' };
    case 'error':
      return { tag: 'error', message: d.error?.message ?? (detail || 'could not run') };
    case 'timeout':
      return { tag: 'error', message: `timed out${detail ? `: ${detail}` : ''}` };
    case 'unchecked':
      return { tag: 'skipped', message: 'not checked: the checklist gives this deliverable no check' };
    case 'pending':
      return { tag: 'skipped', message: 'not checked yet' };
    case 'skipped':
      return { tag: 'skipped', message: `skipped: ${d.skip?.reason ?? ''}` };
    default:
      return { tag: 'skipped', message: `${deliverableWord(d.status).toLowerCase()}${detail ? `: ${detail}` : ''}` };
  }
}

export function renderJunit(m: ReportModel, sumsNote = 'see SHA256SUMS'): string {
  const o: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const all = m.blocks.flatMap((b) => b.items);
  const count = (items: ReportItem[], tag: string) => items.filter((i) => outcome(i)?.tag === tag).length;
  const dels = m.deliverables;
  const dcount = (tag: string) => dels.filter((d) => deliverableOutcome(d)?.tag === tag).length;
  const delMs = dels.reduce((a, d) => a + (d.durationMs ?? 0), 0);
  o.push(
    `<testsuites name="${xml(m.checklist.name)}" tests="${all.length + dels.length}" failures="${count(all, 'failure') + dcount('failure')}" errors="${count(all, 'error') + dcount('error')}" skipped="${count(all, 'skipped') + dcount('skipped')}" time="${secs(m.totals.durationMs + delMs)}" timestamp="${xml(m.session.startedAt)}">`,
  );
  for (const b of m.blocks) {
    o.push(
      `  <testsuite name="${xml(`${b.id} ${b.title}`)}" tests="${b.items.length}" failures="${count(b.items, 'failure')}" errors="${count(b.items, 'error')}" skipped="${count(b.items, 'skipped')}" time="${secs(b.durationMs)}" timestamp="${xml(m.session.startedAt)}" hostname="${xml(m.session.host)}">`,
    );
    o.push('    <properties>');
    const props: [string, string][] = [
      ['session', m.session.id],
      ['decision', m.decision.decision],
      ['interim', String(m.bundle.interim)],
      ['checklist.sha256', m.checklist.sha256],
      ['journal.head', m.journal.head ?? ''],
      ['decidedBy', m.decision.final ? actorText(m.decision.decidedBy) : 'no final decision (interim)'],
      ['signature', m.bundle.signature.status === 'signed' ? `signed by ${m.bundle.signature.signer ?? '?'} ${m.bundle.signature.keyFingerprint ?? ''}` : `UNSIGNED: ${m.bundle.signature.reason ?? ''}`],
      ['bundle', sumsNote],
    ];
    if (m.session.sandbox) props.push(['sandbox', 'true']);
    for (const [k, v] of props) o.push(`      <property name="${xml(k)}" value="${xml(v)}"/>`);
    o.push('    </properties>');
    for (const it of b.items) {
      o.push(`    <testcase name="${xml(`${it.id} ${it.title}`)}" classname="${xml(`${m.checklist.name}.${b.id}`)}" time="${secs(it.durationMs)}">`);
      const p: [string, string][] = [
        ['status', it.status],
        ['blocking', String(it.blocking)],
      ];
      if (it.measured) p.push(['measured', it.measured]);
      if (it.threshold) p.push(['threshold', it.threshold]);
      for (const a of it.attempts) p.push([`attempt.${a.attempt}`, `${statusWord(a.verdict)} run by ${actorText(a.ranBy)}: ${a.summary}`]);
      for (const c of it.cancelled) p.push([`attempt.${c.attempt}`, `${statusWord('cancelled')} run by ${actorText(c.ranBy)}: ${c.reason}${c.halfChanged ? ` — ${c.halfChanged}` : ''}`]);
      for (const s of it.signoffs)
        p.push([`signoff.${s.seq}`, `${s.decision} by ${s.by}${s.statement ? ` key ${s.statement.keyFingerprint}` : ' (unsigned)'}${s.stale ? ' (stale)' : ''}`]);
      if (it.waiver) {
        const w = it.waiver;
        p.push(['waiver', `#${w.seq} by ${actorText({ principal: w.by, keyFingerprint: w.keyFingerprint })} until ${w.expires} (${waiverText(w)}): ${w.reason}`]);
      }
      for (const e of it.evidence) p.push([`evidence.${e.path}`, `sha256:${e.sha256}`]);
      o.push('      <properties>');
      for (const [k, v] of p) o.push(`        <property name="${xml(k)}" value="${xml(v)}"/>`);
      o.push('      </properties>');
      const r = outcome(it);
      if (r?.tag === 'skipped') o.push(`      <skipped message="${xml(r.message, 1000)}"/>`);
      else if (r) {
        const body = [it.summary, it.error?.hint, ...(it.attempts[it.attempts.length - 1]?.offending ?? []).slice(0, 20).map((x) => JSON.stringify(x))]
          .filter(Boolean)
          .join('\n');
        o.push(`      <${r.tag} message="${xml(r.message, 1000)}" type="${xml(it.status)}">${xml(body, 8000)}</${r.tag}>`);
      }
      if (it.evidence.length) o.push(`      <system-out>${xml(it.evidence.map((e) => `evidence: ${e.path}`).join('\n'))}</system-out>`);
      o.push('    </testcase>');
    }
    o.push('  </testsuite>');
  }
  if (dels.length) {
    // deliverables: their own suite; they never change the decision (the `decision` property of the blocks says it)
    o.push(
      `  <testsuite name="deliverables" tests="${dels.length}" failures="${dcount('failure')}" errors="${dcount('error')}" skipped="${dcount('skipped')}" time="${secs(delMs)}" timestamp="${xml(m.session.startedAt)}" hostname="${xml(m.session.host)}">`,
    );
    for (const d of dels) {
      o.push(`    <testcase name="${xml(d.path)}" classname="${xml(`${m.checklist.name}.deliverables`)}" time="${secs(d.durationMs ?? 0)}">`);
      const p: [string, string][] = [['status', d.status]];
      if (d.description) p.push(['description', d.description]);
      if (d.kind) p.push(['kind', d.kind]);
      if (d.measured) p.push(['measured', d.measured]);
      for (const e of d.evidence) p.push([`evidence.${e.path}`, `sha256:${e.sha256}`]);
      o.push('      <properties>');
      for (const [k, v] of p) o.push(`        <property name="${xml(k)}" value="${xml(v)}"/>`);
      o.push('      </properties>');
      const r = deliverableOutcome(d);
      if (r?.tag === 'skipped') o.push(`      <skipped message="${xml(r.message, 1000)}"/>`);
      else if (r) {
        const body = [d.summary, d.error?.hint, d.status === 'fail' && d.expect ? `expected: ${d.expect}` : undefined].filter(Boolean).join('\n');
        o.push(`      <${r.tag} message="${xml(r.message, 1000)}" type="${xml(d.status)}">${xml(body, 8000)}</${r.tag}>`);
      }
      if (d.evidence.length) o.push(`      <system-out>${xml(d.evidence.map((e) => `evidence: ${e.path}`).join('\n'))}</system-out>`);
      o.push('    </testcase>');
    }
    o.push('  </testsuite>');
  }
  o.push('</testsuites>');
  return o.join('\n') + '\n';
}
