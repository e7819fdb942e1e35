import { describe, expect, it } from 'vitest';
import {
  predictionTest,
  regularizedBeta,
  seededRandom,
  signFlipTest,
  studentTSurvival,
} from './statistics.js';

describe('studentTSurvival', () => {
  it('matches tabulated quantiles of the t distribution', () => {
    // Critical values from standard t tables (one-sided).
    expect(studentTSurvival(2.015, 5)).toBeCloseTo(0.05, 3);
    expect(studentTSurvival(3.365, 5)).toBeCloseTo(0.01, 3);
    expect(studentTSurvival(12.706, 1)).toBeCloseTo(0.025, 3);
    expect(studentTSurvival(1.96, 10_000)).toBeCloseTo(0.025, 3);
    expect(studentTSurvival(0, 7)).toBeCloseTo(0.5, 10);
    expect(studentTSurvival(-2.015, 5)).toBeCloseTo(0.95, 3);
  });
  it('regularizedBeta is the uniform CDF for a = b = 1', () => {
    expect(regularizedBeta(0.3, 1, 1)).toBeCloseTo(0.3, 12);
  });
});

describe('signFlipTest', () => {
  it('enumerates exactly for small n', () => {
    // All differences positive: only the identity assignment reaches the observed sum.
    expect(signFlipTest([1, 2, 3]).p).toBeCloseTo(1 / 8, 12);
    expect(signFlipTest([1, 1, 1, 1, -1]).p).toBeCloseTo(6 / 32, 12);
  });
  it('is small for a clear shift and large for none', () => {
    const random = seededRandom(7);
    const shifted = Array.from({ length: 200 }, () => random() - 0.3);
    const centred = Array.from({ length: 200 }, () => random() - 0.5);
    expect(signFlipTest(shifted).p).toBeLessThan(0.001);
    expect(signFlipTest(centred.map((x) => -Math.abs(x))).p).toBeGreaterThan(0.99);
  });
  it('is reproducible for a seed', () => {
    const random = seededRandom(3);
    const d = Array.from({ length: 50 }, () => random() - 0.45);
    expect(signFlipTest(d, { seed: 11 }).p).toBe(signFlipTest(d, { seed: 11 }).p);
  });
});

describe('predictionTest', () => {
  it('flags a value far above the references and not one among them', () => {
    const refs = [0.1, 0.12, 0.09, 0.11, 0.1];
    expect(predictionTest(0.5, refs).p).toBeLessThan(0.001);
    expect(predictionTest(0.105, refs).p).toBeGreaterThan(0.3);
    expect(predictionTest(0.5, refs).df).toBe(4);
  });
  it('needs two references', () => {
    expect(() => predictionTest(1, [1])).toThrow(/two reference/);
  });
});
