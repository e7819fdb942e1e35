// The provenance quality benchmark: `npm run bench:provenance` (= tsx bench/provenance/run.ts).
// Registers the served outputs of ../shared/corpora over 8 accounts, traces each desensitized copy
// and every never-served document, and prints markdown tables: recall per desensitization, right-
// account attribution, and false-positive rate per never-served source, at the shipped calibration's
// thresholds. `--write-calibration` rewrites src/provenance/trace/calibration-table.ts from the
// permissively licensed never-served sets (see calibrate.ts). `--scale` runs the scale benchmark.
import { writeFileSync } from 'node:fs';
import type {
  CalibrationLanguage,
  CalibrationStratum,
  CalibrationTable,
} from '../../src/provenance/trace/calibration.js';
import { minimumEvidence, scoreThreshold, tooShortToDecide } from '../../src/provenance/trace/calibration.js';
import { CALIBRATION } from '../../src/provenance/trace/calibration-table.js';
import { fingerprintCapacity } from '../../src/provenance/trace/evidence.js';
import type { TraceResult } from '../../src/provenance/types.js';
import { type QualityRun, runQuality } from './quality.js';

const KEPT_TOP_SCORES = 300;

/** The score a document is judged by: its best candidate sharing enough fingerprints (0 if none). */
function effectiveScore(result: TraceResult): number | null {
  if (result.match === null) return null;
  return result.matches[0]?.score ?? 0;
}

export function calibrationFrom(run: QualityRun): CalibrationTable {
  const strata: CalibrationStratum[] = [];
  const sources = new Set<string>();
  const stratum = (name: string, language: CalibrationLanguage, negatives: QualityRun['negatives']) => {
    for (const n of negatives) sources.add(n.item.source);
    const scores = negatives
      .map((n) => effectiveScore(n.result))
      .filter((s): s is number => s !== null)
      .sort((a, b) => b - a);
    strata.push({ name, language, negatives: scores.length, topScores: scores.slice(0, KEPT_TOP_SCORES) });
  };
  const permissive = run.negatives.filter((n) => n.item.permissive);
  for (const kind of ['same-prompt-model', 'human'] as const) {
    // Chinese documents: Chinese negatives only. Other documents: every permissive negative of the
    // kind (B2 alone, 1,000 answers, could not certify 0.1%); the held-out A5 answers are the check.
    stratum(
      `${kind} (zh)`,
      'zh',
      permissive.filter((n) => n.item.kind === kind && n.language === 'zh'),
    );
    stratum(
      kind,
      'other',
      permissive.filter((n) => n.item.kind === kind),
    );
  }
  return {
    strata,
    source:
      `bench/provenance/run.ts --write-calibration on ${new Date().toISOString().slice(0, 10)}: registry of ` +
      `${run.served.length} served outputs (A5, B2, B5, A6 over 8 accounts); never-served, permissively ` +
      `licensed only: ${[...sources].sort().join(', ')}`,
  };
}

function writeCalibration(table: CalibrationTable): void {
  const url = new URL('../../src/provenance/trace/calibration-table.ts', import.meta.url);
  writeFileSync(
    url,
    `// Scores that never-served text reached against the benchmark registry (highest first). Written by
// \`tsx bench/provenance/run.ts --write-calibration\`; only permissively licensed corpora were used
// (see \`source\`). Do not edit by hand.
import type { CalibrationTable } from './calibration.js';

export const CALIBRATION: CalibrationTable = ${JSON.stringify(
      {
        ...table,
        strata: table.strata.map((s) => ({
          ...s,
          topScores: s.topScores.map((x) => Math.round(x * 1e6) / 1e6),
        })),
      },
      null,
      2,
    )};
`,
  );
}

/**
 * Whether trace, run at this threshold, would call the document too short to decide (the quality run
 * traces at --fpr 1, where almost every document is decidable; the rule is applied here per rate).
 */
function undecidableAt(record: { words: number; result: TraceResult }, threshold: number): boolean {
  const best = record.result.matches[0];
  return tooShortToDecide(
    { tooShort: record.result.match === null, capacity: fingerprintCapacity(record.words) },
    best && {
      shared: best.sharedFingerprints,
      fingerprints: best.outputFingerprints,
      containment: best.containment,
      score: best.score,
    },
    threshold,
    minimumEvidence(threshold),
  );
}

function pct(part: number, whole: number): string {
  return whole === 0 ? '–' : `${((part / whole) * 100).toFixed(2)}%`;
}

