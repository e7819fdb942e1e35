// `warden trace FILE… [--json] [--report out.html] [--fpr X] [--db URL]`: finds which documents of a
// suspect dataset are outputs we served, and to which account. With --json, one JSON line per
// document ({id, match, account, score, outputs, coverage, fpr, accounts}; match is null when the
// document is too short to decide) and the per-account summary on stderr; otherwise a table and the
// summary. A progress bar shows on a terminal. Malformed input fails the run (exit 2) with line numbers.
import { writeFile } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { loadDeploymentSecret } from '../../config/deployment-secret.js';
import {
  DEFAULT_FPR,
  openRegistry,
  renderTraceReport,
  summarizeTrace,
  type TraceResult,
  type TraceSummary,
} from '../../provenance/index.js';
import { describeProblems, readTextFiles } from '../../provenance/text-file/index.js';
import { openStore, resolveDbUrl } from '../../store/open-store.js';
import { usageError } from '../exit-error.js';
import { formatTable } from '../output.js';

export interface TraceCommandOptions {
  files: string[];
  db?: string;
  fpr?: number;
  /** Write the HTML report here. */
  report?: string;
  /** Called as documents are traced (the CLI draws a progress bar with it). */
  onProgress?: (done: number, total: number) => void;
}

export interface TraceCommandResult {
  results: TraceResult[];
  summary: TraceSummary;
  fpr: number;
}

/** The JSON line printed per document (the DESIGN.md contract plus coverage, fpr, accounts). */
export function traceLine(result: TraceResult): Record<string, unknown> {
  const { id, match, account, score, outputs, coverage, fpr, accounts } = result;
  return { id, match, account, score, outputs, coverage, fpr, accounts };
}

export function register(program: Command): void {
  program
    .command('trace')
    .description('Find which documents of a dataset are outputs we served, and to which account')
    .argument(
      '<files...>',
      'JSONL ({id, text}, chat completions, {messages}, {instruction, output}), .json array or .txt',
    )
    .option('--db <url>', 'database URL (sqlite:PATH or postgres://…)')
    .option('--fpr <rate>', 'false-positive rate the match threshold is set for', String(DEFAULT_FPR))
    .option('--report <file>', 'also write an HTML report with the matched spans highlighted')
    .option('--json', 'print one JSON line per document (summary on stderr)')
    .action(
      async (files: string[], options: { db?: string; fpr: string; report?: string; json?: boolean }) => {
        const fpr = Number(options.fpr);
        if (!(fpr > 0 && fpr <= 1)) throw usageError(`--fpr must be a rate in (0, 1], got "${options.fpr}"`);
        const bar = process.stderr.isTTY
          ? new cliProgress.SingleBar(
              {
                format: 'tracing [{bar}] {value}/{total} documents',
                stream: process.stderr,
                clearOnComplete: true,
              },
              cliProgress.Presets.shades_classic,
            )
          : null;
        let started = false;
        const run = await trace({
          files,
          db: options.db,
          fpr,
          report: options.report,
          onProgress: bar
            ? (done, total) => {
                if (!started) {
                  bar.start(total, 0);
                  started = true;
                }
                bar.update(done);
              }
            : undefined,
        });
        if (started) bar?.stop();
        if (options.json) {
          for (const result of run.results) process.stdout.write(`${JSON.stringify(traceLine(result))}\n`);
          process.stderr.write(`${renderSummary(run.summary)}\n`);
        } else {
          process.stdout.write(`${renderTable(run)}\n\n${renderSummary(run.summary)}\n`);
        }
      },
    );
}

/** Traces the documents of `files` against the registry of the database. */
export async function trace(options: TraceCommandOptions): Promise<TraceCommandResult> {
  const fpr = options.fpr ?? DEFAULT_FPR;
  if (!(fpr > 0 && fpr <= 1)) throw usageError(`the false-positive rate must be in (0, 1], got ${fpr}`);
  if (options.files.length === 0) throw usageError('name at least one file to trace');
  const { documents, problems } = await readTextFiles(options.files);
  if (problems.length > 0) throw usageError(describeProblems(problems));
  const dbUrl = resolveDbUrl(options.db);
  const store = await openStore(dbUrl);
  try {
    let secret: ReturnType<typeof loadDeploymentSecret>;
    try {
      secret = loadDeploymentSecret(dbUrl);
    } catch (error) {
      throw usageError((error as Error).message);
    }
    const registry = await openRegistry(store, secret);
    try {
      const results = await registry.trace(documents, {
        fpr,
        onProgress: options.onProgress,
        detail: options.report !== undefined,
      });
      if (options.report) {
        await writeFile(options.report, renderTraceReport(results, { documents, fpr }));
      }
      // The detail (spans, served texts) is for the report only.
      const plain = options.report
        ? results.map((r) => ({
            ...r,
            matches: r.matches.map(({ documentSpans, servedText, servedSpans, ...m }) => m),
          }))
        : results;
      return { results: plain, summary: summarizeTrace(plain), fpr };
    } finally {
      await registry.close();
    }
  } finally {
    await store.close();
  }
}

function renderTable(run: TraceCommandResult): string {
  return formatTable(
    ['document', 'match', 'account', 'score', 'coverage', 'fpr', 'outputs'],
    run.results.map((r) => [
      r.id,
      r.match === null ? 'too short' : r.match ? 'yes' : 'no',
      r.account,
      r.score.toFixed(3),
      `${(r.coverage * 100).toFixed(1)}%`,
      r.match ? r.fpr.toExponential(1) : null,
      r.outputs.slice(0, 3).join(',') + (r.outputs.length > 3 ? ',…' : ''),
    ]),
  );
}

export function renderSummary(summary: TraceSummary): string {
  const head = `${summary.documents} documents: ${summary.matched} matched, ${summary.unmatched} not matched, ${summary.tooShort} too short to decide`;
  if (summary.accounts.length === 0) return head;
  const table = formatTable(
    ['account', 'documents', 'share', 'outputs'],
    summary.accounts.map((a) => [a.account, a.documents, `${(a.share * 100).toFixed(2)}%`, a.outputs]),
  );
  return `${head}\n${table}`;
}
