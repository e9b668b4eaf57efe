/**
 * What the validator reads with on its fast path: the simple YAML reader, the zod-free schema plans and a recognizer
 * of plain JSONata. No zod, no YAML library, no jsonata, no kind's run code is loaded. It settles a valid checklist; at anything else (a text the simple
 * reader gives up on, a structure or params the plans do not accept, a kind without a plan) it throws NEEDS_FULL and
 * the caller validates again on the zod path, which finds and explains the problem.
 */
import { RULES } from '../checks/rules.js';
import { isSimpleExpect } from './expect-simple.js';
import { acceptsPlan, parsePlan, REJECTED } from './fast-schema.js';
import { CHECKLIST_PLAN, KIND_PLANS } from './fast-schema.generated.js';
import { readSimpleYaml } from './simple-yaml.js';
import { NEEDS_FULL, SLOW, type KindSupport, type ValidatorSupport } from './validator.js';

const plans = new Map(KIND_PLANS.map((k) => [k.kind, k]));
const kindSupports = new Map<string, KindSupport>();

export const fastSupport: ValidatorSupport = {
  read: (text) => readSimpleYaml(text) ?? SLOW,

  structure(data) {
    if (acceptsPlan(CHECKLIST_PLAN, data)) return undefined;
    throw NEEDS_FULL;
  },

  kind(name) {
    let s = kindSupports.get(name);
    if (s) return s;
    const k = plans.get(name);
    if (!k) return undefined;
    const params = k.params;
    if (!params) throw NEEDS_FULL;
    const rule = k.mutating;
    s = {
      planned: k.planned,
      parseParams(raw) {
        const data = parsePlan(params, raw);
        if (data === REJECTED) throw NEEDS_FULL;
        return { data };
      },
      mutating: rule ? (p) => RULES[rule](p) : undefined,
    };
    kindSupports.set(name, s);
    return s;
  },

  knownKinds: () => KIND_PLANS.filter((k) => !k.planned).map((k) => k.kind),

  // plain expressions are known to parse without loading jsonata; jsonata judges the others on the zod path
  expectSyntax(expr) {
    if (isSimpleExpect(expr)) return undefined;
    throw NEEDS_FULL;
  },
};
