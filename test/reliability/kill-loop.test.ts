// kill -9 under load, short: the real `warden serve` on SQLite killed 3 times at random moments with a
// steady mix of streaming and non-streaming requests. The full run (20 kills, SQLite and PostgreSQL +
// Redis) is bench/reliability/kill-loop.ts; its figures are in docs/reliability.md.
import { describe, expect, it } from 'vitest';
import { runKillLoop } from './kill-loop-harness.js';

describe('kill -9 under load (SQLite)', () => {
  it('loses no acknowledged event, duplicates none, meters and registers each once, and keeps the file intact', async () => {
    const report = await runKillLoop({
      backend: 'sqlite',
      kills: 3,
      concurrency: 4,
      minUpMs: 300,
      maxUpMs: 1500,
    });
    expect(report.complete).toBeGreaterThan(20);
    expect(report.completeStreams).toBeGreaterThan(5);
    // Every response a client saw complete has its event; no request has two.
    expect(report.completeWithoutEvent).toBe(0);
    expect(report.duplicateRequestEvents).toBe(0);
    // Events beyond the complete responses are only those of requests cut by a kill after the commit.
    expect(report.eventsWithoutCompleteResponse).toBeLessThanOrEqual(report.kills * report.concurrency);
    // Metering resumed from its cursor after every kill: each event counted exactly once.
    expect(report.meteringCursor).toBe(report.maxSeq);
    expect(report.meteredRequests).toBe(report.events);
    // The provenance registry holds every served output exactly once (by event id), none else.
    expect(report.registryCursor).toBe(report.maxSeq);
    expect(report.servedOutputs).toBeGreaterThan(20);
    expect(report.servedWithoutRegistry).toBe(0);
    expect(report.registryWithoutEvent).toBe(0);
    expect(report.registeredOutputs).toBe(report.servedOutputs);
    expect(report.integrity).toBe('ok');
  }, 120_000);
});
