import { describe, expect, it } from 'vitest';
import { HUMAN_PROMPTS, viewOf } from '../test-views.js';
import { createHarvestingDetector } from './index.js';

const d = createHarvestingDetector();

function run(make: (i: number) => Parameters<typeof d.update>[1]) {
  const s = d.create();
  for (let i = 0; i < 60; i++) d.update(s, make(i));
  return Object.fromEntries(d.signals(s).map((x) => [x.id, x]));
}

function req(prompt: string, body: Record<string, unknown>, index: number) {
  return viewOf(prompt, {
    index,
    request: { model: 'm', messages: [{ role: 'user', content: prompt }], ...body },
  });
}

describe('harvesting detector', () => {
  it('flags logprobs on every request', () => {
    const s = run((i) => req(HUMAN_PROMPTS[i % 30], { logprobs: true, top_logprobs: 5 }, i + 1));
    expect(s['harvest.logprobs'].score).toBeGreaterThan(0.9);
    expect(s['harvest.logprobs'].evidence.requests_with_logprobs).toBe(60);
  });

  it('flags n > 1 sampling and counts the samples', () => {
    const s = run((i) => req(HUMAN_PROMPTS[i % 30], { n: 8 }, i + 1));
    expect(s['harvest.multi_sample'].score).toBeGreaterThan(0.9);
    expect(s['harvest.multi_sample'].evidence.samples).toBe(480);
  });

  it('flags one prompt swept over temperatures', () => {
    const s = run((i) =>
      req(HUMAN_PROMPTS[Math.floor(i / 3)], { temperature: [0.2, 0.7, 1.2][i % 3] }, i + 1),
    );
    expect(s['harvest.temperature_sweep'].score).toBeGreaterThan(0.8);
    expect(s['harvest.temperature_sweep'].evidence.prompts_sampled_at_3_or_more_temperatures).toBe(20);
  });

  it('does not count short conversational turns as replayed prompts', () => {
    const s = run((i) => req(i % 2 ? 'continue' : 'thanks!', {}, i + 1));
    expect(s['harvest.multi_sample']).toBeUndefined();
  });

  it('says little about ordinary requests', () => {
    const s = run((i) => req(HUMAN_PROMPTS[i % 30] + String(i), { temperature: 0.7 }, i + 1));
    for (const id of [
      'harvest.logprobs',
      'harvest.multi_sample',
      'harvest.temperature_sweep',
      'harvest.max_tokens',
    ])
      expect(s[id]?.score ?? 0).toBeLessThan(0.05);
  });

  it('merges sample counts of linked accounts', () => {
    const a = d.create();
    const b = d.create();
    d.update(a, req('the same prompt, sent twice', { n: 2 }, 1));
    d.update(b, req('the same prompt, sent twice', { n: 2 }, 1));
    d.merge(a, b);
    expect(a.requests).toBe(2);
    expect(a.samples).toBe(4);
    expect(a.repeats).toBe(1);
  });
});
