/**
 * Log lines of the detektor services for the demo's logs.structured item: pino-style JSON with time, level,
 * service and trace_id; with `unstructuredEvery: N` every N-th entry is a raw multi-line stack trace (the classic
 * way a service breaks 100 % structured logging).
 */
const MESSAGES = ['detection batch scored', 'request completed', 'model cache hit', 'queue message acknowledged', 'db pool stats'];
const SERVICES = ['detection-service', 'detection-worker', 'ingest-api'];

export interface LogLinesOptions {
  count?: number;
  /** every N-th entry becomes an unstructured stack trace (0 = never) */
  unstructuredEvery?: number;
  /** start time, ms */
  startMs?: number;
}

export function detektorLogLines(o: LogLinesOptions = {}): string[] {
  const count = o.count ?? 2000;
  const start = o.startMs ?? Date.UTC(2026, 10, 27, 9, 0, 0);
  const lines: string[] = [];
  let seed = 0x2f6b;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('');
  for (let i = 1; i <= count; i++) {
    const t = start + i * 137;
    if (o.unstructuredEvery && i % o.unstructuredEvery === 0) {
      lines.push(`Error: connection to detection-db timed out after 5000 ms`);
      lines.push('    at Pool.acquire (/app/node_modules/pg-pool/index.js:45:11)');
      lines.push('    at async scoreBatch (/app/src/score.js:88:17)');
      continue;
    }
    const warn = rnd() < 0.05;
    lines.push(
      JSON.stringify({
        level: warn ? 40 : 30,
        time: t,
        pid: 17,
        hostname: `detection-service-7d9f${hex(4)}`,
        service: SERVICES[i % SERVICES.length],
        trace_id: hex(32),
        span_id: hex(16),
        msg: MESSAGES[i % MESSAGES.length],
      }),
    );
  }
  return lines;
}
