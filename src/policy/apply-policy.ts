// Applying a policy: allowed uses drop their signals, the rest combine into a risk score, and the
// rules turn risk and signals into a verdict and actions. Pure.
import type { Policy, PolicyAction, Verdict } from './policy.js';

/** The part of a detector signal the policy reads (detect/detector.ts `Signal` fits). */
export interface ScoredSignal {
  id: string;
  score: number;
}

export interface PolicyInput<S extends ScoredSignal = ScoredSignal> {
  account: string;
  requests: number;
  signals: readonly S[];
  /** Extra uses allowed for this account (beyond the policy's own `allow` and `accounts`). */
  allowed?: readonly string[];
}

export interface PolicyDecision<S extends ScoredSignal = ScoredSignal> {
  risk: number;
  verdict: Verdict;
  /** The signals that count (allowed uses removed), strongest contribution first. */
  signals: S[];
  actions: PolicyAction[];
}

const SEVERITY: Record<Verdict, number> = { ok: 0, review: 1, suspend: 2 };

/** True when `id` is `prefix` or starts with `prefix.`. */
export function matchesPrefix(id: string, prefix: string): boolean {
  return id === prefix || id.startsWith(`${prefix}.`);
}

const weightCache = new WeakMap<Policy, Map<string, number>>();

/** The weight of a signal: the longest matching id prefix in `combine.weights`, else the default. */
export function signalWeight(policy: Policy, id: string): number {
  let cache = weightCache.get(policy);
  if (!cache) {
    cache = new Map();
    weightCache.set(policy, cache);
  }
  const cached = cache.get(id);
  if (cached !== undefined) return cached;
  let best = -1;
  let weight = policy.combine.default_weight;
  for (const [prefix, w] of Object.entries(policy.combine.weights)) {
    if (matchesPrefix(id, prefix) && prefix.length > best) {
      best = prefix.length;
      weight = w;
    }
  }
  cache.set(id, weight);
  return weight;
}

/** Uses allowed to `account` by the policy (global and per account) and by the caller. */
export function allowedUses(policy: Policy, account: string, extra: readonly string[] = []): string[] {
  return [...new Set([...policy.allow, ...(policy.accounts[account]?.allow ?? []), ...extra])];
}

/**
 * Noisy-OR combination: each signal is an independent piece of evidence that fires with probability
 * weight × score; risk is the chance that at least one is right, ×100. A strong content signal alone
 * (weight 0.9, score 1) gives 90; several weak behaviour signals add up only slowly.
 */
export function combineRisk(policy: Policy, signals: readonly ScoredSignal[]): number {
  let keep = 1;
  for (const s of signals) keep *= 1 - Math.min(1, Math.max(0, signalWeight(policy, s.id) * s.score));
  return Math.round((1 - keep) * 1000) / 10;
}

export function applyPolicy<S extends ScoredSignal>(
  policy: Policy,
  input: PolicyInput<S>,
): PolicyDecision<S> {
  const uses = allowedUses(policy, input.account, input.allowed);
  const excluded = uses.flatMap((u) => policy.uses[u] ?? []);
  const signals = input.signals
    .filter((s) => !excluded.some((p) => matchesPrefix(s.id, p)))
    .sort((a, b) => signalWeight(policy, b.id) * b.score - signalWeight(policy, a.id) * a.score);
  const risk = combineRisk(policy, signals);
  const strongest = (prefix: string) =>
    signals.reduce((m, s) => (matchesPrefix(s.id, prefix) ? Math.max(m, s.score) : m), 0);
  let verdict: Verdict = 'ok';
  const actions: PolicyAction[] = [];
  for (const rule of policy.rules) {
    const w = rule.when;
    if (w.risk_at_least !== undefined && risk < w.risk_at_least) continue;
    if (w.min_requests !== undefined && input.requests < w.min_requests) continue;
    if (w.signals_at_least && !Object.entries(w.signals_at_least).every(([p, t]) => strongest(p) >= t))
      continue;
    if (w.any_signal_at_least && !Object.entries(w.any_signal_at_least).some(([p, t]) => strongest(p) >= t))
      continue;
    const reason = rule.reason ?? `risk ${risk} matched rule ${rule.name}`;
    for (const action of rule.actions ?? (rule.verdict === 'ok' ? [] : [rule.verdict]))
      actions.push({ action, rule: rule.name, reason, dry_run: rule.dry_run });
    if (!rule.dry_run && SEVERITY[rule.verdict] > SEVERITY[verdict]) verdict = rule.verdict;
  }
  return { risk, verdict, signals, actions };
}
