// `warden audit-model --endpoint URL [--api-key K] [--model M] [--canaries FILE] [--answers FILE]
//  [--reference FILE…] [--samples N] [--brands LIST] [--allow-private] [--json] [--report out.html]
//  [--save-answers FILE] [--db URL] [--account NAME]`: probes a suspect OpenAI-compatible model and
// reports evidence that it learned from our served outputs (see src/provenance/audit-model/).
import { writeFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import {
  AuditFileError,
  type AuditModelResult,
  AuditUsageError,
  type Canary,
  DEFAULT_BRANDS,
  type ReferenceModel,
  readAnswerFile,
  readCanaryFile,
  referenceName,
  renderAuditReport,
  auditModel as runAudit,
} from '../../provenance/audit-model/index.js';
import { listCanaries } from '../../provenance/index.js';
import { openStore, resolveDbUrl } from '../../store/open-store.js';
import { ExitError, usageError } from '../exit-error.js';
import { formatTable, printResult } from '../output.js';

export interface AuditModelCommandOptions {
  endpoint?: string;
  apiKey?: string;
  model?: string;
  canaries?: string;
  answers?: string;
  reference?: string[];
  samples?: string | number;
  brands?: string;
  allowPrivate?: boolean;
  report?: string;
  saveAnswers?: string;
  db?: string;
  account?: string;
  seed?: string | number;
  concurrency?: string | number;
  timeout?: string | number;
  alpha?: string | number;
  /** Progress callback (the CLI draws a bar on a TTY). */
  onProgress?: (done: number, total: number) => void;
  /** DNS resolver, for tests. */
  resolve?: (host: string) => Promise<string[]>;
}

function positiveInteger(value: string | number | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw usageError(`${flag} must be a positive integer (got "${value}")`);
  return n;
}

function probability(value: string | number | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0 && n < 1)) throw usageError(`${flag} must be a number between 0 and 1 (got "${value}")`);
  return n;
}

async function registryCanaries(db: string | undefined, limit: number | undefined, account?: string) {
  const store = await openStore(resolveDbUrl(db));
  try {
    const rows = await listCanaries(store, { limit, account });
    return rows.map((r) => ({ id: r.id, prompt: r.prompt, output: r.output }));
  } finally {
    await store.close();
  }
}

/** Loads the inputs, runs the audit and writes the requested files. Throws ExitError on bad input. */
export async function auditModel(options: AuditModelCommandOptions): Promise<AuditModelResult> {
  const samples = positiveInteger(options.samples, '--samples');
  const seed = positiveInteger(options.seed, '--seed') ?? 1;
  const concurrency = positiveInteger(options.concurrency, '--concurrency') ?? 4;
  const timeoutSeconds = positiveInteger(options.timeout, '--timeout') ?? 60;
  const alpha = probability(options.alpha, '--alpha') ?? 0.01;
  if (!options.endpoint && !options.answers)
    throw usageError('pass --endpoint URL (the suspect model) or --answers FILE');
  if (options.endpoint && options.answers) throw usageError('pass either --endpoint or --answers, not both');
  const brands = options.brands
    ? options.brands
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean)
    : DEFAULT_BRANDS;
  if (brands.length === 0) throw usageError('--brands names no brand');

  let canaries: Canary[];
  let references: ReferenceModel[];
  let answers: Awaited<ReturnType<typeof readAnswerFile>> | undefined;
  try {
    canaries = options.canaries
      ? await readCanaryFile(options.canaries)
      : await registryCanaries(options.db, samples, options.account);
    references = await Promise.all(
      (options.reference ?? []).map(async (path) => ({
        name: referenceName(path),
        answers: await readAnswerFile(path),
      })),
    );
    if (options.answers) answers = await readAnswerFile(options.answers);
  } catch (error) {
    if (error instanceof AuditFileError) throw usageError(error.message);
    throw error;
  }
  if (canaries.length === 0)
    throw usageError('the canary set is empty: serve traffic first or pass --canaries FILE');
  const names = references.map((r) => r.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate)
    throw usageError(
      `two reference files are named "${duplicate}"; give each reference model its own file name`,
    );

  let result: AuditModelResult;
  try {
    result = await runAudit({
      endpoint: options.endpoint,
      apiKey: options.apiKey ?? process.env.WARDEN_AUDIT_API_KEY,
      model: options.model,
      canaries,
      answers,
      references,
      samples,
      brands,
      allowPrivate: options.allowPrivate ?? false,
      alpha,
      seed,
      concurrency,
      timeoutMs: timeoutSeconds * 1000,
      onProgress: options.onProgress,
      resolve: options.resolve,
    });
  } catch (error) {
    if (error instanceof AuditUsageError) throw usageError(error.message);
    throw new ExitError(error instanceof Error ? error.message : String(error));
  }
  if (options.report) writeFileSync(options.report, renderAuditReport(result));
  if (options.saveAnswers) {
    writeFileSync(options.saveAnswers, result.answers.map((a) => `${JSON.stringify(a)}\n`).join(''));
  }
  return result;
}

