import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyedHasher, KGRAM_WORDS, outputFingerprints, UNKNOWN_POSITION } from '../fingerprint/index.js';
import { normalizeText } from '../normalize/index.js';
import { PostingIndex } from '../registry/posting-index.js';
import {
  type Anchor,
  CHAIN_GAP,
  candidateScore,
  chainCoverage,
  coverageOf,
  documentEvidence,
  documentLanguage,
} from './evidence.js';

function naiveCoverage(positions: number[], words: number): number {
  const covered = new Uint8Array(words);
  for (const p of positions) covered.fill(1, p, Math.min(words, p + KGRAM_WORDS));
  return words === 0 ? 0 : covered.reduce((a, b) => a + b, 0) / words;
}

describe('coverageOf', () => {
  it('equals the share of words inside the k-grams (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(60)), fc.integer({ min: 0, max: 70 }), (positions, words) => {
        expect(coverageOf(positions, words)).toBeCloseTo(naiveCoverage(positions, words), 12);
      }),
    );
  });
});

describe('chainCoverage', () => {
  const everyEighthWord = (output: (i: number) => number): Anchor[] =>
    Array.from({ length: 25 }, (_, i) => ({ document: i * 8, output: output(i) }));

  it('covers a document whose matches line up with the output from the first to the last', () => {
    // 25 matches every 8 words of a 200-word document, in the output's order (a substituted copy)
    expect(
      chainCoverage(
        everyEighthWord((i) => i * 8 + 40),
        200,
      ),
    ).toBeCloseTo((24 * 8 + KGRAM_WORDS) / 200);
  });

  it('covers only the matched k-grams when they come in another order than in the output', () => {
    const scattered = everyEighthWord((i) => ((i * 7) % 25) * 8 + 3 * (i % 2));
    const own = coverageOf(
      scattered.map((a) => a.document),
      200,
    );
    expect(own).toBeCloseTo((25 * KGRAM_WORDS) / 200);
    expect(chainCoverage(scattered, 200)).toBeCloseTo(own);
  });

  it('chains only matches on one diagonal, CHAIN_GAP words apart at most, with known positions', () => {
    const pair = (document: number, output: number): number =>
      chainCoverage(
        [
          { document: 0, output: 100 },
          { document, output },
        ],
        400,
      );
    const alone = (2 * KGRAM_WORDS) / 400;
    expect(pair(20, 120)).toBeCloseTo((20 + KGRAM_WORDS) / 400);
    expect(pair(20, 121)).toBeCloseTo(alone); // the document dropped a word of the output
    expect(pair(20, 119)).toBeCloseTo(alone); // the document added one
    expect(pair(CHAIN_GAP, 100 + CHAIN_GAP)).toBeCloseTo((CHAIN_GAP + KGRAM_WORDS) / 400);
    expect(pair(CHAIN_GAP + 1, 100 + CHAIN_GAP + 1)).toBeCloseTo(alone);
    expect(pair(20, UNKNOWN_POSITION)).toBeCloseTo(alone);
  });

  it('compares gaps in alignment offsets when they are given (characters of unspaced scripts)', () => {
    // Two Chinese anchors 10 words but 20 characters apart in the document, 20 apart in the output.
    const anchors: Anchor[] = [
      { document: 0, offset: 0, output: 50 },
      { document: 10, offset: 20, output: 70 },
    ];
    expect(chainCoverage(anchors, 20)).toBeCloseTo((10 + KGRAM_WORDS) / 20);
    // 10 apart in the output, as far as in document words: not on the diagonal of offsets
    expect(chainCoverage([anchors[0], { ...anchors[1], output: 60 }], 20)).toBeCloseTo(
      (2 * KGRAM_WORDS) / 20,
    );
  });

  it('counts the union of overlapping chains once', () => {
    // two chains on different diagonals whose spans overlap, and one match inside both
    const anchors: Anchor[] = [
      { document: 0, output: 10 },
      { document: 10, output: 300 },
      { document: 30, output: 40 },
      { document: 40, output: 330 },
    ];
    expect(chainCoverage(anchors, 100)).toBeCloseTo(45 / 100);
  });
});

describe('documentEvidence', () => {
  const hasher = new KeyedHasher(Buffer.alloc(32, 4));
  const served =
    'The committee met on a wet Tuesday and agreed that the bridge repairs would start in spring, after the river level drops and the contractors finish the survey of the old stone piers.';
  const index = new PostingIndex();
  const fingerprints = outputFingerprints(hasher, normalizeText(served).words, null);
  fingerprints.keys.forEach((key, i) => {
    index.load(key, 7, fingerprints.positions[i]);
  });
  index.rebuild();

  it('finds the output a document copies, with its containment and coverage', () => {
    const evidence = documentEvidence(`Notes. ${served} Other words follow here.`, hasher, index);
    expect(evidence.tooShort).toBe(false);
    expect(evidence.candidates[0]).toMatchObject({ ordinal: 7, containment: 1 });
    expect(evidence.candidates[0].coverage).toBeGreaterThan(0.7);
    expect(evidence.candidates[0].alignedCoverage).toBeGreaterThanOrEqual(evidence.candidates[0].coverage);
    expect(evidence.candidates[0].score).toBeCloseTo(
      candidateScore(evidence.candidates[0].shared, 1, evidence.candidates[0].alignedCoverage),
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
