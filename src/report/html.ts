/**
 * report.html: one self-contained, printable file. Inline CSS only, no scripts, no external assets, and a strict
 * Content-Security-Policy as the first thing in <head> (defence in depth: even if escaping failed, nothing loads and
 * nothing runs). Every value is escaped; check output is stripped of ANSI/OSC and other control sequences first.
 * Deterministic: the same report model and evidence give the same bytes.
 */
import { rehearsalLines } from './rehearsal.js';
import { credentialMasker } from '../engine/credential-mask.js';
import { moreOffending } from '../engine/bounded-record.js';
import type { ReportDeliverable, ReportItem, ReportModel } from './model.js';
import {
  actorText,
  attemptVarDiffs,
  deliverableCounts,
  deliverableWord,
  formatMs,
  plain,
  standInText,
  statusWord,
  waiverText,
  type EvidenceTail,
  type LatestVars,
} from './text.js';
import type { DeliverableStatus, Status } from '../engine/status.js';
import { REPORT_NAMESPACE } from '../signing/sign.js';

export const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape for HTML text and attribute values, after removing control sequences. */
export function esc(v: unknown, maxLen = 4000): string {
  if (v === undefined || v === null) return '';
  return plain(String(v), maxLen).replace(/[&<>"']/g, (c) => ESC[c]!);
}

/** A relative link into the bundle; only our own safe file names are linked. */
function href(path: string): string {
  return /^[A-Za-z0-9._/@-]+$/.test(path) && !path.split('/').includes('..') ? encodeURI(path) : '#';
}

const STATUS_CLASS: Record<Status, string> = {
  pass: 'ok',
  waived: 'warn',
  'needs-signoff': 'warn',
  pending: 'muted',
  running: 'muted',
  skipped: 'muted',
  cancelled: 'bad',
  blocked: 'bad',
  inconclusive: 'warn',
  fail: 'bad',
  error: 'bad',
  timeout: 'bad',
};

const CSS = `
:root{--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--muted:#57606a;--line:#d0d7de;--bg:#f6f8fa}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;margin:0 auto;max-width:1100px;padding:16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:24px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:16px 0 6px}
.banner{border:2px solid;border-radius:6px;padding:10px 14px;margin:10px 0;font-weight:600}
.banner.GO{border-color:var(--ok);color:var(--ok)}.banner.NO-GO{border-color:var(--bad);color:var(--bad)}.banner.INCOMPLETE{border-color:var(--warn);color:var(--warn)}
.banner.interim,.banner.sandbox,.banner.unsigned{border-color:var(--warn);color:var(--warn);background:#fff8c5}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}th{background:var(--bg)}
.st{font-weight:700;white-space:nowrap}.ok{color:var(--ok)}.bad{color:var(--bad)}.warn{color:var(--warn)}.muted{color:var(--muted)}
.item{border:1px solid var(--line);border-radius:6px;padding:8px 12px;margin:10px 0;page-break-inside:avoid}
.meta{color:var(--muted);font-size:12px}pre{background:var(--bg);border:1px solid var(--line);padding:8px;overflow-x:auto;white-space:pre-wrap;word-break:break-all;font:12px/1.4 ui-monospace,monospace;margin:4px 0}
code{font:12px ui-monospace,monospace}dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:6px 0}dt{color:var(--muted)}dd{margin:0}
@media print{body{max-width:none;padding:0;font-size:11px}h2{page-break-before:auto;page-break-after:avoid}.item{page-break-inside:avoid}a{color:inherit;text-decoration:none}a[href]:after{content:" (" attr(href) ")";font-size:10px;color:var(--muted)}pre{white-space:pre-wrap}}
`;

function status(s: Status): string {
  return `<span class="st ${STATUS_CLASS[s]}">${esc(statusWord(s))}</span>`;
}

function dl(rows: [string, string | undefined][]): string {
  const r = rows.filter(([, v]) => v !== undefined && v !== '');
  return r.length ? `<dl>${r.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('')}</dl>` : '';
}

function vsEstimate(ms: number, est?: number): string {
  const d = esc(formatMs(ms));
  if (!est) return d;
  const over = ms > est;
  return `${d} <span class="${over ? 'warn' : 'muted'}">of ${esc(formatMs(est))} estimated${over ? ' (over)' : ''}</span>`;
}

/** the variables each attempt ran with, where they differ from the Variables table (the latest run's) */
function ranWithHtml(it: ReportItem, latest: LatestVars): string | undefined {
  const lines = attemptVarDiffs(it, latest).map(
    (d) => `attempt ${d.attempt}: ${d.diffs.length ? d.diffs.map((x) => `<code>${esc(x.name)}</code> = ${esc(x.value)}`).join(', ') : 'the variables above'}`,
  );
  return lines.some((l) => !l.endsWith('the variables above')) ? lines.join('<br>') : undefined;
}

function itemHtml(it: ReportItem, tails: Map<string, EvidenceTail>, latest: LatestVars): string {
  const parts: string[] = [];
  parts.push(
    `<div class="item" id="item-${esc(it.id)}"><h3>${esc(it.id)} ${esc(it.title)} — ${status(it.status)}${it.blocking ? ' <span class="meta">blocking</span>' : ''}</h3>`,
  );
  parts.push(
    dl([
      ['Metric', it.metric ? esc(it.metric) : undefined],
      ['Check', `<code>${esc(it.kind)}</code>`],
      [
        'Regression',
        it.regression
          ? `<strong class="bad">passed before; the regression watch re-checked it at ${esc(it.regression.ts)}: ${esc(it.regression.verdict.toUpperCase())} — ${esc(it.regression.summary)}</strong>`
          : undefined,
      ],
      ['Result', it.summary ? esc(it.summary) : undefined],
      ['Measured', it.measured ? esc(it.measured) : undefined],
      ['Threshold', it.threshold ? esc(it.threshold) : undefined],
      ['Error', it.error ? esc(it.error.message) + (it.error.hint ? ` — ${esc(it.error.hint)}` : '') : undefined],
      ['Skipped', it.skip ? `${esc(it.skip.status)}: ${esc(it.skip.reason)}` : undefined],
      ['Warning', it.skip?.halfChanged ? `<strong class="bad">${esc(it.skip.halfChanged)}</strong>` : undefined],
      ['Duration', vsEstimate(it.durationMs, it.estimateMs)],
      ['Attempts', it.attempts.length ? String(it.attempts.length) : undefined],
      ['Ran with', ranWithHtml(it, latest)],
      ['Owner', it.owner || it.role ? esc([it.owner, it.role].filter(Boolean).join(', ')) : undefined],
      [
        'Sign-off',
        it.signoffPolicy.policy !== 'none'
          ? esc(
              `${it.signoffPolicy.policy}, ${it.signoffPolicy.approvals} approval(s)` +
                (it.signoffPolicy.roles.length ? `, roles ${it.signoffPolicy.roles.join(', ')}` : '') +
                (it.signoffPolicy.noSelfApproval ? ', no self-approval' : ''),
            )
          : undefined,
      ],
    ]),
  );
  if (it.attempts.length + it.cancelled.length) {
    // every attempt in order, who ran it, the cancelled ones included (with what happened and their partial evidence)
    const rows = [
      ...it.attempts.map((a) => ({
        n: a.attempt,
        html: `<td>${status(a.verdict)}</td><td>${esc(actorText(a.ranBy))}</td><td>${a.trigger === 'watch' ? '(watch re-check) ' : ''}${esc(a.summary)}</td><td>${esc(formatMs(a.durationMs))}</td>`,
      })),
      ...it.cancelled.map((c) => ({
        n: c.attempt,
        html:
          `<td>${status('cancelled')}</td><td>${esc(actorText(c.ranBy))}</td><td>${esc(c.reason)}${c.halfChanged ? `<br><strong class="bad">${esc(c.halfChanged)}</strong>` : ''}` +
          `${c.evidence.length ? `<br>partial evidence: ${c.evidence.map((e) => `<code>${esc(e.path)}</code>`).join(', ')}` : ''}</td><td>${esc(formatMs(c.durationMs))}</td>`,
      })),
    ].sort((a, b) => a.n - b.n);
    parts.push('<table><tr><th>#</th><th>Verdict</th><th>Run by</th><th>Summary</th><th>Duration</th></tr>');
    for (const r of rows) parts.push(`<tr><td>${r.n}</td>${r.html}</tr>`);
    parts.push('</table>');
  }
  const subChecks = it.attempts[it.attempts.length - 1]?.checks;
  if (subChecks && Object.keys(subChecks).length) {
    parts.push('<table><tr><th>Check</th><th>Verdict</th><th>Summary</th><th>Duration</th></tr>');
    for (const [name, c] of Object.entries(subChecks))
      parts.push(`<tr><td><code>${esc(name)}</code></td><td>${status(c.verdict)}</td><td>${esc(c.summary)}</td><td>${esc(formatMs(c.durationMs))}</td></tr>`);
    parts.push('</table>');
  }
  const lastAttempt = it.attempts[it.attempts.length - 1];
  const off = lastAttempt?.offending;
  if (off?.length) {
    const cols = [...new Set(off.flatMap((o) => Object.keys(o)))].slice(0, 8);
    parts.push(`<table><tr>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>`);
    for (const o of off.slice(0, 50))
      parts.push(`<tr>${cols.map((c) => `<td>${esc(typeof o[c] === 'object' ? JSON.stringify(o[c]) : o[c], 300)}</td>`).join('')}</tr>`);
    parts.push('</table>');
    const more = moreOffending(lastAttempt!, Math.min(50, off.length));
    if (more) parts.push(`<p class="meta">${esc(lastAttempt!.omitted ? more : `${more} offending objects in report.json`)}</p>`);
  }
  if (it.signoffs.length) {
    parts.push('<table><tr><th>Sign-off</th><th>Signer</th><th>Role</th><th>Key</th><th>When</th><th>Comment</th></tr>');
    for (const s of it.signoffs) {
      const key = s.statement ? `<code>${esc(s.statement.keyFingerprint)}</code>` : '<span class="warn">not signed</span>';
      parts.push(
        `<tr><td class="${s.decision === 'approve' ? 'ok' : 'bad'}">${esc(s.decision)}${s.stale ? ' <span class="warn">(stale: evidence changed)</span>' : ''}</td>` +
          `<td>${esc(s.by)}</td><td>${esc(s.role)}</td><td>${key}${s.statement ? ` <a href="${href(s.statement.path)}">statement</a>` : ''}</td><td>${esc(s.ts)}</td><td>${esc(s.comment)}</td></tr>`,
      );
    }
    parts.push('</table>');
  }
  if (it.waiver) {
    const w = it.waiver;
    parts.push(
      `<p class="${w.inForceAtDecision ? 'warn' : 'bad'}">Waiver #${w.seq} by ${esc(actorText({ principal: w.by, keyFingerprint: w.keyFingerprint }))}` +
        `${w.statement ? ` <a href="${href(w.statement.path)}">statement</a>` : ''} until ${esc(w.expires)} — ${esc(waiverText(w))}: ${esc(w.reason)}` +
        `${w.compensatingControl ? ` (compensating control: ${esc(w.compensatingControl)})` : ''}</p>`,
    );
  }
  for (const n of it.notes) parts.push(`<p class="meta">Note by ${esc(n.by)} at ${esc(n.ts)}: ${esc(n.text)}</p>`);
  for (const ev of it.evidence) {
    const t = tails.get(ev.path);
    parts.push(
      `<p class="meta">Evidence <a href="${href(ev.path)}">${esc(ev.path)}</a> — ${ev.bytes} bytes, sha256 <code>${esc(ev.sha256)}</code></p>`,
    );
    if (t && t.lines.length) {
      parts.push(`${t.truncated ? `<p class="meta">last ${t.lines.length} lines:</p>` : ''}<pre>${shownLines(t, it.maskCredentials !== false).map((l) => esc(l, 2000)).join('\n')}</pre>`);
    }
  }
  if (it.status !== 'pass' && it.remediation?.text) parts.push(`<p><b>Remediation:</b> ${esc(it.remediation.text)}</p>`);
  if (it.status !== 'pass' && it.remediation?.command) parts.push(`<pre>${esc(it.remediation.command)}</pre>`);
  if (it.runbook) parts.push(`<p class="meta">Runbook: ${esc(it.runbook)}</p>`);
  if (it.dependsOn.length) parts.push(`<p class="meta">Depends on: ${it.dependsOn.map((d) => `<a href="#item-${esc(d)}">${esc(d)}</a>`).join(', ')}</p>`);
  if (it.reference) parts.push(`<p class="meta">Reference (the plan's own validation):</p><pre>${esc(it.reference, 8000)}</pre>`);
  parts.push('</div>');
  return parts.join('\n');
}

/**
 * The tail's lines as shown: credential-shaped text masked (`[MASKED:aws]`) unless the item says
 * `maskCredentials: false`. Masked over the whole tail, so a private key spanning lines is caught; the evidence file
 * linked next to it keeps every byte as written (it is hashed).
 */
function shownLines(t: EvidenceTail, mask: boolean): string[] {
  return mask ? credentialMasker.mask(t.lines.join('\n')).split('\n') : t.lines;
}

function deliverableStatus(s: DeliverableStatus): string {
  return `<span class="st ${s === 'unchecked' ? 'muted' : STATUS_CLASS[s]}">${esc(deliverableWord(s))}</span>`;
}

/** Deliverables: a table (status, what was found, evidence) then each checked one's evidence tail. They never decide. */
function deliverablesHtml(ds: ReportDeliverable[], tails: Map<string, EvidenceTail>): string {
  const o: string[] = ['<h2 id="deliverables">Deliverables</h2>'];
  o.push('<p class="meta">What the work must produce, checked after the items. Deliverables are shown here and never change the decision.</p>');
  o.push('<table><tr><th>Deliverable</th><th>Status</th><th>Result</th><th>Evidence</th></tr>');
  for (const d of ds) {
    const result =
      d.status === 'unchecked'
        ? 'the checklist gives it no check'
        : [
            d.summary ? esc(d.summary) : d.skip ? esc(`cancelled: ${d.skip.reason}`) : d.status === 'pending' ? 'not checked yet' : '',
            d.error && d.error.message !== d.summary ? `<br>${esc(d.error.message)}` : '',
            d.error?.hint ? `<br><span class="meta">${esc(d.error.hint)}</span>` : '',
            d.status === 'fail' && d.expect ? `<br><span class="meta">expected <code>${esc(d.expect)}</code></span>` : '',
            d.kind ? `<br><span class="meta"><code>${esc(d.kind)}</code>${d.durationMs !== undefined ? ` · ${esc(formatMs(d.durationMs))}` : ''}${d.checkedAt ? ` · ${esc(d.checkedAt)}` : ''}</span>` : '',
          ].join('');
    const evidence = d.evidence
      .map((ev) => `<a href="${href(ev.path)}">${esc(ev.path)}</a> <span class="meta">${ev.bytes} bytes, sha256 <code>${esc(ev.sha256)}</code></span>`)
      .join('<br>');
    o.push(
      `<tr id="deliverable-${d.index}"><td><code>${esc(d.path)}</code>${d.description ? ` — ${esc(d.description)}` : ''}</td><td>${deliverableStatus(d.status)}</td><td>${result}</td><td>${evidence}</td></tr>`,
    );
  }
  o.push('</table>');
  for (const d of ds) {
    if (d.status === 'pass') continue; // what was found is in the table; the tail matters when it was not
    for (const ev of d.evidence) {
      const t = tails.get(ev.path);
      if (t && t.lines.length) o.push(`<p class="meta">${esc(d.path)} — ${esc(ev.path)}${t.truncated ? ` (last ${t.lines.length} lines)` : ''}:</p><pre>${shownLines(t, true).map((l) => esc(l, 2000)).join('\n')}</pre>`);
    }
  }
  return o.join('\n');
}

export function renderHtml(m: ReportModel, tails: Map<string, EvidenceTail>): string {
  const sig = m.bundle.signature;
  const o: string[] = [];
  o.push('<!DOCTYPE html>');
  o.push('<html lang="en"><head>');
  o.push(`<meta http-equiv="Content-Security-Policy" content="${CSP}">`);
  o.push('<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer">');
  o.push(`<title>${esc(m.checklist.title)} — ${esc(m.decision.decision)}${m.bundle.interim ? ' (INTERIM)' : ''}</title>`);
  o.push(`<style>${CSS}</style></head><body>`);
  o.push(`<h1>${esc(m.checklist.title)}</h1>`);
  o.push(`<p class="meta">Checklist <code>${esc(m.checklist.name)}</code> · session <code>${esc(m.session.id)}</code> · generated ${esc(m.bundle.generatedAt)}</p>`);
  if (m.session.sandbox) o.push(`<div class="banner sandbox">SANDBOX — this session ran against a local demo sandbox, not a real environment.${esc(standInText(m))}</div>`);
  if (m.bundle.interim) o.push('<div class="banner interim">INTERIM report — no final decision had been recorded when this was generated.</div>');
  const deciding = m.decision.deciding.map((d) => `${d.item} ${statusWord(d.status)}${d.stale ? ' (stale evidence)' : ''}`).join(', ');
  o.push(`<div class="banner ${esc(m.decision.decision)}">Decision: ${esc(m.decision.decision)}${deciding ? ` — ${esc(deciding)}` : ''}</div>`);
  if (sig.status === 'unsigned') o.push(`<div class="banner unsigned">UNSIGNED — ${esc(sig.reason ?? 'no signature')}</div>`);

  o.push('<h2>Summary</h2>');
  const counts = Object.entries(m.totals.byStatus)
    .map(([s, n]) => `${statusWord(s as Status)} ${n}`)
    .join(' · ');
  o.push(
    dl([
      ['Items', `${m.totals.items} (${esc(counts)})`],
      ['Deliverables', m.deliverables.length ? `<a href="#deliverables">${m.deliverables.length}</a> (${esc(deliverableCounts(m.deliverables))})` : undefined],
      ['Time', `${esc(formatMs(m.totals.durationMs))} of checks, ${esc(formatMs(m.totals.estimateMs))} estimated; wall clock ${esc(formatMs(m.totals.wallMs))}`],
      ['Started', `${esc(m.session.startedAt)} by ${esc(m.session.startedBy)} on ${esc(m.session.host)} (${esc(m.session.mode)})`],
      ['Decision time', esc(m.decision.at)],
      ['Decided by', m.decision.final ? esc(actorText(m.decision.decidedBy)) : 'no final decision recorded (interim)'],
      ['Kube target', m.kube ? esc(`${m.kube.context} → ${m.kube.cluster} (${m.kube.server})`) : undefined],
      ['Tool', esc(`${m.tool.name} ${m.tool.version}, node ${m.tool.node}`)],
      ['Checklist sha256', `<code>${esc(m.checklist.sha256)}</code>`],
      ['Journal head', `<code>${esc(m.journal.head)}</code> (${m.journal.count} records)`],
    ]),
  );
  if (m.bundle.rehearsal) o.push('<h3>Rehearsal</h3>', dl(rehearsalLines(m.bundle.rehearsal, formatMs).map(([k, v]) => [k, esc(v)])));
  o.push('<table><tr><th>Block</th><th>Items</th><th>Status</th><th>Time vs estimate</th></tr>');
  for (const b of m.blocks) {
    o.push(
      `<tr><td>${esc(b.id)} ${esc(b.title)}</td><td>${b.items.length}</td><td>${b.items.map((i) => `<a href="#item-${esc(i.id)}">${esc(i.id)}</a> ${status(i.status)}`).join('<br>')}</td><td>${vsEstimate(b.durationMs, b.estimateMs)}</td></tr>`,
    );
  }
  o.push('</table>');
  if (Object.keys(m.vars).length || m.secretVars.length) {
    o.push(`<h3>Variables</h3>${m.session.resumes ? '<p class="meta">of the latest run; an item that ran with other values says so under "Ran with"</p>' : ''}<table><tr><th>Name</th><th>Value</th></tr>`);
    for (const [k, v] of Object.entries(m.vars)) o.push(`<tr><td><code>${esc(k)}</code></td><td>${esc(v)}</td></tr>`);
    for (const k of m.secretVars)
      o.push(`<tr><td><code>${esc(k)}</code></td><td class="muted">secret${m.secrets?.[k] ? ` (${esc(m.secrets[k])})` : ''}, its value never recorded</td></tr>`);
    o.push('</table>');
  }

  for (const b of m.blocks) {
    o.push(`<h2>${esc(b.id)} ${esc(b.title)}</h2>`);
    if (b.successMetrics.length) o.push(`<p class="meta">Success metrics: ${b.successMetrics.map((s) => esc(s)).join('; ')}</p>`);
    for (const it of b.items) o.push(itemHtml(it, tails, m));
  }

  if (m.notes.length) {
    o.push('<h2>Notes</h2><ul>');
    for (const n of m.notes) o.push(`<li>${esc(n.ts)} ${esc(n.by)}: ${esc(n.text)}</li>`);
    o.push('</ul>');
  }
  if (m.successMetrics.length) {
    o.push('<h2>Overall success metrics</h2><ul>');
    for (const s of m.successMetrics) o.push(`<li>${esc(s)}</li>`);
    o.push('</ul>');
  }
  if (m.deliverables.length) o.push(deliverablesHtml(m.deliverables, tails));
  if (m.risks.length) {
    o.push('<h2>Risks</h2><table><tr><th>Risk</th><th>Probability</th><th>Impact</th><th>Mitigation</th><th>Early warning</th></tr>');
    for (const r of m.risks)
      o.push(`<tr><td>${esc(r.risk)}</td><td>${esc(r.probability)}</td><td>${esc(r.impact)}</td><td>${esc(r.mitigation)}</td><td>${esc(r.earlyWarning)}</td></tr>`);
    o.push('</table>');
  }
  if (m.rollback) {
    o.push('<h2>Rollback plan</h2>');
    if (m.rollback.detection.length) o.push(`<h3>Detection</h3><ul>${m.rollback.detection.map((d) => `<li>${esc(d)}</li>`).join('')}</ul>`);
    if (m.rollback.steps.length) o.push(`<h3>Steps</h3><ol>${m.rollback.steps.map((d) => `<li>${esc(d)}</li>`).join('')}</ol>`);
    if (m.rollback.time) o.push(`<p>Time: ${esc(m.rollback.time)}</p>`);
  }

  o.push('<h2>Signature</h2>');
  if (sig.status === 'signed') {
    o.push(
      dl([
        ['Status', '<span class="ok">signed</span> (SHA256SUMS.sig covers every file of this bundle, including this page)'],
        ['Signer', esc(sig.signer ?? 'unknown principal')],
        ['Key', `<code>${esc(sig.keyFingerprint)}</code> ${esc(sig.keyType)}`],
        ['Namespace', `<code>${esc(sig.namespace)}</code>`],
      ]),
    );
  } else {
    o.push(`<p class="warn">This bundle is UNSIGNED: ${esc(sig.reason ?? 'no signature')}. Its SHA256SUMS still lets you check that files were not damaged, but not who made it.</p>`);
  }
  o.push('<p>Verify this bundle (in its directory) with standard tools:</p>');
  o.push(
    `<pre>ssh-keygen -Y verify -f allowed_signers -I ${sig.signer ? esc(sig.signer) : '&lt;principal&gt;'} -n ${esc(sig.namespace || REPORT_NAMESPACE)} -s SHA256SUMS.sig &lt; SHA256SUMS\nsha256sum --strict -c SHA256SUMS\nreadiness-tui verify . --allowed-signers allowed_signers</pre>`,
  );
  o.push('</body></html>');
  return o.join('\n') + '\n';
}
