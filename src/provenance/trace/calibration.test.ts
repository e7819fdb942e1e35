import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { minimumEvidence, scoreThreshold, tooShortToDecide } from './calibration.js';
import { candidateScore, fingerprintCapacity } from './evidence.js';

describe('minimumEvidence', () => {
  it('is the fewest fingerprints whose full copy reaches the threshold (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 0.99, noNaN: true }), (threshold) => {
        const minimum = minimumEvidence(threshold);
        expect(candidateScore(minimum, 1, 1)).toBeGreaterThanOrEqual(threshold);
        if (minimum > 3) expect(candidateScore(minimum - 1, 1, 1)).toBeLessThan(threshold);
      }),
    );
  });

  it('asks more evidence of a stricter rate', () => {
    expect(minimumEvidence(scoreThreshold(0.001))).toBeGreaterThanOrEqual(
      minimumEvidence(scoreThreshold(0.01)),
    );
  });
});

describe('tooShortToDecide', () => {
  const threshold = scoreThreshold(0.001);
  const minimum = minimumEvidence(threshold);
  const long = { tooShort: false, capacity: fingerprintCapacity(200) };

  it('says so for a document too short to carry the evidence a match needs', () => {
    expect(tooShortToDecide({ tooShort: false, capacity: minimum - 1 }, undefined, threshold, minimum)).toBe(
      true,
    );
    expect(tooShortToDecide({ tooShort: true, capacity: 100 }, undefined, threshold, minimum)).toBe(true);
    expect(tooShortToDecide(long, undefined, threshold, minimum)).toBe(false);
  });

  it('says so when the document holds most of an output too small to certify, not otherwise', () => {
    const small = { shared: minimum - 1, fingerprints: minimum - 1, containment: 1, score: threshold / 2 };
    expect(tooShortToDecide(long, small, threshold, minimum)).toBe(true);
    // a large output only partly shared: a real "no"
    expect(
      tooShortToDecide(
        long,
        { shared: 5, fingerprints: 100, containment: 0.05, score: 0.01 },
        threshold,
        minimum,
      ),
    ).toBe(false);
    // a small output barely touched: a real "no"
    expect(tooShortToDecide(long, { ...small, shared: 3, containment: 0.3 }, threshold, minimum)).toBe(false);
  });
});