function renderHuman(result: AuditModelResult): string {
  const t = result.canary_test;
  const lines = [`verdict: ${result.verdict}`, ...result.reasons.map((r) => `  - ${r}`)];
  if (t.ran) {
    lines.push(
      '',
      formatTable(
        ['model', 'distinctive-ngram coverage'],
        [
          ['suspect', t.suspect_coverage.toFixed(4)],
          ...t.references.map((r) => [r.name, r.coverage.toFixed(4)]),
        ],
      ),
    );
    if (t.top.length) {
      lines.push('', 'top canaries:');
      for (const c of t.top) {
        lines.push(
          `  ${c.id}: coverage ${c.coverage.toFixed(3)} vs references ${c.reference_coverage.toFixed(3)}; shared: ${c.shared.slice(0, 4).join(' | ')}`,
        );
      }
    }
  }
  const hits = result.self_identification?.hits ?? [];
  if (hits.length) {
    lines.push('', 'self-identification answers naming our brands:');
    for (const h of hits.slice(0, 10))
      lines.push(`  [${h.language}] ${h.prompt} → ${h.answer.replace(/\s+/g, ' ').slice(0, 160)}`);
  }
  return lines.join('\n');
}

function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function register(program: Command): void {
  program
    .command('audit-model')
    .description(
      'Probe a suspect OpenAI-compatible model for evidence that it learned from our served outputs',
    )
    .option('--endpoint <url>', "the suspect's OpenAI-compatible base URL (…/v1)")
    .option('--api-key <key>', "the suspect endpoint's API key (or $WARDEN_AUDIT_API_KEY)")
    .option('--model <name>', 'model name to ask for (default: the first one /models lists)')
    .option('--canaries <file>', 'canaries JSONL {id, prompt, output} (default: the registry canary set)')
    .option('--answers <file>', "the suspect's answers collected earlier, JSONL {id, output}: no network")
    .option(
      '--reference <file...>',
      'reference model answers JSONL {id, output}, one file per model',
      collectList,
    )
    .option('--samples <n>', 'canaries to use at most (seeded sample)')
    .option(
      '--brands <list>',
      `our model and brand names, comma-separated (default "${DEFAULT_BRANDS.join(',')}")`,
    )
    .option('--allow-private', 'allow a private, loopback or link-local endpoint')
    .option('--alpha <p>', 'significance level of the verdict (default 0.01)')
    .option('--seed <n>', 'seed of the canary sample and the permutation test (default 1)')
    .option('--concurrency <n>', 'requests in flight (default 4)')
    .option('--timeout <seconds>', 'time bound of each request (default 60)')
    .option('--report <file>', 'write a self-contained HTML report')
    .option('--save-answers <file>', "write the suspect's canary answers as JSONL (reusable with --answers)")
    .option('--db <url>', 'database with the registry canary set (sqlite:PATH or postgres://…)')
    .option('--account <name>', 'use only canaries served to this account')
    .option('--json', 'print JSON')
    .action(async (options: AuditModelCommandOptions & { json?: boolean }) => {
      let bar: cliProgress.SingleBar | null = null;
      const onProgress =
        process.stderr.isTTY && !options.json
          ? (done: number, total: number) => {
              if (!bar) {
                bar = new cliProgress.SingleBar(
                  {
                    stream: process.stderr,
                    format: 'probing [{bar}] {value}/{total}',
                    clearOnComplete: true,
                  },
                  cliProgress.Presets.shades_classic,
                );
                bar.start(total, 0);
              }
              bar.update(done);
              if (done === total) bar.stop();
            }
          : undefined;
      try {
        const result = await auditModel({ ...options, onProgress });
        const { answers: _answers, ...printed } = result;
        printResult(printed as AuditModelResult, options, renderHuman);
      } finally {
        (bar as cliProgress.SingleBar | null)?.stop();
      }
    });
}
