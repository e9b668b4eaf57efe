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
