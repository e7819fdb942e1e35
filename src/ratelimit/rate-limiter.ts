// Rate limits and quotas: requests per minute, tokens per minute and tokens per day, per account and
// per key. One interface; memory (embedded) and Redis (global across nodes) implementations.

export type LimitKind = 'rpm' | 'tpm' | 'daily_tokens';

export interface LimitRule {
  scope: 'account' | 'key';
  /** The account or key id. */
  id: string;
  kind: LimitKind;
  limit: number;
}

export interface Denial {
  rule: LimitRule;
  retryAfterMs: number;
}

export interface RateLimiter {
  /**
   * Takes one request from every rpm rule and checks that every token budget has something left.
   * Resolves to null when admitted, else the first rule that refused. Rejects with
   * RateLimitStoreError when the shared store is unreachable and the policy is to fail closed.
   */
  admit(rules: LimitRule[]): Promise<Denial | null>;
  /** Charges the tokens a response used to every tpm and daily_tokens rule. */
  charge(rules: LimitRule[], tokens: number): Promise<void>;
  close(): Promise<void>;
}

export class RateLimitStoreError extends Error {
  override name = 'RateLimitStoreError';
}

export const WINDOW_SECONDS: Record<LimitKind, number> = { rpm: 60, tpm: 60, daily_tokens: 86_400 };
