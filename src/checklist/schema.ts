/**
 * The zod schema of a checklist file as written (apiVersion readiness/v1), before it is turned into the typed
 * model of model.ts by validate.ts. It stays free of transforms so the same schema exports as JSON Schema
 * (checklist/schema.json) for editors. Check params are validated separately by each kind's own schema.
 */
import { z } from 'zod';
import { DURATION_PATTERN } from './duration.js';
import { SIZE_HINT, SIZE_PATTERN } from './size.js';
import { API_VERSION } from './schema-constants.js';

export { API_VERSION, CHECK_BASE_KEYS } from './schema-constants.js';

/** item and block ids: what people type in `--only 1.1,2.3` and what names evidence folders */
export const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]*$';
export const VAR_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
export const NAME_PATTERN = '^[a-z0-9][a-z0-9._-]*$';

const text = (description: string) => z.string().describe(description);
const duration = (description: string) =>
  z.string().regex(new RegExp(DURATION_PATTERN), { error: 'expected a duration such as 30m, 2.5h, 90s, 1h30m or 500ms' }).describe(description);
const id = (description: string) =>
  z.string().regex(new RegExp(ID_PATTERN), { error: 'expected an id of letters, digits, ".", "_" or "-" (e.g. "1.1")' }).describe(description);
const MAX_AGE_DOC = 'how old a check result may be at the decision, e.g. 2h: older is STALE and a GO waits for a re-verify';
const WATCH_DOC =
  'while the driver\'s TUI is open, a passed non-mutating automated item is re-checked in the background this often, e.g. 10m (regression watch); a re-check that no longer passes flips the item';
const textList = (description: string) => z.array(z.string()).describe(description);
const WAIVER_APPROVALS_DOC =
  'approvals by another person (another key) a waiver of a blocking item needs before it counts, e.g. 1 (default 0)';
const waiverApprovals = (description: string) => z.int().min(0).max(5).describe(description);

export const checkSchema = z
  .looseObject({
    kind: z.string().describe('check kind; `readiness-tui kinds` lists them'),
    expect: text('JSONata expression over the kind\'s result; truthy = pass. Default: the kind\'s defaultExpect').optional(),
    mutating: z.boolean().describe('the check changes the environment (the TUI confirms before running it)').optional(),
    context: text('kube context for this check (overrides --kube-context)').optional(),
    maskCredentials: z.boolean().describe('credential-shaped output (AWS keys, GitHub tokens, JWTs, private keys, password=…) is masked on screen and in the report (default true); false shows it verbatim. Evidence files are never masked').optional(),
  })
  .describe('a check: kind, the kind\'s parameters, optional expect');

export const varSchema = z
  .strictObject({
    default: z.union([z.string(), z.number(), z.boolean()]).describe('value used when nothing else sets it').optional(),
    description: text('what the variable is for').optional(),
    secret: z
      .boolean()
      .describe('never written anywhere; only from env READINESS_VAR_<NAME> or --vars file; no default allowed')
      .optional(),
  })
  .describe('a variable, referenced as ${vars.<name>}');

