// A consecutive-failure circuit breaker for one upstream: after `failures` failures in a row calls
// fail fast with UpstreamError('circuit_open') until `resetMs` has passed; then one trial call is let
// through, whose outcome closes the circuit again or reopens it for another `resetMs`.

import { UpstreamError } from './upstream.js';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failures: number;
  /** How long the circuit stays open before one trial call is let through. */
  resetMs: number;
  /** Clock in epoch ms (tests pass their own). */
  now?: () => number;
}

export type CircuitState = 'closed' | 'open' | 'half_open';

export class CircuitBreaker {
  readonly #threshold: number;
  readonly #resetMs: number;
  readonly #now: () => number;
  #consecutiveFailures = 0;
  #openedAt = 0;
  #open = false;
  #trialInFlight = false;

  constructor({ failures, resetMs, now = Date.now }: CircuitBreakerOptions) {
    this.#threshold = Math.max(1, failures);
    this.#resetMs = resetMs;
    this.#now = now;
  }

  get state(): CircuitState {
    if (!this.#open) return 'closed';
    return this.#now() - this.#openedAt >= this.#resetMs ? 'half_open' : 'open';
  }

  /**
   * Admits a call or throws UpstreamError('circuit_open'). Every admitted call must end in exactly one
   * of `success()`, `failure()` or `abandon()`.
   */
  admit(upstreamName: string): void {
    if (!this.#open) return;
    const waited = this.#now() - this.#openedAt;
    if (waited >= this.#resetMs && !this.#trialInFlight) {
      this.#trialInFlight = true;
      return;
    }
    const retryIn = Math.max(0, this.#resetMs - waited);
    throw new UpstreamError(
      'circuit_open',
      `upstream ${upstreamName} failed ${this.#consecutiveFailures} times in a row; ` +
        (this.#trialInFlight ? 'a trial call is in flight' : `calls resume in ${retryIn} ms`),
    );
  }

  success(): void {
    this.#consecutiveFailures = 0;
    this.#open = false;
    this.#trialInFlight = false;
  }

  failure(): void {
    this.#consecutiveFailures++;
    if (this.#trialInFlight || this.#consecutiveFailures >= this.#threshold) {
      this.#open = true;
      this.#openedAt = this.#now();
    }
    this.#trialInFlight = false;
  }

  /** The call ended without telling anything about the upstream (the client went away). */
  abandon(): void {
    this.#trialInFlight = false;
  }
}
