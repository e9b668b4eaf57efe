/**
 * `readiness-tui verify BUNDLE --allowed-signers FILE [--json] [--lenient]`: one line per finding; exit 0 valid, 1 invalid,
 * 2 usage (no bundle, no allowed_signers).
 */
import { formatFinding, verifyBundle } from '../report/verify.js';
import { EXIT } from './exit.js';

export async function verifyCommand(bundle: string, opts: { allowedSigners: string; json?: boolean; lenient?: boolean }): Promise<number> {
  const r = await verifyBundle(bundle, { allowedSigners: opts.allowedSigners, lenient: opts.lenient });
  if (opts.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  else {
    for (const f of r.findings) process.stdout.write(formatFinding(f) + '\n');
    const fails = r.findings.filter((f) => f.level === 'fail').length;
    process.stdout.write(
      r.valid
        ? `VALID: ${r.bundle} (decision ${r.decision ?? '?'}${r.interim ? ', INTERIM' : ''}, signed by ${r.signer})\n`
        : `INVALID: ${fails} problem(s) in ${r.bundle}\n`,
    );
  }
  return r.valid ? EXIT.OK : EXIT.INVALID;
}
