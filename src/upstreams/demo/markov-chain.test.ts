import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildMarkovChain, generateText, textWords } from './markov-chain.js';
import { seededRandom } from './seeded-random.js';

const TEXT = `Chapter 1

The cat sat on the mat. The dog sat on the _rug_ today! A bird sang on the roof and
the cat sat on the roof. “Why?” said the dog. The bird flew off.`;

describe('markov chain', () => {
  it('reads words without headings or italics underscores', () => {
    expect(textWords(TEXT).slice(0, 12)).toEqual([
      'The',
      'cat',
      'sat',
      'on',
      'the',
      'mat.',
      'The',
      'dog',
      'sat',
      'on',
      'the',
      'rug',
    ]);
  });

  it('only produces word triples that occur in the text, starting at sentence starts', () => {
    const chain = buildMarkovChain(TEXT);
    const words = textWords(TEXT);
    const triples = new Set(words.slice(2).map((w, i) => `${words[i]} ${words[i + 1]} ${w}`));
    const starts = new Set(chain.sentenceStarts.map((i) => words[i]));
    expect([...starts].sort()).toEqual(['A', 'The', '“Why?”']);
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 60 }), (seed, target) => {
        const { words: out } = generateText(chain, seededRandom(seed), target);
        expect(starts.has(out[0])).toBe(true);
        for (let i = 2; i < out.length; i++) {
          const triple = `${out[i - 2]} ${out[i - 1]} ${out[i]}`;
          // A triple not in the text is only allowed where the walk restarted at a sentence start.
          if (!triples.has(triple)) expect(starts.has(out[i - 1]) || starts.has(out[i])).toBe(true);
        }
      }),
    );
  });

  it('ends on a sentence end once the target is reached, and never exceeds maxWords', () => {
    const chain = buildMarkovChain(TEXT);
    fc.assert(
      fc.property(
        fc.string(),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 80 }),
        (seed, target, max) => {
          const result = generateText(chain, seededRandom(seed), target, max);
          expect(result.words.length).toBeLessThanOrEqual(max);
          if (result.words.length < max && result.words.length < target + 40) {
            expect(result.words.length).toBeGreaterThanOrEqual(target);
            expect(result.words.at(-1)).toMatch(/[.!?][”’"')\]]*$/);
          }
          if (result.words.length < max) expect(result.finished).toBe(true);
        },
      ),
    );
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const chain = buildMarkovChain(TEXT);
    const once = generateText(chain, seededRandom('a'), 30).words;
    expect(generateText(chain, seededRandom('a'), 30).words).toEqual(once);
    const others = ['b', 'c', 'd', 'e'].map((seed) =>
      generateText(chain, seededRandom(seed), 30).words.join(' '),
    );
    expect(others.some((text) => text !== once.join(' '))).toBe(true);
  });
});
