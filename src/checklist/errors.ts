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

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.severity}: ${p.path ? p.path + ': ' : ''}${p.message}`;
}

export class ChecklistError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.filter((p) => p.severity === 'error').map(formatProblem).join('\n') || 'invalid checklist');
    this.name = 'ChecklistError';
  }
}
