/**
 * The variables a run used, as the journal records them (session.start, session.resume, each item.start): every
 * non-secret variable with its resolved value, every secret only as "set" or "unset" — never its value. Resuming with
 * other values is a change the operator is told about and the journal keeps (`changed` on session.resume).
 */

export interface RunVars {
  /** resolved non-secret variables */
  vars: Record<string, string>;
  /** secret variables: whether a value was given (never the value) */
  secrets: Record<string, 'set' | 'unset'>;
}

/** one variable that differs from the session's previous run; `from`/`to` undefined: not there (a secret: set/unset) */
export interface VarChange {
  name: string;
  secret?: true;
  from?: string;
  to?: string;
}

/** what the journal may say about a run's variables, from the resolved values (secret ones included) */
export function runVars(values: Record<string, string>, secretNames: readonly string[]): RunVars {
  const secret = new Set(secretNames);
  const vars: Record<string, string> = {};
  const secrets: Record<string, 'set' | 'unset'> = {};
  for (const k of Object.keys(values).sort()) if (!secret.has(k)) vars[k] = values[k]!;
  for (const k of [...secret].sort()) secrets[k] = values[k] ? 'set' : 'unset';
  return { vars, secrets };
}

/** what differs between two runs' variables (a secret whose earlier state is not known is not compared) */
export function varChanges(prev: RunVars, next: RunVars): VarChange[] {
  const out: VarChange[] = [];
  for (const name of [...new Set([...Object.keys(prev.vars), ...Object.keys(next.vars)])].sort()) {
    const from = prev.vars[name];
    const to = next.vars[name];
    if (from !== to) out.push({ name, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) });
  }
  for (const name of Object.keys(next.secrets).sort()) {
    const from = prev.secrets[name];
    if (from !== undefined && from !== next.secrets[name]) out.push({ name, secret: true, from, to: next.secrets[name] });
  }
  return out;
}

/** `cmd "true" → "false"; token (secret) unset → set` */
export function describeVarChanges(changes: readonly VarChange[]): string {
  const v = (x: string | undefined, secret?: true) => (x === undefined ? '(none)' : secret ? x : JSON.stringify(x));
  return changes.map((c) => `${c.name}${c.secret ? ' (secret)' : ''} ${v(c.from, c.secret)} → ${v(c.to, c.secret)}`).join('; ');
}

/** what the operator is told when a session is resumed with other variables */
export function varChangeLine(changes: readonly VarChange[]): string {
  return `variables changed since this session's previous run (journaled): ${describeVarChanges(changes)}`;
}