export const itemSchema = z
  .strictObject({
    id: id('stable id, e.g. "1.1" (quote numeric ids)'),
    title: text('short title'),
    description: text('longer explanation').optional(),
    metric: text('what is measured, e.g. "Zero critical vulnerabilities"').optional(),
    estimate: duration('time estimate, e.g. 2.5h').optional(),
    maxAge: duration(MAX_AGE_DOC).optional(),
    watch: duration(WATCH_DOC).optional(),
    blocking: z.boolean().describe('a failure blocks GO (default true)').optional(),
    owner: text('person responsible').optional(),
    role: text('role responsible, e.g. security').optional(),
    check: checkSchema.optional(),
    checks: z
      .record(z.string().regex(new RegExp(ID_PATTERN), { error: 'a check name is letters, digits, ".", "_" or "-"' }), checkSchema)
      .describe('several named checks; the item-level expect aggregates them')
      .optional(),
    expect: text('with `checks`: JSONata over {checks: {<name>: {status, durationMs, result}}}').optional(),
    signoff: z
      .enum(['none', 'optional', 'required'])
      .describe('human sign-off (default: required for manual checks, none otherwise)')
      .optional(),
    signoffRoles: textList('roles allowed to sign off').optional(),
    approvals: z.int().min(1).describe('number of distinct approvals needed (default 1)').optional(),
    noSelfApproval: z.boolean().describe('the owner / operator who ran the item may not approve it').optional(),
    waiverApprovals: waiverApprovals(WAIVER_APPROVALS_DOC).optional(),
    remediation: z
      .strictObject({
        text: text('what to do when it fails').optional(),
        command: text('a command that fixes it (shown, never run automatically)').optional(),
      })
      .optional(),
    runbook: text('runbook link or path').optional(),
    dependsOn: z
      .union([id('item id'), z.array(id('item id'))])
      .describe('item ids that must pass first; a dependent of a failed item is blocked')
      .optional(),
    timeout: duration('per-attempt timeout, e.g. 10m (default 10m)').optional(),
    retries: z.int().min(0).max(10).describe('extra attempts after a failure (default 0)').optional(),
    outputLimit: z
      .string()
      .regex(new RegExp(SIZE_PATTERN, 'i'), { error: `expected ${SIZE_HINT}` })
      .describe("output kept at most per check run, e.g. 2GiB (default 1GiB or the run's --output-limit); past it the check stops with an error")
      .optional(),
    reference: text('the original validation text from the source plan, shown to the operator').optional(),
    maskCredentials: z.boolean().describe('credential-shaped output (AWS keys, GitHub tokens, JWTs, private keys, password=…) is masked on screen and in the report (default true); false shows it verbatim. Evidence files are never masked').optional(),
  })
  .describe('a checklist item');

export const blockSchema = z
  .strictObject({
    id: id('stable block id, e.g. "1"'),
    title: text('block title'),
    description: text('longer explanation').optional(),
    successMetrics: textList('success metrics of the block').optional(),
    maxAge: duration(`${MAX_AGE_DOC}; the default of the block's items`).optional(),
    watch: duration(`${WATCH_DOC}; the default of the block's items`).optional(),
    waiverApprovals: waiverApprovals(`${WAIVER_APPROVALS_DOC}; the default of the block's items`).optional(),
    items: z.array(itemSchema).min(1, { error: 'a block needs at least one item' }),
  })
  .describe('a block of items');

export const checklistSchema = z
  .strictObject({
    apiVersion: z.literal(API_VERSION).describe('format version: readiness/v1'),
    name: z
      .string()
      .regex(new RegExp(NAME_PATTERN), { error: 'expected a lower-case name of letters, digits, ".", "_" or "-"' })
      .describe('short machine name, used in report paths'),
    title: text('title shown in the header'),
    description: text('what this checklist is for').optional(),
    maxAge: duration(`${MAX_AGE_DOC}; the default of every item`).optional(),
    watch: duration(`${WATCH_DOC}; the default of every item`).optional(),
    waiverApprovals: waiverApprovals(`${WAIVER_APPROVALS_DOC}; the default of every item`).optional(),
    allowedSigners: text(
      "the team's allowed_signers file (OpenSSH format: which key may sign as whom), relative to this checklist; --allowed-signers FILE overrides it",
    ).optional(),
    vars: z
      .record(
        z.string().regex(new RegExp(VAR_NAME_PATTERN), { error: 'a variable name is letters, digits and _ (not starting with a digit)' }),
        varSchema,
      )
      .describe('variables: name → {default, description, secret}')
      .optional(),
    blocks: z.array(blockSchema).min(1, { error: 'a checklist needs at least one block' }),
    successMetrics: textList('overall success metrics').optional(),
    deliverables: z
      .array(
        z.strictObject({
          path: text('path of the deliverable'),
          description: text('what it is').optional(),
          check: checkSchema.optional(),
        }),
      )
      .optional(),
    risks: z
      .array(
        z.strictObject({
          risk: text('the risk'),
          probability: text('e.g. low / medium / high').optional(),
          impact: text('e.g. high / critical').optional(),
          mitigation: text('how it is mitigated').optional(),
          earlyWarning: text('the early warning sign').optional(),
        }),
      )
      .optional(),
    rollback: z
      .strictObject({
        detection: textList('signals that trigger a rollback').optional(),
        steps: textList('rollback steps in order').optional(),
        time: text('expected rollback time').optional(),
      })
      .optional(),
  })
  .describe('a production-readiness checklist (readiness-tui)');

export type RawChecklist = z.input<typeof checklistSchema>;
export type RawItem = z.input<typeof itemSchema>;
export type RawCheck = z.input<typeof checkSchema>;
