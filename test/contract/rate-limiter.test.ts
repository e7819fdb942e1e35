// Rate-limiter contract, run against memory and Redis: limits hold, refusals carry a retry time, tokens
// are charged after the fact, and two Redis-backed limiters (two gateway nodes) share one budget.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryRateLimiter } from '../../src/ratelimit/memory/index.js';
import type { LimitRule, RateLimiter } from '../../src/ratelimit/rate-limiter.js';
import { createRedisRateLimiter } from '../../src/ratelimit/redis/index.js';
import { REDIS_URL } from '../helpers/databases.js';

const backends: [string, () => RateLimiter][] = [
  ['memory', () => createMemoryRateLimiter()],
  ['redis', () => createRedisRateLimiter({ url: REDIS_URL })],
];

describe.each(backends)('rate limiter on %s', (_name, make) => {
  const limiter = make();
  afterAll(() => limiter.close());

  it('admits exactly the limit per minute, then refuses with a retry time', async () => {
    const rule: LimitRule = { scope: 'account', id: randomUUID(), kind: 'rpm', limit: 5 };
    const results = [];
    for (let i = 0; i < 7; i++) results.push(await limiter.admit([rule]));
    expect(results.slice(0, 5)).toEqual([null, null, null, null, null]);
    expect(results[5]?.rule).toEqual(rule);
    expect(results[5]?.retryAfterMs).toBeGreaterThan(0);
    expect(results[5]?.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('a refusal by one rule does not use up another', async () => {
    const key: LimitRule = { scope: 'key', id: randomUUID(), kind: 'rpm', limit: 1 };
    const account: LimitRule = { scope: 'account', id: randomUUID(), kind: 'rpm', limit: 3 };
    expect(await limiter.admit([account, key])).toBeNull();
    expect((await limiter.admit([account, key]))?.rule).toEqual(key);
    expect((await limiter.admit([account, key]))?.rule).toEqual(key);
    // The account spent 1 admitted request; 2 remain for another key.
    const other: LimitRule = { scope: 'key', id: randomUUID(), kind: 'rpm', limit: 10 };
    expect(await limiter.admit([account, other])).toBeNull();
    expect(await limiter.admit([account, other])).toBeNull();
    expect((await limiter.admit([account, other]))?.rule).toEqual(account);
  });

  it('refuses once charged tokens reach the token budget', async () => {
    const tpm: LimitRule = { scope: 'account', id: randomUUID(), kind: 'tpm', limit: 100 };
    expect(await limiter.admit([tpm])).toBeNull();
    await limiter.charge([tpm], 60);
    expect(await limiter.admit([tpm])).toBeNull();
    await limiter.charge([tpm], 60);
    expect((await limiter.admit([tpm]))?.rule.kind).toBe('tpm');
  });
});

describe('redis rate limits are global across nodes', () => {
  it('two limiters admit N in total', async () => {
    const a = createRedisRateLimiter({ url: REDIS_URL });
    const b = createRedisRateLimiter({ url: REDIS_URL });
    const rule: LimitRule = { scope: 'account', id: randomUUID(), kind: 'rpm', limit: 10 };
    let admitted = 0;
    for (let i = 0; i < 10; i++) {
      if ((await a.admit([rule])) === null) admitted++;
      if ((await b.admit([rule])) === null) admitted++;
    }
    await a.close();
    await b.close();
    expect(admitted).toBe(10);
  });

  it('fails closed when told to and Redis is unreachable', async () => {
    const down = createRedisRateLimiter({ url: 'redis://127.0.0.1:1', onStoreFailure: 'closed' });
    await expect(down.admit([{ scope: 'account', id: 'x', kind: 'rpm', limit: 5 }])).rejects.toThrow(
      /unavailable/,
    );
    await down.close();
  });

  it('fails open when told to and Redis is unreachable', async () => {
    const down = createRedisRateLimiter({ url: 'redis://127.0.0.1:1', onStoreFailure: 'open' });
    expect(await down.admit([{ scope: 'account', id: 'x', kind: 'rpm', limit: 5 }])).toBeNull();
    await down.close();
  });
});
