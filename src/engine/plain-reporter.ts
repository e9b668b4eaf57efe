/**
 * The plain reporter of `run --ci`: one line per event for a log (CI job, pipe, file), or NDJSON with --json.
 *
 *   12:03:01 1.1 RUNNING attempt 1: kubectl get nodes -o json
 *   12:03:01 1.1 | NAME     STATUS   ROLES
 *   12:03:02 1.1 PASS 5/5 nodes Ready (measured 5 nodes, threshold >= 5) 1.2s
 *   12:03:02 2.1 BLOCKED depends on 1.1 (fail), which did not pass
 *   12:03:03 deliverable docs/production-runbook.md: pass — found docs/production-runbook.md 4ms
 *
 * Deliverables (not items: they never change the decision) print as "deliverable <path>: <verdict> — <summary>"; their
 * output and detail lines are prefixed `deliverables[<index>]`.
 * Output lines are prefixed with the item id ("|" stdout, "!" stderr, ":" info); a flood is shown as its tail
 * (MAX_LINES_PER_BATCH lines per batch, with a count of what was skipped). Colour only when the stream is
 * a TTY and NO_COLOR is unset; otherwise no escape sequence is ever printed (child output is already sanitized).
 * NDJSON: one JSON object per line — journal events as {type, ts, actor, data}, output as {type:"output", …}.
 */
import { moreOffending } from './bounded-record.js';
import type { EngineEvent } from './events.js';
import { STATUS_LABEL, type Status } from './status.js';
import { sanitizeLine, stripSgr, visibleControls } from '../process/sanitize.js';

