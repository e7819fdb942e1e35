// In-process rate limits for the embedded shape (one gateway process).
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { createFlexibleRateLimiter } from '../flexible-rate-limiter.js';
import type { RateLimiter } from '../rate-limiter.js';

export function createMemoryRateLimiter(): RateLimiter {
  return createFlexibleRateLimiter({
    makeLimiter: ({ points, duration, keyPrefix }) => new RateLimiterMemory({ points, duration, keyPrefix }),
  });
}
