/** Problems found in a checklist file, each with a position: file:line:col, the YAML path and what was expected. */
export interface Problem {
  file: string;
  line: number;
  col: number;
  /** YAML path, e.g. blocks[1].items[0].check.kind */
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

/** a problem's message, or one that needs the line of another path ("first used at line 12") */
export type Message = string | ((lineOf: (p: readonly (string | number)[]) => number) => string);

/** how the validator's parts report a problem at a YAML path (`key`: point at the key, not its value) */
export type AddProblem = (p: readonly (string | number)[], message: Message, o?: { key?: boolean }) => void;

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.severity}: ${p.path ? p.path + ': ' : ''}${p.message}`;
}

export class ChecklistError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.filter((p) => p.severity === 'error').map(formatProblem).join('\n') || 'invalid checklist');
    this.name = 'ChecklistError';
  }
}

/**
 * A problem with how a command was called or configured (a bad option, an unreadable vars file, a lock held by
 * another operator): the CLI prints its message and exits 2. It lives in this bottom layer so that the checklist,
 * engine and report code that detects such problems never imports the command layer (commands/exit.ts re-exports it).
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
