// The shared rate limiter over rate-limiter-flexible: a backend supplies only how to make one
// fixed-window limiter for (points, duration); this base keeps one per distinct limit and applies the
// admit/charge rules.
import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import {
  type Denial,
  type LimitRule,
  type RateLimiter,
  RateLimitStoreError,
  WINDOW_SECONDS,
} from './rate-limiter.js';

export type LimiterFactory = (options: {
  points: number;
  duration: number;
  keyPrefix: string;
}) => RateLimiterAbstract;

export interface FlexibleRateLimiterOptions {
  makeLimiter: LimiterFactory;
  close?: () => Promise<void>;
}

export function createFlexibleRateLimiter({ makeLimiter, close }: FlexibleRateLimiterOptions): RateLimiter {
  const limiters = new Map<string, RateLimiterAbstract>();

  function limiterFor(rule: LimitRule): RateLimiterAbstract {
    const name = `${rule.kind}:${rule.limit}`;
    let limiter = limiters.get(name);
    if (!limiter) {
      limiter = makeLimiter({
        points: rule.limit,
        duration: WINDOW_SECONDS[rule.kind],
        keyPrefix: `warden:rl:${name}`,
      });
      limiters.set(name, limiter);
    }
    return limiter;
  }

  const keyOf = (rule: LimitRule) => `${rule.scope}:${rule.id}`;

  return {
    async admit(rules) {
      const consumed: LimitRule[] = [];
      try {
        for (const rule of rules) {
          const limiter = limiterFor(rule);
          if (rule.kind === 'rpm') {
            try {
              await limiter.consume(keyOf(rule), 1);
              consumed.push(rule);
            } catch (error) {
              if (error instanceof RateLimiterRes)
                return await refundAndDeny(consumed, rule, error.msBeforeNext);
              throw error;
            }
          } else {
            const state = await limiter.get(keyOf(rule));
            if (state && state.consumedPoints >= rule.limit) {
              return await refundAndDeny(consumed, rule, state.msBeforeNext);
            }
          }
        }
        return null;
      } catch (error) {
        if (error instanceof RateLimiterRes) throw error;
        throw new RateLimitStoreError(`rate-limit store unavailable: ${(error as Error).message}`);
      }
    },

    async charge(rules, tokens) {
      if (tokens <= 0) return;
      await Promise.all(
        rules
          .filter((rule) => rule.kind !== 'rpm')
          .map((rule) =>
            limiterFor(rule)
              .penalty(keyOf(rule), tokens)
              .catch(() => undefined),
          ),
      );
    },

    async close() {
      await close?.();
    },
  };

  async function refundAndDeny(
    consumed: LimitRule[],
    rule: LimitRule,
    msBeforeNext: number,
  ): Promise<Denial> {
    // A request refused by a later rule must not count against the earlier ones.
    await Promise.all(
      consumed.map((r) =>
        limiterFor(r)
          .reward(keyOf(r), 1)
          .catch(() => undefined),
      ),
    );
    return { rule, retryAfterMs: Math.max(1, msBeforeNext) };
  }
}
