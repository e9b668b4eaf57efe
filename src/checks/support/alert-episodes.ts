/**
 * Alert episodes from Prometheus' raw ALERTS / ALERTS_FOR_STATE samples (check-domain §7), and their classification.
 *
 * An EPISODE is one activation of one label set: consecutive firing samples of a series, split where the gap between
 * two samples exceeds `maxGapS` (2 × the rule evaluation interval) or where ALERTS_FOR_STATE (= ActiveAt) changes.
 * Raw samples (range selectors evaluated as instant queries) are used, not query_range: step interpolation and the
 * 5-minute lookback would stretch short episodes.
 */
import { CheckError } from '../contract.js';

export type Labels = Record<string, string>;

/** one series of a matrix answer */
export interface MatrixSeries {
  metric: Labels;
  values: [number, string][];
}

export interface Episode {
  key: string;
  alertname: string;
  labels: Labels;
  /** ActiveAt (unix s) from ALERTS_FOR_STATE, else the first firing sample */
  activeAt: number;
  firstFiring: number;
  lastFiring: number;
  /** lastFiring − activeAt, seconds */
  durationS: number;
  /** still firing at the end of the window (so not "resolved") */
  ongoing: boolean;
  samples: number;
}

/** the series identity: labels without __name__ and alertstate, sorted */
export function seriesKey(metric: Labels): string {
  return Object.keys(metric)
    .filter((k) => k !== '__name__' && k !== 'alertstate')
    .sort()
    .map((k) => `${k}=${JSON.stringify(metric[k])}`)
    .join(',');
}

function identity(metric: Labels): Labels {
  const out: Labels = {};
  for (const k of Object.keys(metric).sort()) if (k !== '__name__' && k !== 'alertstate') out[k] = metric[k]!;
  return out;
}

/** merge chunked matrix answers: samples per series key, de-duplicated by timestamp, ascending */
export function mergeSeries(chunks: MatrixSeries[][]): Map<string, { labels: Labels; points: Map<number, number> }> {
  const out = new Map<string, { labels: Labels; points: Map<number, number> }>();
  for (const chunk of chunks) {
    for (const s of chunk) {
      const key = seriesKey(s.metric);
      let slot = out.get(key);
      if (!slot) out.set(key, (slot = { labels: identity(s.metric), points: new Map() }));
      for (const [ts, v] of s.values) slot.points.set(Number(ts), Number(v));
    }
  }
  return out;
}

export interface EpisodeOptions {
  /** a gap between firing samples larger than this splits episodes (2 × evaluation interval) */
  maxGapS: number;
  /** per-alert gap (rule groups can have their own evaluation interval); falls back to maxGapS */
  maxGapFor?: (alertname: string) => number | undefined;
  /** end of the window (unix s): an episode whose last sample is within maxGapS of it is ongoing */
  windowEnd: number;
}

/** reconstruct episodes from merged firing samples and (optional) ALERTS_FOR_STATE samples */
export function buildEpisodes(
  firing: Map<string, { labels: Labels; points: Map<number, number> }>,
  forState: Map<string, { labels: Labels; points: Map<number, number> }>,
  o: EpisodeOptions,
): Episode[] {
  const episodes: Episode[] = [];
  for (const [key, { labels, points }] of firing) {
    const maxGapS = o.maxGapFor?.(labels.alertname ?? '') ?? o.maxGapS;
    const ts = [...points.keys()].sort((a, b) => a - b);
    const active = forState.get(key)?.points;
    const activeAtOf = (t: number): number | undefined => {
      if (!active) return undefined;
      const exact = active.get(t);
      if (exact !== undefined) return exact;
      // nearest FOR_STATE sample at or before t within one gap
      let best: number | undefined;
      for (const [at, v] of active) if (at <= t && t - at <= maxGapS && (best === undefined || at > best)) best = at;
      return best === undefined ? undefined : active.get(best);
    };
    let cur: { first: number; last: number; activeAt?: number; n: number } | undefined;
    const close = () => {
      if (!cur) return;
      const activeAt = cur.activeAt !== undefined && cur.activeAt <= cur.first ? cur.activeAt : cur.first;
      episodes.push({
        key,
        alertname: labels.alertname ?? '(no alertname)',
        labels,
        activeAt,
        firstFiring: cur.first,
        lastFiring: cur.last,
        durationS: cur.last - activeAt,
        ongoing: o.windowEnd - cur.last <= maxGapS,
        samples: cur.n,
      });
      cur = undefined;
    };
    for (const t of ts) {
      const a = activeAtOf(t);
      if (cur && (t - cur.last > maxGapS || (a !== undefined && cur.activeAt !== undefined && a !== cur.activeAt))) close();
      if (!cur) cur = { first: t, last: t, activeAt: a, n: 1 };
      else {
        cur.last = t;
        cur.n++;
        if (cur.activeAt === undefined && a !== undefined) cur.activeAt = a;
      }
    }
    close();
  }
  return episodes.sort((a, b) => a.firstFiring - b.firstFiring || a.key.localeCompare(b.key));
}

