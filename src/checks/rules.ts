/**
 * Named refinements of the kinds' param schemas (`z.string().refine(RULES.isRegex, …)`), shared by the kinds that
 * need them.
 */
import { isDuration } from './support/duration.js';

// the same patterns recur across a checklist's items: compile each text once
const regexValidity = new Map<string, boolean>();
function isRegex(s: unknown): boolean {
  const text = s as string;
  let ok = regexValidity.get(text);
  if (ok === undefined) {
    try {
      new RegExp(text);
      ok = true;
    } catch {
      ok = false;
    }
    if (regexValidity.size < 1000) regexValidity.set(text, ok);
  }
  return ok;
}

export const RULES = {
  /** a valid JavaScript regular expression */
  isRegex,
  /** a duration such as 30s, 5m, 1h30m */
  isDuration: (s: unknown) => isDuration(s as string),
  /** command: exactly one of `run` and `argv` */
  runXorArgv: (p: unknown) => {
    const o = p as { run?: unknown; argv?: unknown };
    return Boolean(o.run) !== Boolean(o.argv);
  },
  /** a secret reference: exactly one of `env` and `var` */
  envXorVar: (r: unknown) => {
    const o = r as { env?: unknown; var?: unknown };
    return !!o.env !== !!o.var;
  },
  /** grafana.dashboard: a `file`, or both `url` and `uid` */
  fileXorUrlAndUid: (p: unknown) => {
    const o = p as { file?: unknown; url?: unknown; uid?: unknown };
    return o.file ? !o.url && !o.uid : !!o.url && !!o.uid;
  },
  /** http.health: `targets`, `discover`, or both */
  targetsOrDiscover: (p: unknown) => {
    const o = p as { targets: unknown[]; discover?: unknown };
    return o.targets.length > 0 || !!o.discover;
  },
  /** kubernetes.network-policy probe target: a service or a url */
  serviceOrUrl: (t: unknown) => {
    const o = t as { service?: unknown; url?: unknown };
    return o.service !== undefined || o.url !== undefined;
  },
  /** kubernetes.network-policy: `namespaces` or `namespaceSelector` */
  namespacesOrSelector: (p: unknown) => {
    const o = p as { namespaces?: unknown; namespaceSelector?: unknown };
    return o.namespaces !== undefined || o.namespaceSelector !== undefined;
  },
  /** kubernetes.network-policy is mutating when it probes (creates pods) */
  hasProbe: (p: unknown) => (p as { probe?: unknown }).probe !== undefined,
  /** logs.structured: exactly one source */
  oneLogSource: (p: unknown) => {
    const o = p as { files?: unknown; command?: unknown; pods?: unknown };
    return [o.files, o.command, o.pods].filter(Boolean).length === 1;
  },
  /** vault.rotation: `paths`, `prefix`, or both */
  pathsOrPrefix: (p: unknown) => {
    const o = p as { paths: unknown[]; prefix?: unknown };
    return o.paths.length > 0 || o.prefix !== undefined;
  },
  /** vault.rotation: `maxAge`, `rotationKey`, or both */
  maxAgeOrRotationKey: (p: unknown) => {
    const o = p as { maxAge?: unknown; rotationKey?: unknown };
    return o.maxAge !== undefined || o.rotationKey !== undefined;
  },
} satisfies Record<string, (v: unknown) => boolean>;

export type RuleName = keyof typeof RULES;
