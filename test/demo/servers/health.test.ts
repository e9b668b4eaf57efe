import { describe, expect, it } from 'vitest';
import http from 'node:http';
import { startHealthServer } from '../../../src/demo/servers/health.js';

function get(url: string, timeoutMs = 2000): Promise<{ status: number; body: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: Date.now() - t0 }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

describe('demo health server', () => {
  it('answers each path with its status and latency, 404 elsewhere, and can be reconfigured live', async () => {
    const s = await startHealthServer([
      { path: '/health', status: 200 },
      { path: '/slow', status: 200, latencyMs: 150 },
      { path: '/down', status: 503 },
    ]);
    try {
      expect((await get(`${s.url}/health`)).status).toBe(200);
      const slow = await get(`${s.url}/slow`);
      expect(slow.ms).toBeGreaterThanOrEqual(140);
      const down = await get(`${s.url}/down`);
      expect(down.status).toBe(503);
      expect(JSON.parse(down.body).status).toBe('unhealthy');
      expect((await get(`${s.url}/nope`)).status).toBe(404);
      s.setEndpoint({ path: '/down', status: 200 });
      expect((await get(`${s.url}/down`)).status).toBe(200);
      expect(s.hits.get('/down')).toBe(2);
    } finally {
      await s.close();
    }
  });

  it('a hanging endpoint never answers, and close() still returns promptly', async () => {
    const s = await startHealthServer([{ path: '/dead', hang: true }]);
    await expect(get(`${s.url}/dead`, 300)).rejects.toThrow(/timeout/);
    const pending = get(`${s.url}/dead`, 60_000).catch((e: Error) => e.message);
    // the second request has reached the server (it counts hits as they arrive)
    while (s.hits.get('/dead') !== 2) await new Promise((r) => setImmediate(r));
    await s.close();
    // close() cut the hanging connection (it did not wait for the client's 60 s timeout, far beyond the test's limit)
    expect(await pending).toMatch(/socket hang up|ECONNRESET/);
  });
});
