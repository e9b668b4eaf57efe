import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { makeLoopbackTls } from '../../../src/demo/servers/x509.js';

describe('loopback TLS material made with node:crypto', () => {
  it('is a CA plus a server certificate for 127.0.0.1 that it issued', () => {
    const t = makeLoopbackTls();
    const ca = new X509Certificate(t.ca);
    const srv = new X509Certificate(t.cert);
    expect(ca.ca).toBe(true);
    expect(srv.ca).toBe(false);
    expect(srv.checkIssued(ca)).toBe(true);
    expect(srv.verify(ca.publicKey)).toBe(true);
    expect(srv.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(srv.checkHost('localhost')).toBe('localhost');
    expect(new Date(srv.validTo).getTime()).toBeGreaterThan(Date.now() + 2 * 86_400_000);
    expect(srv.keyUsage ?? []).toContain('1.3.6.1.5.5.7.3.1');
  });

  it('a TLS client trusting only the CA connects; one trusting another CA is refused', async () => {
    const t = makeLoopbackTls();
    const other = makeLoopbackTls();
    const server = https.createServer({ key: t.key, cert: t.cert }, (_q, r) => r.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const get = (ca: string) =>
      new Promise<string>((resolve, reject) => {
        https.get(url, { ca }, (res) => {
          let b = '';
          res.on('data', (c) => (b += c));
          res.on('end', () => resolve(b));
        }).on('error', reject);
      });
    try {
      expect(await get(t.ca)).toBe('ok');
      await expect(get(other.ca)).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
