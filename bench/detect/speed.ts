// Throughput of `warden detect` on a traffic file, in a fresh process (no bench data in memory):
// prints `{"lines", "seconds", "requests_per_second"}`. Used by run.ts; also runnable alone:
// `npx tsx bench/detect/speed.ts FILE [POLICY]`.
import { detect } from '../../src/cli/commands/detect.js';

const [file, policy] = process.argv.slice(2);
const run = await detect({ traffic: file, policy, warn: () => {} });
process.stdout.write(
  `${JSON.stringify({ lines: run.lines, seconds: run.seconds, cpu_seconds: run.cpuSeconds, requests_per_cpu_second: run.lines / run.cpuSeconds, requests_per_second: run.lines / run.seconds })}\n`,
);
