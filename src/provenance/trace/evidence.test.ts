import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyedHasher, KGRAM_WORDS, outputFingerprints } from '../fingerprint/index.js';
import { normalizeText } from '../normalize/index.js';
import { PostingIndex } from '../registry/posting-index.js';
import { candidateScore, coverageOf, documentEvidence, documentLanguage } from './evidence.js';

function naiveCoverage(positions: number[], words: number, margin: number): number {
  const covered = new Uint8Array(words);
  for (const p of positions)
    covered.fill(1, Math.max(0, p - margin), Math.min(words, p + KGRAM_WORDS + margin));
  return words === 0 ? 0 : covered.reduce((a, b) => a + b, 0) / words;
}

describe('coverageOf', () => {
  it('equals the share of words inside the k-grams (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(60)),
        fc.integer({ min: 0, max: 70 }),
        fc.nat(10),
        (positions, words, margin) => {
          expect(coverageOf(positions, words, margin)).toBeCloseTo(
            naiveCoverage(positions, words, margin),
            12,
          );
        },
      ),
    );
  });
});

describe('documentEvidence', () => {
  const hasher = new KeyedHasher(Buffer.alloc(32, 4));
  const served =
    'The committee met on a wet Tuesday and agreed that the bridge repairs would start in spring, after the river level drops and the contractors finish the survey of the old stone piers.';
  const index = new PostingIndex();
  for (const key of outputFingerprints(hasher, normalizeText(served).words, null)) index.load(key, 7);
  index.rebuild();

  it('finds the output a document copies, with its containment and coverage', () => {
    const evidence = documentEvidence(`Notes. ${served} Other words follow here.`, hasher, index);
    expect(evidence.tooShort).toBe(false);
    expect(evidence.candidates[0]).toMatchObject({ ordinal: 7, containment: 1 });
    expect(evidence.candidates[0].coverage).toBeGreaterThan(0.7);
    expect(evidence.candidates[0].gappedCoverage).toBeGreaterThanOrEqual(evidence.candidates[0].coverage);
    expect(evidence.candidates[0].score).toBeCloseTo(
      candidateScore(evidence.candidates[0].shared, 1, evidence.candidates[0].gappedCoverage),
    );
  });

  it('says too short below the guarantee length, and finds nothing in unrelated text', () => {
    expect(documentEvidence('the bridge repairs would start', hasher, index).tooShort).toBe(true);
    expect(
      documentEvidence(
        'A completely different sentence about cooking rice and beans for dinner tonight.',
        hasher,
        index,
      ).candidates,
    ).toEqual([]);
  });

  it('tells Chinese documents from the rest', () => {
    expect(documentLanguage(normalizeText('我们应该认真学习这个问题').words)).toBe('zh');
    expect(documentLanguage(normalizeText('we should study this 问题 carefully').words)).toBe('other');
  });
});
