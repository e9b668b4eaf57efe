/** The demo's generated SLO dashboard and log lines, judged by the same kinds the checklist uses. */
import { describe, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { detektorSloDashboard } from '../../../src/demo/servers/slo-dashboard.js';
import { detektorLogLines } from '../../../src/demo/servers/log-source.js';
import { startGrafanaServer } from '../../../src/demo/servers/grafana-api.js';
import { grafanaDashboard } from '../../../src/checks/grafana-dashboard.js';
import { logsStructured } from '../../../src/checks/logs-structured.js';
import { basicContext, runKind } from '../../support/check-context-basic.js';

describe('demo SLO dashboard', () => {
  it('6 SLO panels (3 inside a collapsed row) pass min 5 by title; 3 do not', async () => {
    const g = await startGrafanaServer({ dashboards: [{ uid: 'slo-dashboard', dashboard: detektorSloDashboard(6) }, { uid: 'thin', dashboard: { ...detektorSloDashboard(3), uid: 'thin' } }] });
    const ctx = await basicContext();
    try {
      const go = await runKind(grafanaDashboard, { url: g.url, uid: 'slo-dashboard', match: 'title', synonyms: ['error budget', 'burn rate'] }, ctx);
      expect(go.result).toMatchObject({ panels: 8, rows: 3, byTitle: 6, byQuery: 6, matched: 6 });
      const thin = await runKind(grafanaDashboard, { url: g.url, uid: 'thin' }, ctx);
      expect(thin.result).toMatchObject({ matched: 3 });
    } finally {
      await ctx.dispose();
      await g.close();
    }
  });
});

describe('demo log source', () => {
  it('all JSON with the four fields; with stack traces the structured share drops', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rt-demo-logs-'));
    const ctx = await basicContext({ cwd: dir });
    try {
      await writeFile(path.join(dir, 'good.log'), detektorLogLines({ count: 1000 }).join('\n') + '\n');
      await writeFile(path.join(dir, 'bad.log'), detektorLogLines({ count: 1000, unstructuredEvery: 50 }).join('\n') + '\n');
      const good = await runKind(logsStructured, { files: 'good.log' }, ctx);
      expect(good.result).toMatchObject({ lines: 1000, structuredPercent: 100, missingFields: [] });
      const bad = await runKind(logsStructured, { files: 'bad.log' }, ctx);
      // 980 JSON lines + 20 traces × 3 lines
      expect(bad.result).toMatchObject({ lines: 1040, structuredPercent: 94.23 });
    } finally {
      await ctx.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
