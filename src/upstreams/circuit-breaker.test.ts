import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';
import { UpstreamError } from './upstream.js';

function breakerWithClock(failures: number, resetMs: number) {
  const clock = { t: 1_000 };
  const breaker = new CircuitBreaker({ failures, resetMs, now: () => clock.t });
  return { breaker, clock };
}

function admitError(breaker: CircuitBreaker): unknown {
  try {
    breaker.admit('test');
    return null;
  } catch (error) {
    return error;
  }
}

describe('CircuitBreaker', () => {
  it('stays closed below the failure threshold and a success resets the count', () => {
    const { breaker } = breakerWithClock(3, 500);
    breaker.admit('test');
    breaker.failure();
    breaker.admit('test');
    breaker.failure();
    breaker.admit('test');
    breaker.success();
    breaker.admit('test');
    breaker.failure();
    breaker.admit('test');
    breaker.failure();
    expect(breaker.state).toBe('closed');
    expect(admitError(breaker)).toBeNull();
  });

  it('opens after consecutive failures and fails fast with circuit_open', () => {
    const { breaker, clock } = breakerWithClock(2, 500);
    breaker.failure();
    breaker.failure();
    expect(breaker.state).toBe('open');
    const error = admitError(breaker);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).kind).toBe('circuit_open');
    expect((error as UpstreamError).message).toContain('500 ms');
    clock.t += 499;
    expect(admitError(breaker)).toBeInstanceOf(UpstreamError);
  });

  it('lets exactly one trial call through after reset_ms and closes on its success', () => {
    const { breaker, clock } = breakerWithClock(1, 500);
    breaker.failure();
    clock.t += 500;
    expect(breaker.state).toBe('half_open');
    expect(admitError(breaker)).toBeNull(); // the trial
    expect((admitError(breaker) as UpstreamError).kind).toBe('circuit_open'); // others wait for it
    breaker.success();
    expect(breaker.state).toBe('closed');
    expect(admitError(breaker)).toBeNull();
    expect(admitError(breaker)).toBeNull();
  });

  it('reopens for another reset_ms when the trial fails', () => {
    const { breaker, clock } = breakerWithClock(3, 500);
    breaker.failure();
    breaker.failure();
    breaker.failure();
    clock.t += 600;
    expect(admitError(breaker)).toBeNull();
    breaker.failure();
    expect(breaker.state).toBe('open');
    clock.t += 499;
    expect(admitError(breaker)).toBeInstanceOf(UpstreamError);
    clock.t += 1;
    expect(admitError(breaker)).toBeNull();
  });

  it('an abandoned trial frees the slot for the next call', () => {
    const { breaker, clock } = breakerWithClock(1, 100);
    breaker.failure();
    clock.t += 100;
    expect(admitError(breaker)).toBeNull();
    breaker.abandon();
    expect(admitError(breaker)).toBeNull();
  });
});
