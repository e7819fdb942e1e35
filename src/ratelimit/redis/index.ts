// Global rate limits for the scaled-out shape: every gateway node counts in one Redis.
// When Redis is unreachable the configured choice applies: `open` counts in memory per node until
// Redis is back (an insurance limiter), `closed` refuses requests with 503.
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { createFlexibleRateLimiter } from '../flexible-rate-limiter.js';
import type { RateLimiter } from '../rate-limiter.js';

export interface RedisRateLimiterOptions {
  url: string;
  onStoreFailure?: 'open' | 'closed';
}

export function createRedisRateLimiter({
  url,
  onStoreFailure = 'open',
}: RedisRateLimiterOptions): RateLimiter {
  // No offline queue: while disconnected, commands fail at once instead of piling up (and the
  // fail-open/closed policy decides), and ioredis keeps reconnecting in the background.
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // Reconnect attempts at most a second apart: a node fails open or closed no longer than that after Redis is back.
    retryStrategy: (times) => Math.min(times * 100, 1000),
    lazyConnect: false,
  });
  client.on('error', () => {});
  // Wait (at most 2 s) for the first connection, so a node that just started counts in Redis
  // rather than falling back on its own memory.
  let connected: Promise<void> | null = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2000);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  }).then(() => {
    connected = null;
  });
  const limiter = createFlexibleRateLimiter({
    makeLimiter: ({ points, duration, keyPrefix }) =>
      new RateLimiterRedis({
        storeClient: client,
        points,
        duration,
        keyPrefix,
        insuranceLimiter:
          onStoreFailure === 'open' ? new RateLimiterMemory({ points, duration, keyPrefix }) : undefined,
      }),
    close: async () => {
      client.disconnect();
    },
  });
  return {
    async admit(rules) {
      if (connected) await connected;
      return limiter.admit(rules);
    },
    charge: (rules, tokens) => limiter.charge(rules, tokens),
    close: () => limiter.close(),
  };
}
