// The full fuzzing run: `npx tsx bench/reliability/fuzz.ts [--requests 100000] [--lines 10000] [--seed N]`.
// Prints the figures and writes bench/reliability/results/fuzz.json; exits 1 on the first broken property.
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fuzzApis, fuzzDetect, fuzzTextFiles } from '../../test/security/fuzz-harness.js';
import { startInProcessGateway } from '../../test/security/in-process-gateway.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '100000' },
    lines: { type: 'string', default: '10000' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
  },
});
const seed = Number(values.seed);
const gw = await startInProcessGateway();
let api: Awaited<ReturnType<typeof fuzzApis>>;
try {
  api = await fuzzApis(gw, { runs: Number(values.requests), seed });
} finally {
  await gw.close();
}
const detect = await fuzzDetect({ minBadLines: Number(values.lines), seed });
const files = await fuzzTextFiles({ minBadLines: Number(values.lines), seed });
const out = {
  command: `npx tsx bench/reliability/fuzz.ts --requests ${values.requests} --lines ${values.lines} --seed ${seed}`,
  at: new Date().toISOString(),
  api,
  detect,
  trace: files.trace,
  registry: files.registry,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/fuzz.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