export interface PlainReporterOptions {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  json?: boolean;
  /** default: out.isTTY and no NO_COLOR in env */
  color?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface PlainReporter {
  onEvent(e: EngineEvent): void;
  /** a line of the runner itself (header, decision, paths); in JSON mode a {type:"message"} object */
  message(text: string, fields?: Record<string, unknown>): void;
}

/** a flood of output is shown as its tail: at most this many lines per ~100 ms batch (the evidence has all) */
export const MAX_LINES_PER_BATCH = 200;

const COLOR: Partial<Record<Status, string>> = {
  pass: '32',
  fail: '31',
  error: '33',
  timeout: '33',
  inconclusive: '35',
  blocked: '90',
  skipped: '90',
  cancelled: '31',
  running: '36',
  waived: '36',
  'needs-signoff': '34',
};

function dur(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${Math.round((ms % 60_000) / 1000)}s`;
}

/** the time the line is printed (UTC), so the log reads in order; events carry their own ts in the journal */
function clock(): string {
  return new Date().toISOString().slice(11, 19);
}

/** one line, every control character shown visibly (visibleControls), cut at `max`: checklist text and messages
 * from checks can carry anything */
function flat(s: string, max = 400): string {
  return sanitizeLine(visibleControls(s.replace(/\r?\n/g, ' ⏎ ')), max);
}

export function createPlainReporter(o: PlainReporterOptions): PlainReporter {
  const env = o.env ?? process.env;
  const color = o.color ?? (Boolean(o.out.isTTY) && !('NO_COLOR' in env && env.NO_COLOR !== ''));
  const write = (line: string) => {
    o.out.write(line + '\n');
  };
  const word = (s: Status) => paint(STATUS_LABEL[s].word, s);
  function paint(text: string, s: Status): string {
    return color && COLOR[s] ? `\x1b[${COLOR[s]}m${text}\x1b[0m` : text;
  }

  if (o.json) {
    return {
      onEvent(e) {
        write(JSON.stringify(e.type === 'output' ? e : { type: e.type, ts: e.ts, actor: e.actor, data: e.data }));
      },
      message(text, fields) {
        write(JSON.stringify({ type: 'message', ts: new Date().toISOString(), text, ...(fields ?? {}) }));
      },
    };
  }

  return {
    onEvent(e) {
      switch (e.type) {
        case 'output': {
          const mark = e.stream === 'stderr' ? '!' : e.stream === 'info' ? ':' : '|';
          const t = clock();
          const shown = e.lines.length > MAX_LINES_PER_BATCH ? e.lines.slice(-MAX_LINES_PER_BATCH) : e.lines;
          const notShown = e.dropped + e.lines.length - shown.length;
          let text = '';
          if (notShown > 0) text += `${t} ${e.item} : … ${notShown} lines not shown (all of them are in the evidence file)\n`;
          for (const l of shown) text += `${t} ${e.item} ${mark} ${color ? l : stripSgr(l)}\n`;
          if (text) o.out.write(text);
          return;
        }
        case 'item.start': {
          const d = e.data;
          const lines = d.describe.split('\n');
          write(`${clock()} ${d.item} ${word('running')} attempt ${d.attempt}${d.check ? ` [${d.check}]` : ''}: ${flat(lines[0] ?? '')}`);
          for (const l of lines.slice(1)) write(`${clock()} ${d.item} :   ${flat(l)}`);
          return;
        }
        case 'item.result': {
          const d = e.data;
          const mt = [d.measured ? `measured ${d.measured}` : '', d.threshold ? `threshold ${d.threshold}` : '']
            .filter(Boolean)
            .join(', ');
          write(
            `${clock()} ${d.item} ${word(d.verdict)} ${flat(d.summary)}${mt ? ` (${flat(mt, 200)})` : ''} ${dur(d.durationMs)}`,
          );
          if (d.error && d.error.message !== d.summary) write(`${clock()} ${d.item} :   error: ${flat(d.error.message)}`);
          if (d.error?.hint) write(`${clock()} ${d.item} :   hint: ${flat(d.error.hint)}`);
          if (d.verdict === 'fail' && d.expect) write(`${clock()} ${d.item} :   expected: ${flat(d.expect, 200)}`);
          for (const off of (d.offending ?? []).slice(0, 10)) {
            const text = Object.entries(off)
              .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
              .join(' ');
            write(`${clock()} ${d.item} :   offending: ${flat(text, 300)}`);
          }
          const more = moreOffending(d, Math.min(10, d.offending?.length ?? 0));
          if (more) write(`${clock()} ${d.item} :   ${more}`);
          for (const ev of d.evidence) write(`${clock()} ${d.item} :   evidence: ${ev.path} (${ev.bytes} bytes, sha256 ${ev.sha256.slice(0, 12)}…)`);
          if (d.halfChanged) write(`${clock()} ${d.item} :   WARNING: ${flat(d.halfChanged, 600)}`);
          return;
        }
        case 'deliverable.start': {
          const d = e.data;
          write(`${clock()} deliverable ${flat(d.path, 200)}: ${paint('running', 'running')} — ${flat(d.describe.split('\n')[0] ?? '')}`);
          return;
        }
        case 'deliverable.result': {
          const d = e.data;
          const key = `deliverables[${d.index}]`;
          const mt = [d.measured ? `measured ${d.measured}` : '', d.threshold ? `threshold ${d.threshold}` : ''].filter(Boolean).join(', ');
          write(`${clock()} deliverable ${flat(d.path, 200)}: ${paint(d.verdict, d.verdict)} — ${flat(d.summary)}${mt ? ` (${flat(mt, 200)})` : ''} ${dur(d.durationMs)}`);
          if (d.error && d.error.message !== d.summary) write(`${clock()} ${key} :   error: ${flat(d.error.message)}`);
          if (d.error?.hint) write(`${clock()} ${key} :   hint: ${flat(d.error.hint)}`);
          if (d.verdict === 'fail' && d.expect) write(`${clock()} ${key} :   expected: ${flat(d.expect, 200)}`);
          for (const ev of d.evidence) write(`${clock()} ${key} :   evidence: ${ev.path} (${ev.bytes} bytes, sha256 ${ev.sha256.slice(0, 12)}…)`);
          return;
        }
        case 'deliverable.skip':
          write(`${clock()} deliverable ${flat(e.data.path, 200)}: ${paint('skipped', 'skipped')} — ${flat(e.data.reason)}`);
          return;
        case 'item.skip': {
          const d = e.data;
          write(`${clock()} ${d.item} ${word(d.status)}${d.attempt !== undefined ? ` attempt ${d.attempt}` : ''} ${flat(d.reason)}${d.durationMs !== undefined ? ` ${dur(d.durationMs)}` : ''}`);
          for (const ev of d.evidence ?? []) write(`${clock()} ${d.item} :   partial evidence: ${ev.path} (${ev.bytes} bytes, sha256 ${ev.sha256.slice(0, 12)}…)`);
          if (d.halfChanged) write(`${clock()} ${d.item} :   WARNING: ${flat(d.halfChanged, 600)}`);
          return;
        }
        case 'decision': {
          const d = e.data;
          const why = d.deciding.map((x) => `${x.item} ${STATUS_LABEL[x.status].word.toLowerCase()}${x.stale ? ' (stale)' : ''}`).join(', ');
          const dec = color
            ? `\x1b[1;${d.decision === 'GO' ? '32' : d.decision === 'NO-GO' ? '31' : '33'}m${d.decision}\x1b[0m`
            : d.decision;
          write(`${clock()} DECISION ${dec}${why ? ` — ${why}` : ''}`);
          return;
        }
        case 'signoff':
          write(`${clock()} ${e.data.item} SIGNOFF ${e.data.decision} by ${flat(e.data.by)}: ${flat(e.data.comment)}`);
          return;
        case 'waiver':
          write(`${clock()} ${e.data.item} WAIVED by ${flat(e.data.by)} until ${e.data.expires}: ${flat(e.data.reason)}`);
          return;
        case 'waiver.approval':
          write(`${clock()} ${e.data.item} WAIVER #${e.data.waiver} APPROVED by ${flat(e.data.by)}${e.data.comment ? `: ${flat(e.data.comment)}` : ''}`);
          return;
        case 'note':
          write(`${clock()} ${e.data.item ?? '-'} NOTE ${flat(e.data.text)}`);
          return;
        case 'report.generated':
          write(`${clock()} REPORT ${e.data.path}${e.data.signed ? ' (signed)' : ' (unsigned)'}`);
          return;
        case 'session.close':
          write(`${clock()} SESSION CLOSED (${e.data.decision})`);
          return;
        default:
          return;
      }
    },
    message(text) {
      // messages name checklist text (deliverable paths, warnings quoting a file): its lines are shown, not interpreted
      write(text.split('\n').map((l) => visibleControls(l)).join('\n'));
    },
  };
}
