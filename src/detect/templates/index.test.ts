import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HUMAN_PROMPTS, TOPICS, viewOf } from '../test-views.js';
import { createTemplatesDetector } from './index.js';

function evolPrompt(instruction: string): string {
  return `I want you act as a Prompt Rewriter. Your objective is to rewrite a given prompt into a more complex version to make those famous AI systems a bit harder to handle. But the rewritten prompt must be reasonable and must be understood and responded by humans.\n#The Given Prompt#:\n${instruction}\n#Rewritten Prompt#:`;
}

describe('templates detector', () => {
  it('mines a pipeline template with its slot and distinct fills', () => {
    const d = createTemplatesDetector();
    const s = d.create();
    TOPICS.forEach((t, i) => {
      d.update(
        s,
        viewOf(evolPrompt(`Write a short explanation of ${t} for a curious teenager.`), { index: i + 1 }),
      );
    });
    const [signal] = d.signals(s);
    expect(signal.id).toBe('templates');
    expect(signal.score).toBeGreaterThan(0.8);
    const top = (
      signal.evidence.templates as { template: string; count: number; distinct_fills_per_slot: number[] }[]
    )[0];
    expect(top.count).toBe(TOPICS.length);
    expect(top.template).toContain('prompt rewriter');
    expect(top.template).toContain('<*>');
    expect(Math.max(...top.distinct_fills_per_slot)).toBeGreaterThanOrEqual(TOPICS.length - 1);
  });

  it('stays quiet on varied human prompts', () => {
    const d = createTemplatesDetector();
    const s = d.create();
    HUMAN_PROMPTS.forEach((p, i) => {
      d.update(s, viewOf(p, { index: i + 1 }));
    });
    const score = d.signals(s)[0]?.score ?? 0;
    expect(score).toBeLessThan(0.2);
  });

  it('does not call one prompt repeated a template (no slot, no distinct fills)', () => {
    const d = createTemplatesDetector();
    const s = d.create();
    for (let i = 0; i < 30; i++) d.update(s, viewOf(HUMAN_PROMPTS[0], { index: i + 1 }));
    expect(d.signals(s)).toEqual([]);
  });

  it('keeps the constant words of any template (property)', () => {
    const word = fc.stringMatching(/^[a-z]{3,8}$/);
    fc.assert(
      fc.property(
        fc.array(word, { minLength: 6, maxLength: 14 }),
        fc.array(fc.array(word, { minLength: 1, maxLength: 4 }), { minLength: 12, maxLength: 12 }),
        (constants, fills) => {
          const d = createTemplatesDetector();
          const s = d.create();
          fills.forEach((f, i) => {
            d.update(s, viewOf(`${constants.join(' ')} ${f.join(' ')}`, { index: i + 1 }));
          });
          const mined = s.clusters.reduce((a, b) => (b.count > a.count ? b : a));
          const distinctFills = new Set(fills.map((f) => f.join(' '))).size;
          // Every instance lands in one template unless all fills were identical.
          if (distinctFills > 1) expect(mined.count).toBe(12);
          for (const c of constants) expect(mined.tokens).toContain(c);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps memory bounded: at most maxClusters templates', () => {
    const d = createTemplatesDetector({ maxClusters: 10 });
    const s = d.create();
    for (let i = 0; i < 300; i++)
      d.update(s, viewOf(`${HUMAN_PROMPTS[i % 30]} variant ${'x'.repeat(i % 7)}${i}`, { index: i + 1 }));
    expect(s.clusters.length).toBeLessThanOrEqual(10);
  });

  it('merges two accounts running the same template', () => {
    const d = createTemplatesDetector();
    const a = d.create();
    const b = d.create();
    TOPICS.slice(0, 10).forEach((t, i) => {
      d.update(a, viewOf(evolPrompt(`Describe ${t}.`), { index: i + 1 }));
    });
    TOPICS.slice(10).forEach((t, i) => {
      d.update(b, viewOf(evolPrompt(`Describe ${t}.`), { index: i + 1 }));
    });
    d.merge(a, b);
    expect(a.requests).toBe(20);
    expect(Math.max(...a.clusters.map((c) => c.count))).toBe(20);
  });
});

describe('templates detector, fixed instruction before a long fill', () => {
  it('groups prompts that share a 16-token instruction whatever follows', () => {
    const d = createTemplatesDetector();
    const s = d.create();
    const articles = HUMAN_PROMPTS.map(
      (p) => `${p} ${p.split('').reverse().join('')} ${'filler words here '.repeat(5)}`,
    );
    articles.forEach((a, i) => {
      d.update(
        s,
        viewOf(
          `Write a short, catchy headline for this news article. Reply with the headline only.\n\n${a}`,
          { index: i + 1 },
        ),
      );
    });
    expect(Math.max(...s.clusters.map((c) => c.count))).toBe(articles.length);
  });
});
