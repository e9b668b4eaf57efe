import { describe, expect, it } from 'vitest';
import path from 'node:path';
import os from 'node:os';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { alertsOpenMetrics, backfillAlerts, findPrometheus, startPrometheus } from '../../../src/demo/servers/prometheus.js';
import { withoutTool } from '../../support/tools.js';

const bins = await findPrometheus();
const noProm = withoutTool('prometheus/promtool', Boolean(bins), 'apt-get install -y prometheus');

describe('OpenMetrics for ALERTS backfill', () => {
  it('every sample has a timestamp, families are typed, series ascend, the file ends with # EOF', () => {
    const { text, samples, series } = alertsOpenMetrics(
      [
        { labels: { alertname: 'A', severity: 'page' }, activeAt: 1000, lastAt: 1120, pendingFor: 60 },
        { labels: { alertname: 'A', severity: 'page' }, activeAt: 1120, lastAt: 1180 }, // overlaps at 1120: one sample kept
      ],
      60,
    );
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('# TYPE ALERTS gauge');
    expect(lines.at(-1)).toBe('# EOF');
    expect(lines).toContain('ALERTS{alertname="A",alertstate="pending",severity="page"} 1 1000');
    expect(lines).toContain('ALERTS{alertname="A",alertstate="firing",severity="page"} 1 1060');
    expect(lines).toContain('ALERTS_FOR_STATE{alertname="A",severity="page"} 1000 1000');
    for (const l of lines.filter((x) => !x.startsWith('#'))) expect(l).toMatch(/^\w+\{[^}]*\} \d+ \d+$/);
    expect(series).toBe(3);
    expect(samples).toBe(lines.filter((x) => !x.startsWith('#')).length);
  });
});

describe.skipIf(noProm)('the real Prometheus launcher (needs prometheus, promtool)', () => {
  it('starts on a loopback port, is ready, answers the API, and stop() ends it and removes its temp dir', async () => {
    const p = await startPrometheus();
    const ready = await fetch(`${p.url}/-/ready`);
    expect(ready.status).toBe(200);
    const q = (await (await fetch(`${p.url}/api/v1/query?query=1%2B1`)).json()) as { data: { result: [number, string] } };
    expect(q.data.result[1]).toBe('2');
    expect(p.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const dir = p.dataDir;
    expect(existsSync(dir)).toBe(true);
    await p.stop();
    expect(() => process.kill(p.pid, 0)).toThrow();
    expect(existsSync(dir)).toBe(false);
  });

  it('backfill writes blocks a later Prometheus serves; refuses samples from the last 3 hours', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'rt-bf-'));
    try {
      const now = Math.floor(Date.now() / 1000 / 60) * 60;
      const ep = { labels: { alertname: 'X', service: 'detektor' }, activeAt: now - 2 * 86400, lastAt: now - 2 * 86400 + 600 };
      const res = await backfillAlerts(path.join(work, 'data'), [ep]);
      expect(res).toMatchObject({ series: 2, samples: 22 });
      expect(res.blocks).toBeGreaterThanOrEqual(1);
      await expect(backfillAlerts(path.join(work, 'data'), [{ ...ep, activeAt: now - 600, lastAt: now - 60 }])).rejects.toThrow(/older than 3 hours/);
      const p = await startPrometheus({ dataDir: path.join(work, 'data') });
      try {
        // evaluated at this test's "now", not Prometheus's (a Go binary keeps the kernel's clock under faketime)
        const u = `${p.url}/api/v1/query?query=${encodeURIComponent('ALERTS_FOR_STATE[3d]')}&time=${now}`;
        const body = (await (await fetch(u)).json()) as { data: { result: { values: [number, string][] }[] } };
        expect(body.data.result[0]!.values).toHaveLength(11);
        expect(body.data.result[0]!.values[0]).toEqual([ep.activeAt, String(ep.activeAt)]);
      } finally {
        await p.stop();
      }
      expect(existsSync(path.join(work, 'data'))).toBe(true); // a given data dir is the caller's
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
