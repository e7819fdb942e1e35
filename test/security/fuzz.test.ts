// Property-based fuzzing (fast-check), a share of the full run: 12,000 generated malformed or hostile
// requests to the public and admin APIs in process, and ≥ 10,000 malformed lines each to `detect`,
// `trace` and `registry add`. Properties: no crash, no 5xx, errors in the documented shape, nothing
// written for refused input. The 100,000-request run is bench/reliability/fuzz.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzApis, fuzzDetect, fuzzTextFiles } from './fuzz-harness.js';
import { type InProcessGateway, startInProcessGateway } from './in-process-gateway.js';

const SEED = Number(process.env.WARDEN_FUZZ_SEED ?? Date.now() % 1_000_000);

let gw: InProcessGateway;
beforeAll(async () => {
  gw = await startInProcessGateway();
});
afterAll(async () => {
  await gw?.close();
});

describe(`fuzzing (seed ${SEED}; rerun with WARDEN_FUZZ_SEED=${SEED})`, () => {
  it('12,000 hostile requests to the public and admin APIs: no 5xx, shaped errors, nothing written when refused', async () => {
    const stats = await fuzzApis(gw, { runs: 12_000, seed: SEED });
    expect(stats.requests).toBe(12_000);
    expect(stats.accepted).toBeGreaterThan(0);
    expect(Object.keys(stats.byStatus).every((s) => Number(s) < 500)).toBe(true);
  }, 120_000);

  it('≥ 10,000 malformed lines to detect: each skipped and reported by line number; --strict exits 2', async () => {
    const stats = await fuzzDetect({ minBadLines: 10_000, seed: SEED });
    expect(stats.malformedLines).toBeGreaterThanOrEqual(10_000);
  }, 120_000);

  it('≥ 10,000 malformed lines each to trace and registry add: exit 2 naming the line, nothing written', async () => {
    const { trace, registry } = await fuzzTextFiles({ minBadLines: 10_000, seed: SEED });
    expect(trace.malformedLines).toBeGreaterThanOrEqual(10_000);
    expect(registry.malformedLines).toBeGreaterThanOrEqual(10_000);
  }, 120_000);
});