// ---------------------------------------------------------------------------------------------------------------
// acknowledgement sources

export interface AckWindow {
  alertname: string;
  labels: Labels;
  from: number;
  to: number;
}

/** a human acknowledgement (or human action) found for an episode */
export interface Ack {
  source: 'pagerduty' | 'alertmanager-silence';
  id: string;
  at?: string;
  by?: string;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const toS = (iso: unknown): number | undefined => {
  if (typeof iso !== 'string') return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t / 1000 : undefined;
};

/** PagerDuty REST v2 GET /incidents export: an array, or {incidents: [...]}; log_entries may be embedded */
export function pagerDutyIncidents(doc: unknown): Json[] {
  if (Array.isArray(doc)) return doc.filter(isObj);
  if (isObj(doc) && Array.isArray(doc.incidents)) return doc.incidents.filter(isObj);
  throw new Error('expected a JSON array of incidents or {"incidents": [...]} (PagerDuty GET /incidents)');
}

/** who acknowledged (or resolved by hand) a PagerDuty incident, if a human did */
export function pagerDutyHumanAck(inc: Json): { at?: string; by?: string } | undefined {
  const acks = Array.isArray(inc.acknowledgements) ? inc.acknowledgements.filter(isObj) : [];
  const human = acks.find((a) => isObj(a.acknowledger) && a.acknowledger.type === 'user_reference');
  if (human) return { at: String(human.at ?? ''), by: String((human.acknowledger as Json).summary ?? '') };
  // acknowledgements are emptied once resolved: use log entries when the export has them
  const logs = Array.isArray(inc.log_entries) ? inc.log_entries.filter(isObj) : [];
  const ackLog = logs.find((l) => String(l.type).startsWith('acknowledge_log_entry') && isObj(l.agent) && l.agent.type === 'user_reference');
  if (ackLog) return { at: String(ackLog.created_at ?? ''), by: String((ackLog.agent as Json).summary ?? '') };
  if (inc.status === 'acknowledged') return { at: String(inc.last_status_change_at ?? ''), by: String((inc.last_status_change_by as Json | undefined)?.summary ?? '') };
  const by = inc.last_status_change_by;
  if (inc.status === 'resolved' && isObj(by) && by.type === 'user_reference') return { at: String(inc.last_status_change_at ?? ''), by: String(by.summary ?? '') };
  return undefined;
}

/** the incident text an alert name is looked for in */
const incidentText = (inc: Json): string =>
  [inc.title, inc.summary, inc.incident_key, inc.description].filter((x) => typeof x === 'string').join(' ');

/**
 * The alert's name as a whole word of an incident's text: not inside a longer word, whatever characters the name
 * starts or ends with (a label value may end in `!` or `)`, where `\b` would never match).
 */
const namesAlert = (alertname: string): RegExp => new RegExp(`(?<!\\w)${alertname.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?!\\w)`, 'i');

/** incidents created during the episode (± slack) whose title/summary/key names the alert */
export function matchPagerDuty(ep: AckWindow, incidents: Json[], slackS = 300): Ack | undefined {
  const named = namesAlert(ep.alertname);
  for (const inc of incidents) {
    const created = toS(inc.created_at);
    if (created === undefined || created < ep.from - slackS || created > ep.to + slackS) continue;
    if (!named.test(incidentText(inc))) continue;
    const human = pagerDutyHumanAck(inc);
    if (human) return { source: 'pagerduty', id: String(inc.id ?? inc.incident_number ?? '?'), ...human };
  }
  return undefined;
}

/**
 * A regex matcher of a silence, anchored as Alertmanager anchors it. Alertmanager writes RE2: its leading `(?i)` is
 * JavaScript's `i` flag; what else JavaScript cannot read is an error naming the silence, not a guess.
 */
function silenceRegex(s: Json, m: Json): RegExp {
  const value = String(m.value);
  const caseless = value.startsWith('(?i)');
  try {
    return new RegExp(`^(?:${caseless ? value.slice(4) : value})$`, caseless ? 'i' : '');
  } catch (e) {
    throw new CheckError(
      `silence ${String(s.id ?? '?')} of the Alertmanager export: the matcher ${String(m.name)}=~"${value}" is not a regular expression this check can read (${(e as Error).message})`,
      'remove that silence from the export, or leave alertmanagerSilences out (RE2 matchers are read when JavaScript reads them the same, and a leading (?i))',
    );
  }
}

/** Alertmanager GET /api/v2/silences export: a silence created during the episode whose matchers all match */
export function matchSilence(ep: AckWindow, silences: Json[], ignoreCreatedBy: string[] = []): Ack | undefined {
  for (const s of silences) {
    const start = toS(s.startsAt);
    if (start === undefined || start < ep.from || start > ep.to) continue;
    if (typeof s.createdBy === 'string' && ignoreCreatedBy.includes(s.createdBy)) continue;
    const matchers = Array.isArray(s.matchers) ? s.matchers.filter(isObj) : [];
    if (matchers.length === 0) continue;
    const all = matchers.every((m) => {
      const v = ep.labels[String(m.name)] ?? '';
      const hit = m.isRegex ? silenceRegex(s, m).test(v) : v === String(m.value);
      return m.isEqual === false ? !hit : hit;
    });
    if (all) return { source: 'alertmanager-silence', id: String(s.id ?? '?'), at: String(s.startsAt), by: typeof s.createdBy === 'string' ? s.createdBy : undefined };
  }
  return undefined;
}

/** runbook_url (or runbook) annotations per alertname, from Alertmanager webhook payload lines (JSONL, version 4) */
export function runbooksFromWebhookLog(jsonl: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of jsonl.split('\n')) {
    if (!line.trim()) continue;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch {
      continue;
    }
    if (!isObj(doc) || !Array.isArray(doc.alerts)) continue;
    for (const a of doc.alerts.filter(isObj)) {
      const name = isObj(a.labels) ? a.labels.alertname : undefined;
      const ann = isObj(a.annotations) ? a.annotations : {};
      const url = ann.runbook_url ?? ann.runbook;
      if (typeof name === 'string' && typeof url === 'string' && url) out.set(name, url);
    }
  }
  return out;
}

/** episodes of one label set that re-fire ≥ `count` times within `windowS` */
export function flapping(episodes: Episode[], count = 3, windowS = 3600): { key: string; alertname: string; maxInWindow: number }[] {
  const byKey = new Map<string, Episode[]>();
  for (const e of episodes) {
    const list = byKey.get(e.key);
    if (list) list.push(e);
    else byKey.set(e.key, [e]);
  }
  const out: { key: string; alertname: string; maxInWindow: number }[] = [];
  for (const [key, eps] of byKey) {
    let max = 0;
    for (let i = 0, j = 0; i < eps.length; i++) {
      while (eps[i]!.firstFiring - eps[j]!.firstFiring > windowS) j++;
      max = Math.max(max, i - j + 1);
    }
    if (max >= count) out.push({ key, alertname: eps[0]!.alertname, maxInWindow: max });
  }
  return out;
}
