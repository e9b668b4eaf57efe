// Preloaded with `node --import` by the bench: writes the process's peak RSS (bytes) to $RT_BENCH_RSS_FILE at exit.
import { writeFileSync } from 'node:fs';

const out = process.env.RT_BENCH_RSS_FILE;
if (out) process.on('exit', () => writeFileSync(out, String(process.resourceUsage().maxRSS * 1024)));
