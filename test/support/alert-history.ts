/**
 * A generated 7-day alert history, backfilled into a real Prometheus by the prometheus.* tests.
 * Every number the alert-history check should find is known here (see `expected`).
 *
 *   HighMemoryUsage  warning   2/day × 7, 3 min each (transient), has a runbook rule annotation; 2 more episodes
 *                              older than the window (must not count)
 *   SlowQueries      critical  1/day × 7 on instance db-1, 20 min each (one crosses a day boundary of the window),
 *                              + 1 on db-2 overlapping one of them (a separate series → a separate episode)
 *   QueueBackup      warning   4 episodes of 30 min; two of them back to back with contiguous samples but a new
 *                              ActiveAt (must split)
 *   DiskPressure     warning   3 × 2 min within one hour (flapping, transient)
 *   ErrorBudgetBurn  critical  2 min, still firing at the end of the window (ongoing: not transient)
 */
import type { BackfillEpisode } from '../../src/demo/servers/prometheus.js';

const MIN = 60;
const HOUR = 3600;
const DAY = 86400;

export interface AlertHistory {
  /** end of the window (unix s, on a minute): ≥ 3 h in the past so everything can be backfilled */
  end: number;
  episodes: BackfillEpisode[];
  /** an alerting-rule file for the Prometheus config: rules that never fire, carrying annotations; the group's own
   * evaluation interval is 1m (the backfilled samples are 1 min apart), whatever the global interval is */
  rules: string;
  /** activeAt of episodes by alertname (in window), for building acknowledgement exports */
  activeAts: Record<string, number[]>;
  expected: { episodes: number; byAlert: Record<string, number>; flapping: string[]; ongoing: number; transient: number };
}

/**
 * scenario "no-go" (default): the history described above — 4.29 alerts/day but 57 % false positives.
 * scenario "go": a quiet, well-run week that passes the detektor expectation (see goAlertHistory).
 */
export function detektorAlertHistory(now = Date.now() / 1000, scenario: 'go' | 'no-go' = 'no-go'): AlertHistory {
  if (scenario === 'go') return goAlertHistory(now);
  const end = Math.floor((now - 4 * HOUR) / MIN) * MIN;
  const eps: BackfillEpisode[] = [];
  const svc = { service: 'detektor' };
  const add = (alertname: string, severity: string, activeAt: number, minutes: number, extra: Record<string, string> = {}) =>
    eps.push({ labels: { alertname, severity, ...svc, ...extra }, activeAt, lastAt: activeAt + minutes * MIN });
  for (let d = 0; d < 7; d++) {
    const dayStart = end - (d + 1) * DAY;
    add('HighMemoryUsage', 'warning', dayStart + 2 * HOUR, 3);
    add('HighMemoryUsage', 'warning', dayStart + 14 * HOUR, 3);
    // db-1: one episode at d=0 straddles end − 1 d (a chunk boundary for 1 d chunks)
    add('SlowQueries', 'critical', d === 0 ? end - DAY - 10 * MIN : dayStart + 9 * HOUR, 20, { instance: 'db-1' });
  }
  add('SlowQueries', 'critical', end - 3 * DAY + 9 * HOUR + 5 * MIN, 20, { instance: 'db-2' });
  // older than the window
  add('HighMemoryUsage', 'warning', end - 7 * DAY - 3 * HOUR, 3);
  add('HighMemoryUsage', 'warning', end - 7 * DAY - 6 * HOUR, 3);
  // QueueBackup: two separate + two back to back (new ActiveAt right after the previous episode's last sample)
  add('QueueBackup', 'warning', end - 5 * DAY + 4 * HOUR, 30);
  add('QueueBackup', 'warning', end - 2 * DAY + 20 * HOUR, 30);
  const b2b = end - 4 * DAY + 11 * HOUR;
  add('QueueBackup', 'warning', b2b, 29);
  add('QueueBackup', 'warning', b2b + 30 * MIN, 30);
  // DiskPressure flapping
  const flap = end - 6 * DAY + 7 * HOUR;
  for (const off of [0, 15, 30]) add('DiskPressure', 'warning', flap + off * MIN, 2);
  // ongoing at the end of the window
  add('ErrorBudgetBurn', 'critical', end - 2 * MIN, 1);

  const inWindow = eps.filter((e) => e.activeAt > end - 7 * DAY);
  const activeAts: Record<string, number[]> = {};
  for (const e of inWindow) (activeAts[e.labels.alertname!] ??= []).push(e.activeAt);
  for (const list of Object.values(activeAts)) list.sort((a, b) => a - b);

  const rules = [
    'groups:',
    '  - name: detektor',
    '    interval: 1m',
    '    rules:',
    ...['HighMemoryUsage', 'SlowQueries', 'QueueBackup', 'DiskPressure', 'ErrorBudgetBurn'].map((name) =>
      [
        `      - alert: ${name}`,
        '        expr: vector(0) > 1',
        '        for: 1m',
        '        labels: {service: detektor}',
        '        annotations:',
        `          summary: "${name} on detektor"`,
        ...(name === 'HighMemoryUsage' ? [`          runbook_url: https://runbooks.example/high_memory`] : []),
      ].join('\n'),
    ),
    '',
  ].join('\n');

  return {
    end,
    episodes: eps,
    rules,
    activeAts,
    expected: {
      episodes: 30,
      byAlert: { HighMemoryUsage: 14, SlowQueries: 8, QueueBackup: 4, DiskPressure: 3, ErrorBudgetBurn: 1 },
      flapping: ['DiskPressure'],
      ongoing: 1,
      transient: 17,
    },
  };
}

/**
 * A quiet week: HighMemoryUsage (runbook) and SlowQueries (critical) once a day for 20 min, one transient
 * DiskPressure blip → 15 episodes = 2.14/day, false-positive rate 1/15 = 0.067, actionable 14/15 = 0.933.
 */
function goAlertHistory(now: number): AlertHistory {
  const base = detektorAlertHistory(now, 'no-go');
  const end = base.end;
  const eps: BackfillEpisode[] = [];
  const add = (alertname: string, severity: string, activeAt: number, minutes: number) =>
    eps.push({ labels: { alertname, severity, service: 'detektor' }, activeAt, lastAt: activeAt + minutes * MIN });
  for (let d = 0; d < 7; d++) {
    const dayStart = end - (d + 1) * DAY;
    add('HighMemoryUsage', 'warning', dayStart + 3 * HOUR, 20);
    add('SlowQueries', 'critical', dayStart + 15 * HOUR, 20);
  }
  add('DiskPressure', 'warning', end - 3 * DAY + 5 * HOUR, 2);
  const activeAts: Record<string, number[]> = {};
  for (const e of eps) (activeAts[e.labels.alertname!] ??= []).push(e.activeAt);
  for (const list of Object.values(activeAts)) list.sort((a, b) => a - b);
  return {
    end,
    episodes: eps,
    rules: base.rules,
    activeAts,
    expected: { episodes: 15, byAlert: { HighMemoryUsage: 7, SlowQueries: 7, DiskPressure: 1 }, flapping: [], ongoing: 0, transient: 1 },
  };
}
