import { describe, expect, it } from 'vitest';
import { HUMAN_PROMPTS, TOPICS, viewOf } from '../test-views.js';
import { createCoverageDetector } from './index.js';

function run(prompts: string[]) {
  const d = createCoverageDetector();
  const s = d.create();
  prompts.forEach((p, i) => {
    d.update(s, viewOf(p, { index: i + 1 }));
  });
  return d.signals(s)[0];
}

describe('coverage detector', () => {
  it('finds one structure swept over many topics', () => {
    const signal = run(TOPICS.map((t) => `Write a comprehensive encyclopedia-style article about ${t}.`));
    expect(signal.score).toBeGreaterThan(0.5);
    expect(signal.evidence.skeleton).toBe('write a comprehensive encyclopedia <*> .');
    expect(signal.evidence.distinct_fills).toBe(20);
  });

  it('works for Chinese sweeps', () => {
    const zh = [
      '光合作用',
      '法国大革命',
      '复利',
      '板块构造',
      '免疫系统',
      '二叉树',
      '供求关系',
      '水循环',
      '罗马水道',
      '黑洞',
      '印刷术',
      '疫苗',
    ];
    expect(run(zh.map((t) => `请详细介绍一下${t}的基本原理。`)).score).toBeGreaterThan(0.4);
  });

  it('needs distinct fills: the same question repeated is not a sweep', () => {
    expect(
      run(Array.from({ length: 20 }, () => 'Write a comprehensive article about black holes.')),
    ).toBeUndefined();
  });

  it('stays quiet on varied human prompts', () => {
    expect(run(HUMAN_PROMPTS)?.score ?? 0).toBeLessThan(0.1);
  });
});
