import { describe, expect, it } from 'vitest';
import type { TrafficRecord } from '../events/traffic-record.js';
import { loadPolicy } from '../policy/policy.js';
import type { Detector } from './detector.js';
import { createDetectionEngine, sampleRequests } from './engine.js';
import { HUMAN_PROMPTS } from './test-views.js';

const policy = loadPolicy();
const START = Date.parse('2026-01-05T09:00:00Z');
const TOPICS = HUMAN_PROMPTS.map((p) => p.slice(0, 40));

function judge(i: number): string {
  return `You are a strict grader. Compare the two assistant answers to the user question below and decide which one is better. Reply with a JSON object {"winner": "A" or "B", "reason": "..."}.\n\n[Question]\n${TOPICS[i % 30]} (${i})\n\n[Answer A]\nAnswer number ${i} A\n\n[Answer B]\nAnswer number ${i} B\n\n[Verdict]`;
}

function record(
  account: string,
  i: number,
  prompt: string,
  extra: Partial<TrafficRecord> = {},
): TrafficRecord {
  return {
    account,
    ts: new Date(START + i * 10_000).toISOString(),
    request: { model: 'm', messages: [{ role: 'user', content: prompt }] },
    ...extra,
  };
}

describe('detection engine', () => {
  it('catches a pipeline split over three accounts and lists the linked accounts', () => {
    const engine = createDetectionEngine({ policy });
    for (let i = 0; i < 30; i++)
      engine.ingest(record(`split-${i % 3}`, i, judge(i), { clientIp: `10.0.0.${i % 3}` }));
    for (const account of ['split-0', 'split-1', 'split-2']) {
      const a = engine.assess(account);
      expect(a.requests).toBe(10);
      expect(a.verdict).not.toBe('ok');
      expect(a.linked.sort()).toEqual(['split-0', 'split-1', 'split-2'].filter((x) => x !== account));
      expect(a.detected_after).not.toBeNull();
      expect(a.detected_after).toBeLessThanOrEqual(10);
      const templates = a.signals.find((s) => s.id === 'templates');
      expect((templates?.evidence.templated_requests as number) > 10).toBe(true);
    }
  });

  it('leaves a human account ok', () => {
    const engine = createDetectionEngine({ policy });
    HUMAN_PROMPTS.forEach((p, i) => {
      engine.ingest(record('human', i * 37, p));
    });
    const a = engine.assess('human');
    expect(a.verdict).toBe('ok');
    expect(a.detected_after).toBeNull();
    expect(a.linked).toEqual([]);
  });

  it('never suspends on volume alone', () => {
    const engine = createDetectionEngine({ policy });
    for (let i = 0; i < 3000; i++) engine.ingest(record('busy', i * 30, `${HUMAN_PROMPTS[i % 30]} #${i}`));
    expect(engine.assess('busy').verdict).not.toBe('suspend');
  });

  it('honours allowed uses per account', () => {
    const annotating: Detector<{ n: number }> = {
      id: 'fake-intent',
      create: () => ({ n: 0 }),
      update: (s) => {
        s.n++;
      },
      signals: (s) => (s.n > 0 ? [{ id: 'intent.annotation', score: 1, evidence: {} }] : []),
    };
    const engine = createDetectionEngine({
      policy,
      detectors: [annotating],
      allowedUses: (account) => (account === 'labeler' ? ['annotation'] : []),
    });
    engine.ingest(record('labeler', 0, 'label these'));
    engine.ingest(record('other', 0, 'label these'));
    expect(engine.assess('labeler').verdict).toBe('ok');
    expect(engine.assess('other').verdict).not.toBe('ok');
  });

  it('reports changed accounts once, and partner end customers as account/customer', () => {
    const engine = createDetectionEngine({ policy });
    engine.ingest(record('a', 0, 'hello'));
    engine.ingest(record('reseller', 1, 'hi', { channel: 'partner:reseller', endCustomer: 'c1' }));
    expect(engine.takeChanged().sort()).toEqual(['a', 'reseller/c1']);
    expect(engine.takeChanged()).toEqual([]);
    expect(engine.accounts()).toEqual(['a', 'reseller/c1']);
  });
});

describe('sampleRequests', () => {
  it('feeds the first requests, then one in `every`', () => {
    const seen: number[] = [];
    const inner: Detector<null> = {
      id: 'costly',
      create: () => null,
      update: (_s, v) => {
        seen.push(v.index);
      },
      signals: () => [],
    };
    const d = sampleRequests(inner, { first: 3, every: 4 });
    const state = d.create();
    for (let i = 1; i <= 12; i++) d.update(state, { index: i } as Parameters<typeof d.update>[1]);
    expect(seen).toEqual([1, 2, 3, 4, 8, 12]);
  });
});