export function report(run: QualityRun, table: CalibrationTable, fprs: number[] = [0.001, 0.01]): string {
  const lines: string[] = [];
  for (const fpr of fprs) {
    const thresholds = { zh: scoreThreshold(fpr, 'zh', table), other: scoreThreshold(fpr, 'other', table) };
    const minimum = { zh: minimumEvidence(thresholds.zh), other: minimumEvidence(thresholds.other) };
    lines.push(
      `### At --fpr ${fpr} (score threshold ${thresholds.other.toFixed(4)}, so at least ${minimum.other} fingerprints of evidence; Chinese documents ${thresholds.zh.toFixed(4)}, ${minimum.zh})`,
      '',
    );
    lines.push(
      '| desensitization | lang | documents | too short to decide | matched (of decidable) | matched (of all) | right account (of matched) |',
    );
    lines.push('|---|---|---:|---:|---:|---:|---:|');
    const groups = new Map<string, { n: number; short: number; matched: number; right: number }>();
    for (const p of run.positives) {
      for (const key of [`${p.transform}|${p.item.lang}`, `${p.transform}|all`, `all|all`]) {
        let g = groups.get(key);
        if (!g) {
          g = { n: 0, short: 0, matched: 0, right: 0 };
          groups.set(key, g);
        }
        g.n++;
        const score = effectiveScore(p.result);
        if (score === null || undecidableAt(p, thresholds[p.language])) {
          g.short++;
          continue;
        }
        if (score >= thresholds[p.language]) {
          g.matched++;
          if (p.result.matches[0]?.account === p.account) g.right++;
        }
      }
    }
    for (const [key, g] of groups) {
      const [transform, lang] = key.split('|');
      if (lang === 'all' && transform !== 'all') continue;
      lines.push(
        `| ${transform} | ${lang} | ${g.n} | ${g.short} (${pct(g.short, g.n)}) | ${pct(g.matched, g.n - g.short)} | ${pct(g.matched, g.n)} | ${pct(g.right, g.matched)} |`,
      );
    }
    for (const [key, g] of groups) {
      const [transform, lang] = key.split('|');
      if (lang !== 'all' || transform === 'all') continue;
      lines.push(
        `| **${transform}** | all | ${g.n} | ${g.short} (${pct(g.short, g.n)}) | ${pct(g.matched, g.n - g.short)} | ${pct(g.matched, g.n)} | ${pct(g.right, g.matched)} |`,
      );
    }
    lines.push(
      '',
      '| never served | kind | documents | too short to decide | matched (false positives, of decidable) |',
    );
    lines.push('|---|---|---:|---:|---:|');
    const negatives = new Map<string, { kind: string; n: number; short: number; fp: number }>();
    for (const n of run.negatives) {
      for (const key of [n.item.source, `all ${n.item.kind}`, 'all']) {
        let g = negatives.get(key);
        if (!g) {
          g = { kind: key === 'all' ? 'all' : n.item.kind, n: 0, short: 0, fp: 0 };
          negatives.set(key, g);
        }
        g.n++;
        const score = effectiveScore(n.result);
        if (score === null || undecidableAt(n, thresholds[n.language])) g.short++;
        else if (score >= thresholds[n.language]) g.fp++;
      }
    }
    const ordered = [...negatives].sort(
      (a, b) => Number(a[0].startsWith('all')) - Number(b[0].startsWith('all')),
    );
    for (const [source, g] of ordered) {
      const label = source.startsWith('all') ? `**${source}**` : source;
      lines.push(`| ${label} | ${g.kind} | ${g.n} | ${g.short} | ${g.fp} (${pct(g.fp, g.n - g.short)}) |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** Per-document trace features (JSONL), for studying scores offline without re-tracing. */
function writeDump(run: QualityRun, file: string): void {
  const features = (r: TraceResult) =>
    r.matches.map((m) => [
      m.sharedFingerprints,
      m.outputFingerprints,
      m.coverage,
      m.containment,
      m.account,
      m.alignedCoverage,
      m.score,
    ]);
  const lines: string[] = [];
  for (const p of run.positives)
    lines.push(
      JSON.stringify({
        set: 'positive',
        transform: p.transform,
        lang: p.item.lang,
        language: p.language,
        words: p.words,
        account: p.account,
        short: p.result.match === null,
        m: features(p.result),
      }),
    );
  for (const n of run.negatives)
    lines.push(
      JSON.stringify({
        set: 'negative',
        kind: n.item.kind,
        source: n.item.source,
        permissive: n.item.permissive,
        language: n.language,
        words: n.words,
        short: n.result.match === null,
        m: features(n.result),
      }),
    );
  writeFileSync(file, `${lines.join('\n')}\n`);
}

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  if (args.has('--scale')) {
    const { runScale } = await import('./scale.js');
    await runScale(process.argv.slice(2));
    return;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const started = performance.now();
  const run = await runQuality({ log });
  log(`traced ${run.positives.length + run.negatives.length} documents in ${run.traceSeconds.toFixed(1)} s`);
  const dumpAt = process.argv.indexOf('--dump');
  if (dumpAt > 0) writeDump(run, process.argv[dumpAt + 1]);
  let table = CALIBRATION;
  if (args.has('--write-calibration')) {
    table = calibrationFrom(run);
    writeCalibration(table);
    log(`wrote the calibration table (${table.strata.map((s) => `${s.name}: ${s.negatives}`).join(', ')})`);
  }
  process.stdout.write(`Calibration: ${table.source}\n\n${report(run, table)}\n`);
  log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

await main();
