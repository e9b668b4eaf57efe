/** Evaluate a kind's defaultExpect (or a given JSONata expression) over a result, as the runner does. */
import jsonata from 'jsonata';
import type { CheckKind } from '../../src/checks/contract.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function evaluateDefault(kind: CheckKind<any>, result: unknown, expr?: string): Promise<unknown> {
  return jsonata(expr ?? kind.defaultExpect).evaluate(result);
}
