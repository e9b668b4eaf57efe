/**
 * summary.md: fits a PR / issue comment or $GITHUB_STEP_SUMMARY. Table cells escape pipes and Markdown syntax, no
 * raw HTML from check output survives, @mentions and #123 autolinks are neutralised (a zero-width joiner after the
 * sigil), code fences are longer than any backtick run inside them, and the whole text stays under GitHub's
 * 65,536-character comment limit.
 */
import { rehearsalLines } from './rehearsal.js';
import type { ReportModel } from './model.js';
import { actorText, attemptVarDiffs, deliverableCounts, deliverableWord, formatMs, plain, standInText, statusWord, waiverText } from './text.js';

export const MAX_MARKDOWN = 60_000;
const ZWJ = '\u200d';

/** Neutralise mentions (@user at a word start; e-mail addresses do not notify) and issue autolinks (#123, GH-123). */
function defuse(s: string): string {
  return s
    .replace(/(^|[^A-Za-z0-9_.+-])@(?=[A-Za-z0-9])/g, `$1@${ZWJ}`)
    .replace(/(^|[^A-Za-z0-9_&])(\\?#)(?=\d)/g, `$1$2${ZWJ}`)
    .replace(/\bGH-(?=\d)/g, `GH-${ZWJ}`);
}

/** Inline text: Markdown syntax and HTML escaped, one line. */
export function mdText(v: unknown, maxLen = 500): string {
  if (v === undefined || v === null) return '';
  const s = plain(String(v), maxLen).replace(/\s*\n\s*/g, ' ');
  return defuse(s.replace(/[\\`*_{}[\]()<>#+!|~]/g, (c) => `\\${c}`).replace(/&/g, '&amp;'));
}

/** A table cell: like mdText (pipes are escaped there too). */
export const mdCell = mdText;

/** A fenced block whose fence is longer than any run of backticks in the content. */
export function fence(content: string, info = 'text'): string {
  const text = plain(content);
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const f = '`'.repeat(Math.max(3, longest + 1));
  return `${f}${info}\n${text}\n${f}`; // nothing in a code block notifies or autolinks
}

const ICON: Record<string, string> = { GO: '✅', 'NO-GO': '❌', INCOMPLETE: '⏳' };

export function renderMarkdown(m: ReportModel): string {
  const out: string[] = [];
  const sig = m.bundle.signature;
  out.push(`## ${ICON[m.decision.decision] ?? ''} ${mdText(m.checklist.title)}: **${m.decision.decision}**${m.bundle.interim ? ' (INTERIM)' : ''}`);
  out.push('');
  if (m.session.sandbox) out.push(`> **SANDBOX** — ran against a local demo sandbox, not a real environment.${standInText(m)}\n`);
  if (m.bundle.interim) out.push('> **INTERIM** — no final decision had been recorded when this report was generated.\n');
  if (sig.status === 'unsigned') out.push(`> **UNSIGNED** — ${mdText(sig.reason ?? 'no signature')}\n`);
  out.push(
    `Session \`${m.session.id}\` · checklist \`${m.checklist.name}\` (sha256 \`${m.checklist.sha256.slice(0, 16)}…\`) · ` +
      `${m.totals.items} items · ${formatMs(m.totals.durationMs)} of checks vs ${formatMs(m.totals.estimateMs)} estimated` +
      (m.kube ? ` · kube \`${mdText(m.kube.context)}\`` : ''),
  );
  out.push('');
  if (m.decision.final) out.push(`Final decision recorded by ${mdText(actorText(m.decision.decidedBy))} at ${mdText(m.decision.at)}.\n`);
  if (m.bundle.rehearsal) {
    for (const [k, v] of rehearsalLines(m.bundle.rehearsal, formatMs)) out.push(`- **${k}:** ${mdText(v, 600)}`);
    out.push('');
  }
  out.push('| Status | Count |');
  out.push('|---|---:|');
  for (const [s, n] of Object.entries(m.totals.byStatus)) out.push(`| ${statusWord(s as never)} | ${n} |`);
  out.push('');
  out.push('| Item | Title | Status | Measured | Threshold | Time |');
  out.push('|---|---|---|---|---|---|');
  for (const it of m.blocks.flatMap((b) => b.items)) {
    out.push(
      `| ${mdCell(it.id)} | ${mdCell(it.title, 80)}${it.blocking ? '' : ' _(non-blocking)_'} | ${statusWord(it.status)} | ${mdCell(it.measured, 80)} | ${mdCell(it.threshold, 80)} | ${formatMs(it.durationMs)} |`,
    );
  }
  if (m.deliverables.length) {
    out.push('');
    out.push(`### Deliverables (${deliverableCounts(m.deliverables)}; they do not change the decision)`);
    out.push('| Deliverable | Status | Result | Evidence |');
    out.push('|---|---|---|---|');
    for (const d of m.deliverables) {
      const result =
        d.status === 'unchecked' ? 'no check in the checklist' : (d.error?.message ?? d.summary ?? (d.skip ? `cancelled: ${d.skip.reason}` : 'not checked yet'));
      out.push(
        `| ${mdCell(d.path, 200)}${d.description ? ` — ${mdCell(d.description, 80)}` : ''} | ${deliverableWord(d.status)} | ${mdCell(result, 200)} | ${d.evidence.map((e) => mdCell(e.path, 200)).join(' ')} |`,
      );
    }
  }
  const problems = m.blocks.flatMap((b) => b.items).filter((i) => ['fail', 'error', 'timeout', 'blocked', 'cancelled'].includes(i.status));
  if (problems.length) {
    out.push('');
    out.push('### Problems');
    for (const it of problems) {
      const said = it.status === 'cancelled' ? `${it.skip?.reason ?? ''}${it.skip?.halfChanged ? ` — ${it.skip.halfChanged}` : ''}` : (it.error?.message ?? it.summary ?? it.skip?.reason);
      out.push(`- **${mdText(it.id)} ${mdText(it.title, 120)}** — ${statusWord(it.status)}: ${mdText(said, 400)}`);
    }
  }
  // every attempt and who ran it, the cancelled ones included
  const attempts = m.blocks.flatMap((b) =>
    b.items.flatMap((i) => [
      ...i.attempts.map((a) => ({ i, n: a.attempt, word: statusWord(a.verdict), by: a.ranBy, said: a.summary })),
      ...i.cancelled.map((c) => ({ i, n: c.attempt, word: statusWord('cancelled'), by: c.ranBy, said: `${c.reason}${c.halfChanged ? ` — ${c.halfChanged}` : ''}` })),
    ].sort((a, b) => a.n - b.n)),
  );
  if (attempts.length) {
    out.push('');
    out.push('### Attempts');
    out.push('| Item | # | Result | Run by | Summary |');
    out.push('|---|---:|---|---|---|');
    for (const a of attempts) out.push(`| ${mdCell(a.i.id)} | ${a.n} | ${a.word} | ${mdCell(actorText(a.by), 120)} | ${mdCell(a.said, 120)} |`);
  }
  const waived = m.blocks.flatMap((b) => b.items).filter((i) => i.waiver);
  if (waived.length) {
    out.push('');
    out.push('### Waivers');
    for (const it of waived) {
      const w = it.waiver!;
      out.push(
        `- ${mdText(it.id)}: waiver #${w.seq} by ${mdText(actorText({ principal: w.by, keyFingerprint: w.keyFingerprint }))} until ${mdText(w.expires)} ` +
          `(${mdText(waiverText(w))}) — ${mdText(w.reason, 300)}`,
      );
    }
  }
  const signoffs = m.blocks.flatMap((b) => b.items.flatMap((i) => i.signoffs.map((s) => ({ i, s }))));
  if (signoffs.length) {
    out.push('');
    out.push('### Sign-offs');
    out.push('| Item | Decision | Signer | Key | Stale |');
    out.push('|---|---|---|---|---|');
    for (const { i, s } of signoffs)
      out.push(`| ${mdCell(i.id)} | ${s.decision} | ${mdCell(s.by)} | ${s.statement ? `\`${s.statement.keyFingerprint}\`` : 'unsigned (key not recorded)'} | ${s.stale ? 'yes' : ''} |`);
  }
  const names = Object.keys(m.vars);
  if (names.length || m.secretVars.length) {
    out.push('');
    out.push('### Variables');
    out.push(
      [...names.map((k) => `\`${mdCell(k)}\` = \`${mdCell(m.vars[k])}\``), ...m.secretVars.map((k) => `\`${mdCell(k)}\` secret${m.secrets?.[k] ? ` (${m.secrets[k]})` : ''}`)].join(', '),
    );
    // attempts that ran with other values than these (a resume with --set …)
    for (const it of m.blocks.flatMap((b) => b.items))
      for (const d of attemptVarDiffs(it, m).filter((x) => x.diffs.length))
        out.push(`- ${mdText(it.id)} attempt ${d.attempt} ran with ${d.diffs.map((x) => `\`${mdCell(x.name)}\` = \`${mdCell(x.value)}\``).join(', ')}`);
  }
  out.push('');
  out.push(
    sig.status === 'signed'
      ? `Signed by ${mdText(sig.signer ?? 'unknown principal')} with \`${sig.keyFingerprint ?? '?'}\` (namespace \`${sig.namespace}\`). Verify, in the bundle directory:`
      : 'Verify the digests, in the bundle directory:',
  );
  out.push(
    fence(
      `${sig.status === 'signed' ? `ssh-keygen -Y verify -f allowed_signers -I ${sig.signer ?? '<principal>'} -n ${sig.namespace} -s SHA256SUMS.sig < SHA256SUMS\n` : ''}sha256sum --strict -c SHA256SUMS\nreadiness-tui verify . --allowed-signers allowed_signers`,
      'sh',
    ),
  );
  let text = out.join('\n') + '\n';
  if (text.length > MAX_MARKDOWN) text = text.slice(0, MAX_MARKDOWN) + '\n\n… truncated; the full report is report.html in the bundle.\n';
  return text;
}
