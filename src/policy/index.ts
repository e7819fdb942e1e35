// The policy concern's public face: load/parse a policy file and apply it to an account's signals.

export type { PolicyDecision, PolicyInput, ScoredSignal } from './apply-policy.js';
export { allowedUses, applyPolicy, combineRisk, signalWeight } from './apply-policy.js';
export type { Policy, PolicyAction, PolicyActionKind, PolicyRule, Verdict } from './policy.js';
export { DEFAULT_POLICY_PATH, loadPolicy, parsePolicy } from './policy.js';
