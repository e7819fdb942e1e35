// The detection policy: a YAML file (default `policies/default.yaml`) that says how signals combine
// into a risk score, which uses are allowed (per policy and per account), and which rules turn risk
// and signals into a verdict and actions. Parsed and validated once, at load, with zod; a malformed
// file fails with its path and the reason.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export type Verdict = 'ok' | 'review' | 'suspend';
export type PolicyActionKind = 'review' | 'suspend' | 'throttle';

export interface PolicyAction {
  action: PolicyActionKind;
  rule: string;
  reason: string;
  dry_run: boolean;
}

/** Signals that only describe volume or behaviour: a suspend rule may not rest on these alone. */
export const BEHAVIOUR_SIGNAL_PREFIXES = ['automation'] as const;

const threshold = z.number().min(0).max(1);
const signalMap = z.record(z.string().min(1), threshold);

const ruleSchema = z.strictObject({
  name: z.string().min(1),
  /** Every condition present must hold. */
  when: z.strictObject({
    risk_at_least: z.number().min(0).max(100).optional(),
    /** Each named signal (id or id prefix) must reach its threshold. */
    signals_at_least: signalMap.optional(),
    /** At least one named signal (id or id prefix) must reach its threshold. */
    any_signal_at_least: signalMap.optional(),
    min_requests: z.number().int().min(0).optional(),
  }),
  verdict: z.enum(['ok', 'review', 'suspend']),
  actions: z.array(z.enum(['review', 'suspend', 'throttle'])).optional(),
  /** Record the actions (marked dry_run) without letting the rule change the verdict. */
  dry_run: z.boolean().default(false),
  reason: z.string().optional(),
});

const policySchema = z
  .strictObject({
    version: z.literal(1),
    combine: z.strictObject({
      /** Weight per signal id or id prefix (longest prefix wins); risk = 100·(1 − Π(1 − w·score)). */
      weights: z.record(z.string().min(1), threshold),
      default_weight: threshold.default(0.2),
    }),
    /** Uses allowed to every account, e.g. [annotation]. */
    allow: z.array(z.string().min(1)).default([]),
    /** The signals each use covers (ids or prefixes); an allowed use drops them before scoring. */
    uses: z.record(z.string().min(1), z.array(z.string().min(1))).default({}),
    accounts: z
      .record(z.string().min(1), z.strictObject({ allow: z.array(z.string().min(1)).default([]) }))
      .default({}),
    rules: z.array(ruleSchema).min(1),
  })
  .superRefine((policy, ctx) => {
    const known = new Set(Object.keys(policy.uses));
    const checkUses = (list: string[], path: (string | number)[]) =>
      list.forEach((use, i) => {
        if (!known.has(use))
          ctx.addIssue({
            code: 'custom',
            path: [...path, i],
            message: `names unknown use "${use}" (not in uses)`,
          });
      });
    checkUses(policy.allow, ['allow']);
    for (const [account, entry] of Object.entries(policy.accounts))
      checkUses(entry.allow, ['accounts', account, 'allow']);
    policy.rules.forEach((rule, i) => {
      const suspends = rule.verdict === 'suspend' || (rule.actions ?? []).includes('suspend');
      if (!suspends) return;
      const named = [
        ...Object.keys(rule.when.signals_at_least ?? {}),
        ...Object.keys(rule.when.any_signal_at_least ?? {}),
      ];
      const content = named.filter(
        (id) => !BEHAVIOUR_SIGNAL_PREFIXES.some((p) => id === p || id.startsWith(`${p}.`)),
      );
      if (content.length === 0)
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'when'],
          message:
            'a suspend rule must require a content signal (intent, templates, coverage or harvest): volume alone never suspends',
        });
    });
  });

export type Policy = z.infer<typeof policySchema>;
export type PolicyRule = Policy['rules'][number];

/** The shipped default policy file. */
export const DEFAULT_POLICY_PATH = fileURLToPath(new URL('../../policies/default.yaml', import.meta.url));

/** Parses and validates policy YAML; errors name `sourceName`, the field and the reason. */
export function parsePolicy(text: string, sourceName: string): Policy {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new Error(`${sourceName}: not valid YAML: ${reason}`);
  }
  const result = policySchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`${sourceName}: ${describeIssue(issue)}`);
  }
  return result.data;
}

/** Reads and validates a policy file (default `policies/default.yaml`). */
export function loadPolicy(path: string = DEFAULT_POLICY_PATH): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`${path}: cannot read policy file (${code ?? String(error)})`);
  }
  return parsePolicy(text, path);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = formatPath(issue.path);
  const subject = where === '' ? 'policy' : where;
  switch (issue.code) {
    case 'invalid_type':
      return / received undefined$/.test(issue.message)
        ? `${subject} is required`
        : `${subject} must be ${article(issue.expected)}`;
    case 'unrecognized_keys':
      return `${subject === 'policy' ? 'top level' : subject} has unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_value':
      return `${subject} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_big':
      return `${subject} must be at most ${String(issue.maximum)}`;
    case 'too_small':
      return issue.origin === 'array'
        ? `${subject} must have at least ${String(issue.minimum)} item(s)`
        : `${subject} must be at least ${String(issue.minimum)}`;
    default:
      return `${subject} ${issue.message}`;
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}
