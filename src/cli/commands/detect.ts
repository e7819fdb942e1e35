// `warden detect --traffic FILE [--policy FILE] [--strict] --json`: runs the detection engine over a
// traffic file (DESIGN.md "Traffic file") and prints each account's verdict. Malformed lines are
// reported on stderr with their line number and skipped; with --strict the first one fails the run
// (exit 2, bad input, nothing printed). A malformed policy fails at load (exit 2).
import { createReadStream, existsSync } from 'node:fs';
import type { Command } from 'commander';
import { type AccountAssessment, createDetectionEngine } from '../../detect/engine.js';
import { parseTrafficLine } from '../../events/traffic-record.js';
import { loadPolicy, type Policy } from '../../policy/policy.js';
import { usageError } from '../exit-error.js';
import { formatTable, printResult } from '../output.js';

export interface DetectOptions {
  traffic: string;
  policy?: string;
  strict?: boolean;
  /** Where malformed-line warnings go (default: stderr). */
  warn?: (message: string) => void;
}

export interface DetectResult {
  accounts: AccountAssessment[];
}

export interface DetectRun {
  result: DetectResult;
  lines: number;
  skipped: number;
  /** Wall-clock seconds of the run (read, parse, detect, assess). */
  seconds: number;
  /** CPU seconds (user + system) of this process during the run: throughput on one core. */
  cpuSeconds: number;
}

export function register(program: Command): void {
  program
    .command('detect')
    .description('Detect distillation in a traffic file (JSONL) and print a verdict per account')
    .requiredOption('--traffic <file>', 'traffic file, one JSON request record per line')
    .option('--policy <file>', 'policy file (default: policies/default.yaml)')
    .option('--strict', 'fail (exit 2) on the first malformed line instead of skipping it')
    .option('--json', 'print JSON')
    .action(async (options: { traffic: string; policy?: string; strict?: boolean; json?: boolean }) => {
      const run = await detect(options);
      printResult(run.result, options, renderTable);
    });
}

/** Runs detection over a traffic file. Throws ExitError(2) on a bad policy, file or (strict) line. */
export async function detect(options: DetectOptions): Promise<DetectRun> {
  const warn = options.warn ?? ((m: string) => process.stderr.write(`warden detect: ${m}\n`));
  let policy: Policy;
  try {
    policy = loadPolicy(options.policy);
  } catch (error) {
    throw usageError((error as Error).message);
  }
  if (!existsSync(options.traffic)) throw usageError(`${options.traffic}: no such traffic file`);
  const engine = createDetectionEngine({ policy });
  const started = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let lineNo = 0;
  let skipped = 0;
  for await (const line of readLines(options.traffic)) {
    lineNo++;
    if (line.trim() === '') continue;
    const parsed = parseTrafficLine(line);
    if (typeof parsed === 'string') {
      const message = `${options.traffic}:${lineNo}: ${parsed}`;
      if (options.strict) throw usageError(`${message} (--strict)`);
      warn(`${message} (skipped)`);
      skipped++;
      continue;
    }
    engine.ingest(parsed);
  }
  const accounts = engine
    .accounts()
    .map((a) => engine.assess(a))
    .sort((a, b) => b.risk - a.risk || a.account.localeCompare(b.account));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  return { result: { accounts }, lines: lineNo, skipped, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

async function* readLines(path: string): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const text = rest + (chunk as string);
    let start = 0;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
      yield text.slice(start, i);
      start = i + 1;
    }
    rest = text.slice(start);
  }
  if (rest !== '') yield rest;
}

function renderTable(result: DetectResult): string {
  if (result.accounts.length === 0) return 'no requests';
  return formatTable(
    ['ACCOUNT', 'REQUESTS', 'RISK', 'VERDICT', 'DETECTED AFTER', 'TOP SIGNALS', 'LINKED'],
    result.accounts.map((a) => [
      a.account,
      a.requests,
      a.risk,
      a.verdict,
      a.detected_after,
      a.signals
        .slice(0, 3)
        .map((s) => `${s.id} ${s.score.toFixed(2)}`)
        .join(', ') || null,
      a.linked.join(', ') || null,
    ]),
  );
}
