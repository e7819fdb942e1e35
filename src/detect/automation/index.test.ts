import { describe, expect, it } from 'vitest';
import { HUMAN_PROMPTS, seeded, viewOf } from '../test-views.js';
import { createAutomationDetector } from './index.js';

const START = Date.parse('2026-01-05T09:00:00Z');

function signalsOf(times: number[], prompt: (i: number) => string = (i) => HUMAN_PROMPTS[i % 30]) {
  const d = createAutomationDetector();
  const s = d.create();
  times.forEach((ts, i) => {
    d.update(s, viewOf(prompt(i), { index: i + 1, ts }));
  });
  return Object.fromEntries(d.signals(s).map((x) => [x.id, x]));
}

describe('automation detector', () => {
  it('finds a scheduler in regular inter-arrival times', () => {
    const rnd = seeded(1);
    const times = Array.from({ length: 120 }, (_, i) => START + i * 10_000 + rnd() * 400);
    expect(signalsOf(times)['automation.regularity'].score).toBeGreaterThan(0.6);
  });

  it('does not call bursty human sessions regular', () => {
    const rnd = seeded(2);
    const times: number[] = [];
    let t = START;
    for (let i = 0; i < 120; i++) {
      // Log-normal gaps around 45 s (sd 1.1 in log space), with a long pause every few requests.
      const z = Math.sqrt(-2 * Math.log(Math.max(1e-9, rnd()))) * Math.cos(2 * Math.PI * rnd());
      t += i % 6 === 5 ? 4 * 3600_000 : Math.exp(Math.log(45_000) + 1.1 * z);
      times.push(t);
    }
    expect(signalsOf(times)['automation.regularity']?.score ?? 0).toBeLessThan(0.2);
  });

  it('finds round-the-clock activity only when the hours are even', () => {
    const everyHour = Array.from({ length: 96 }, (_, i) => START + i * 3600_000);
    expect(signalsOf(everyHour)['automation.round_the_clock'].score).toBeGreaterThan(0.8);
    const daytime = Array.from(
      { length: 96 },
      (_, i) => START + Math.floor(i / 8) * 86_400_000 + (i % 8) * 3600_000,
    );
    expect(signalsOf(daytime)['automation.round_the_clock']).toBeUndefined();
  });

  it('detects a shift of the prompt distribution (MMD) and not a stable one', () => {
    const times = Array.from({ length: 200 }, (_, i) => START + i * 60_000);
    const stable = signalsOf(times);
    expect(stable['automation.shift']).toBeUndefined();
    const shifted = signalsOf(times, (i) =>
      i < 130
        ? HUMAN_PROMPTS[i % 30]
        : `Generate 20 diverse question answer pairs about topic ${i} as JSONL records`,
    );
    expect(shifted['automation.shift'].score).toBeGreaterThan(0.5);
  });

  it('ignores timing of records that carried no time', () => {
    const d = createAutomationDetector();
    const s = d.create();
    for (let i = 0; i < 100; i++)
      d.update(s, viewOf(HUMAN_PROMPTS[i % 30], { index: i + 1, ts: START, tsKnown: false }));
    expect(d.signals(s).filter((x) => x.id !== 'automation.shift')).toEqual([]);
    expect(s.windowN).toBe(32);
  });
});
