/**
 * `manual`: no automation. The item is decided by a human sign-off (`signoff: required|optional`); the runner
 * never runs it, and it stays `needs-signoff` until approved (or `fail` when rejected).
 */
import { z } from 'zod';
import type { CheckKind } from './contract.js';

const params = z
  .object({
    instructions: z.string().optional().describe('what the person signing off must verify, shown next to the item'),
    evidence: z.array(z.string()).optional().describe('where to look: links, commands, documents'),
  })
  .strict();

export type ManualParams = z.infer<typeof params>;

export const manual: CheckKind<ManualParams> = {
  kind: 'manual',
  title: 'a human verifies and signs off (no automation)',
  description:
    'Nothing is run. The item needs a sign-off: it is `needs-signoff` until the required approvals are recorded ' +
    '(`readiness-tui signoff ITEM --decision approve …` or in the TUI), and `fail` when someone rejects it. ' +
    'Use `instructions` to say exactly what to check, and `evidence` for where to look.',
  outcomes: {
    error: 'never (nothing is run)',
    fail: 'someone rejects it with a sign-off',
    inconclusive: 'never as a run result: the item stays needs-signoff until the required approvals are recorded',
  },
  params,
  resultDoc: {},
  example: [
    'check:',
    '  kind: manual',
    '  instructions: Confirm every secret in the namespace comes from Vault (ExternalSecret), none inline.',
    '  evidence: [https://vault.example.com/ui/vault/secrets]',
    'signoff: required',
    'signoffRoles: [security]',
  ].join('\n'),
  defaultExpect: 'true',
  describe(p) {
    return p.instructions ? `manual: ${p.instructions}` : 'manual: a human verifies and signs off';
  },
  async run(p) {
    // The runner never calls this (manual items are not run); a direct caller gets an honest "no data".
    return {
      result: {},
      summary: p.instructions ? `needs a sign-off: ${p.instructions}` : 'needs a sign-off',
      verdict: 'inconclusive',
    };
  },
};
