// kill -9 loop benchmark: `npx tsx bench/reliability/kill-loop.ts [--backend sqlite|postgres] [--kills 20]
// [--concurrency 4]`. Prints the report and writes it to bench/reliability/results/kill-loop-<backend>.json.
// The postgres backend starts a private PostgreSQL (port 55432) and Redis (port 16379) and removes them after.
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runKillLoop } from '../../test/reliability/kill-loop-harness.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'sqlite' },
    kills: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '4' },
  },
});
const backend = values.backend === 'postgres' ? 'postgres' : 'sqlite';
const report = await runKillLoop({
  backend,
  kills: Number(values.kills),
  concurrency: Number(values.concurrency),
  log: (line) => process.stderr.write(`${line}\n`),
});
const ok =
  report.completeWithoutEvent === 0 &&
  report.duplicateRequestEvents === 0 &&
  report.meteredRequests === report.events &&
  report.meteringCursor >= report.maxSeq &&
  report.registryCursor >= report.maxSeq &&
  report.servedWithoutRegistry === 0 &&
  report.registryWithoutEvent === 0 &&
  (backend === 'postgres' || report.integrity === 'ok');
const out = {
  command: `npx tsx bench/reliability/kill-loop.ts --backend ${backend} --kills ${values.kills} --concurrency ${values.concurrency}`,
  at: new Date().toISOString(),
  ok,
  ...report,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL(`./results/kill-loop-${backend}.json`, import.meta.url),
  `${JSON.stringify(out, null, 2)}\n`,
);
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
process.exitCode = ok ? 0 : 1;
