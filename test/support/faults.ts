/**
 * The fault suite (`npm run faults`, scripts/faults.mjs) runs some test files at full size with RT_FAULTS=1 and
 * collects one row per experiment from the file named by RT_FAULTS_OUT. Under `npm test` both are unset: the same
 * tests run a seeded sample and record nothing.
 */
import { appendFileSync } from 'node:fs';

export const FULL_FAULTS = process.env.RT_FAULTS === '1';

export interface FaultRow {
  experiment: string;
  trials: number;
  failures: number;
  goal: string;
}

export function recordFaultRow(row: FaultRow): void {
  const out = process.env.RT_FAULTS_OUT;
  if (out) appendFileSync(out, JSON.stringify(row) + '\n');
}
