import { describe, expect, it } from 'vitest';
import {
  type Canary,
  compareWithCanaries,
  type ModelAnswer,
  type ReferenceModel,
} from './canary-comparison.js';
import { seededRandom } from './statistics.js';

// A synthetic world: each prompt has a "task answer" (what any competent model would say); the served
// model and every independent model rewrite a share of its words their own way. A model's rewrite
// rate is its own (models differ), drawn from the same population for the references and a null
// suspect. A student copies the served outputs, whole or in part.
interface World {
  canaries: Canary[];
  references: ReferenceModel[];
  independent(): ModelAnswer[];
  student(copyShare: number): ModelAnswer[];
}

function makeWorld(seed: number, { canaries = 120, references = 6, length = 40 } = {}): World {
  const random = seededRandom(seed);
  const word = () => `w${Math.floor(random() * 5000)}`;
  const tasks = Array.from({ length: canaries }, () => Array.from({ length }, word));
  const rewrite = (tokens: string[], rate: number) => tokens.map((t) => (random() < rate ? word() : t));
  const modelRate = () => 0.25 + 0.25 * random();
  const served = tasks.map((t) => rewrite(t, 0.35));
  const canarySet = served.map((tokens, i) => ({
    id: `c${i}`,
    prompt: `prompt ${i}`,
    output: tokens.join(' '),
  }));
  const independent = (): ModelAnswer[] => {
    const rate = modelRate();
    return tasks.map((t, i) => ({ id: `c${i}`, output: rewrite(t, rate).join(' ') }));
  };
  return {
    canaries: canarySet,
    references: Array.from({ length: references }, (_, j) => ({ name: `ref${j}`, answers: independent() })),
    independent,
    student: (copyShare) =>
      served.map((tokens, i) => ({
        id: `c${i}`,
        output: (random() < copyShare ? tokens : rewrite(tasks[i], modelRate())).join(' '),
      })),
  };
}

describe('compareWithCanaries on synthetic data', () => {
  it('gives p < 0.01 to a suspect that copies the served outputs', () => {
    const world = makeWorld(1);
    const result = compareWithCanaries(world.canaries, world.student(1), world.references);
    expect(result.ran).toBe(true);
    expect(result.n).toBe(120);
    expect(result.p_canary).toBeLessThan(0.01);
    expect(result.p_model).toBeLessThan(0.01);
    expect(result.p_value).toBeLessThan(0.01);
    expect(result.suspect_coverage).toBeCloseTo(1, 5);
  });

  it('gives p < 0.01 to a student that reproduces a third of the served outputs', () => {
    const world = makeWorld(2);
    expect(compareWithCanaries(world.canaries, world.student(1 / 3), world.references).p_value).toBeLessThan(
      0.01,
    );
  });

  it('does not flag a suspect drawn from the null (fixed seed)', () => {
    const world = makeWorld(3);
    const result = compareWithCanaries(world.canaries, world.independent(), world.references);
    expect(result.p_value).toBeGreaterThanOrEqual(0.01);
  });

  it('keeps the between-model p-value roughly uniform and the audit p-value conservative under the null', () => {
    const pModel: number[] = [];
    const pAudit: number[] = [];
    for (let seed = 100; seed < 160; seed++) {
      const world = makeWorld(seed, { canaries: 40 });
      const result = compareWithCanaries(world.canaries, world.independent(), world.references, {
        permutations: 500,
      });
      pModel.push(result.p_model);
      pAudit.push(result.p_value);
    }
    const below = (xs: number[], a: number) => xs.filter((p) => p < a).length / xs.length;
    const mean = pModel.reduce((a, b) => a + b, 0) / pModel.length;
    expect(mean).toBeGreaterThan(0.3);
    expect(mean).toBeLessThan(0.7);
    expect(below(pModel, 0.2)).toBeLessThan(0.35);
    expect(below(pModel, 0.2)).toBeGreaterThan(0.05);
    expect(below(pAudit, 0.05)).toBeLessThanOrEqual(0.1);
  });

  it('returns the canaries that carry the evidence, with both texts and the shared phrases', () => {
    const world = makeWorld(4);
    const result = compareWithCanaries(world.canaries, world.student(1), world.references, { top: 3 });
    expect(result.top).toHaveLength(3);
    const first = result.top[0];
    expect(first.answer).toBe(first.served);
    expect(first.prompt).toMatch(/^prompt /);
    expect(first.shared.length).toBeGreaterThan(0);
    expect(first.coverage).toBeGreaterThan(first.reference_coverage);
  });

  it('does not run without two reference models, and says why', () => {
    const world = makeWorld(5);
    const result = compareWithCanaries(world.canaries, world.student(1), world.references.slice(0, 1));
    expect(result.ran).toBe(false);
    expect(result.reason).toMatch(/at least two reference models/);
    expect(result.p_value).toBe(1);
  });

  it('counts canaries without a suspect or reference answer as skipped', () => {
    const world = makeWorld(6, { canaries: 10 });
    const suspect = world.student(1).slice(0, 8);
    const references = world.references.map((r) => ({ ...r, answers: r.answers.slice(1) }));
    const result = compareWithCanaries(world.canaries, suspect, references);
    expect(result.skipped.no_answer).toBe(2);
    expect(result.skipped.no_reference_answer).toBe(1);
    expect(result.n).toBe(7);
  });
});
