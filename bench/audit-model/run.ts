// Bench: audit-model's canary test on AlpacaEval outputs (corpus A5). text_davinci_003's outputs are
// the served canaries; alpaca-7b (fine-tuned on text-davinci-003 outputs) is the suspect; models not
// trained on those outputs build the null and, held out from it, serve as controls.
//   npx tsx bench/audit-model/run.ts [--splits 30] [--write-jsonl DIR]
// Prints Markdown tables (copied into bench/audit-model/RESULTS.md).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sampleCanaries } from '../../src/provenance/audit-model/audit-model.js';
import {
  type Canary,
  compareWithCanaries,
  type ModelAnswer,
} from '../../src/provenance/audit-model/canary-comparison.js';
import { seededRandom, signFlipTest } from '../../src/provenance/audit-model/statistics.js';
import { auditTokens, canarySimilarity } from '../../src/provenance/audit-model/text-similarity.js';

const CORPUS = '/work/shared/corpora/A5_alpaca_eval/model_outputs';
const SERVED = 'text_davinci_003';
const STUDENT = 'alpaca-7b';

// The held-out arrangement, fixed in advance: 8 reference models (several vendors, open and closed)
// build the null; every other model is a control that never enters the null.
const REFERENCES = [
  'gpt4_0613',
  'gemini-pro',
  'mistral-large-2402',
  'gpt-3.5-turbo-0613',
  'guanaco-33b',
  'Qwen1.5-72B-Chat',
  'claude-2',
  'gpt-4o-mini-2024-07-18',
];
// text-davinci-001 is the served model's own predecessor (same vendor, same InstructGPT recipe): it is
// reported apart, as a "sibling", because a provider audits other vendors' models, not its own.
const SIBLINGS = ['text_davinci_001'];
// Students of *other* teachers (trained on ChatGPT / Claude / GPT-4 outputs, not on text-davinci-003's).
const OTHER_STUDENTS = ['vicuna-13b-v1.5', 'wizardlm-13b-v1.2', 'airoboros-33b', 'claude2-alpaca-13b'];

const { values: flags } = parseArgs({
  options: {
    splits: { type: 'string', default: '30' },
    'write-jsonl': { type: 'string' },
    permutations: { type: 'string', default: '10000' },
    'rotation-permutations': { type: 'string', default: '2000' },
    dev: { type: 'boolean', default: false },
    'rotation-references': { type: 'string', default: '8' },
    'skip-fixed': { type: 'boolean', default: false },
  },
});

interface Row {
  instruction: string;
  output: string;
}
const load = (model: string): Row[] => JSON.parse(readFileSync(join(CORPUS, `${model}.json`), 'utf8'));
const allModels = readFileSync(join(CORPUS, '..', 'SOURCE.md'), 'utf8').includes('model_outputs')
  ? (await import('node:fs')).readdirSync(CORPUS).map((f) => f.replace(/\.json$/, ''))
  : [];

const served = load(SERVED);
const canaries: Canary[] = served.map((r, i) => ({ id: `a5-${i}`, prompt: r.instruction, output: r.output }));
const idByInstruction = new Map(served.map((r, i) => [r.instruction, `a5-${i}`]));
const answers = new Map<string, ModelAnswer[]>();
for (const model of allModels) {
  answers.set(
    model,
    load(model)
      .filter((r) => idByInstruction.has(r.instruction))
      .map((r) => ({ id: idByInstruction.get(r.instruction) as string, output: r.output ?? '' })),
  );
}

const tokenCache = new Map<string, string[]>();
const tokenize = (text: string) => {
  let tokens = tokenCache.get(text);
  if (!tokens) {
    tokens = auditTokens(text);
    tokenCache.set(text, tokens);
  }
  return tokens;
};
const permutations = Number(flags.permutations);
const rotationPermutations = Number(flags['rotation-permutations']);

function audit(suspect: string, references: string[], draws = permutations, canarySet = canaries) {
  return compareWithCanaries(
    canarySet,
    answers.get(suspect) as ModelAnswer[],
    references.map((name) => ({ name, answers: answers.get(name) as ModelAnswer[] })),
    { tokenize, permutations: draws, seed: 1, top: 0 },
  );
}

// Baseline the brief suggested: per-canary ROUGE similarity, paired sign-flip test against the mean
// of the references (canaries as the only source of chance).
const similarityCache = new Map<string, number[]>();
function similarities(model: string): number[] {
  let sims = similarityCache.get(model);
  if (!sims) {
    const byId = new Map((answers.get(model) as ModelAnswer[]).map((a) => [a.id, a.output]));
    sims = canaries.map((c) =>
      byId.has(c.id) ? canarySimilarity(byId.get(c.id) as string, c.output) : Number.NaN,
    );
    similarityCache.set(model, sims);
  }
  return sims;
}
function baseline(suspect: string, references: string[], draws = permutations) {
  const s = similarities(suspect);
  const refs = references.map(similarities);
  const d: number[] = [];
  canaries.forEach((_, i) => {
    const r = refs.map((x) => x[i]);
    if (Number.isNaN(s[i]) || r.some(Number.isNaN)) return;
    d.push(s[i] - r.reduce((a, b) => a + b, 0) / r.length);
  });
  return signFlipTest(d, { permutations: draws, seed: 1 });
}

const fmtP = (p: number) => (p < 0.001 ? p.toExponential(1) : p.toFixed(3));
const kind = (m: string) =>
  m === STUDENT
    ? 'student of text-davinci-003'
    : SIBLINGS.includes(m)
      ? 'sibling (same vendor)'
      : OTHER_STUDENTS.includes(m)
        ? 'student of another teacher'
        : 'independent';

// 0. (--dev) The development pair on which the statistic (distinctive word 3-grams, the two tests) was
// chosen before the A5 student was looked at: claude-2's outputs served, claude2-alpaca-13b (fine-tuned
// on Claude 2 answers to the Alpaca instructions) the suspect.
if (flags.dev) {
  const devServed = 'claude-2';
  const devCanaries: Canary[] = (answers.get(devServed) as ModelAnswer[]).map((a) => ({
    id: a.id,
    output: a.output,
  }));
  const devRefs = [
    'gpt4_0613',
    'gemini-pro',
    'mistral-large-2402',
    'gpt-3.5-turbo-0613',
    'guanaco-33b',
    'Qwen1.5-72B-Chat',
    SERVED,
    'gpt-4o-mini-2024-07-18',
  ];
  console.log(`## Development pair: served = ${devServed}, references = ${devRefs.join(', ')}\n`);
  console.log('| suspect | n | p_canary | t_model | p_model | p_value (max) |');
  console.log('|---|---|---|---|---|---|');
  for (const m of [
    'claude2-alpaca-13b',
    'claude-instant-1.2',
    'claude-3-opus-20240229',
    'gpt4',
    'Meta-Llama-3-70B-Instruct',
    'vicuna-13b-v1.5',
    'wizardlm-13b-v1.2',
    'airoboros-33b',
    'oasst-sft-pythia-12b',
    STUDENT,
  ]) {
    const r = audit(m, devRefs, permutations, devCanaries);
    console.log(
      `| ${m} | ${r.n} | ${fmtP(r.p_canary)} | ${r.t_model.toFixed(2)} | ${fmtP(r.p_model)} | **${fmtP(r.p_value)}** |`,
    );
  }
  console.log('');
}

// 1. The fixed held-out arrangement.
const suspects = [
  STUDENT,
  ...allModels.filter((m) => m !== SERVED && m !== STUDENT && !REFERENCES.includes(m)),
];
if (!flags['skip-fixed']) {
  console.log(
    `## Fixed arrangement: served = ${SERVED}, ${canaries.length} canaries, references (null) = ${REFERENCES.join(', ')}\n`,
  );
  console.log(
    '| suspect | kind | n | suspect coverage | mean diff | p_canary | t_model | p_model | p_value (max) | baseline ROUGE sign-flip p |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  const fixed: Record<string, number> = {};
  for (const m of suspects) {
    const r = audit(m, REFERENCES);
    const b = baseline(m, REFERENCES);
    fixed[m] = r.p_value;
    console.log(
      `| ${m} | ${kind(m)} | ${r.n} | ${r.suspect_coverage.toFixed(4)} | ${r.mean_difference.toFixed(4)} | ${fmtP(r.p_canary)} | ${r.t_model.toFixed(2)} | ${fmtP(r.p_model)} | **${fmtP(r.p_value)}** | ${fmtP(b.p)} |`,
    );
  }
  const refCoverage = audit(STUDENT, REFERENCES).references;
  console.log(
    `\nReference coverages: ${refCoverage.map((r) => `${r.name} ${r.coverage.toFixed(4)}`).join(', ')}\n`,
  );

  // 1b. How the p-values depend on the number of canaries (seeded samples of the fixed arrangement).
  console.log('## Number of canaries (fixed arrangement, seeded samples)\n');
  console.log(
    '| canaries asked | alpaca-7b p_canary | alpaca-7b p_model | alpaca-7b p_value | controls with p < 0.05 (of 16: all but the sibling) |',
  );
  console.log('|---|---|---|---|---|');
  for (const size of [100, 200, 400]) {
    const subset = sampleCanaries(canaries, size, 7);
    const r = audit(STUDENT, REFERENCES, permutations, subset);
    const flaggedControls = suspects
      .filter((m) => m !== STUDENT && !SIBLINGS.includes(m))
      .filter((m) => audit(m, REFERENCES, rotationPermutations, subset).p_value < 0.05).length;
    console.log(
      `| ${size} | ${fmtP(r.p_canary)} | ${fmtP(r.p_model)} | ${fmtP(r.p_value)} | ${flaggedControls} |`,
    );
  }
  console.log('');
}

// 2. Rotations: random held-out splits of the non-student, non-sibling models.
const pool = allModels.filter((m) => m !== SERVED && m !== STUDENT && !SIBLINGS.includes(m));
const splits = Number(flags.splits);
const rotationDraws = rotationPermutations;
const referencesPerSplit = Number(flags['rotation-references']);
const random = seededRandom(20261125);
const studentP: number[] = [];
const controlP: { model: string; p: number; baseline: number; other: boolean }[] = [];
for (let s = 0; s < splits; s++) {
  const shuffled = [...pool];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  const refs = shuffled.slice(0, referencesPerSplit);
  const controls = shuffled.slice(referencesPerSplit);
  studentP.push(audit(STUDENT, refs, rotationDraws).p_value);
  for (const c of controls) {
    controlP.push({
      model: c,
      p: audit(c, refs, rotationDraws).p_value,
      baseline: baseline(c, refs, rotationDraws).p,
      other: OTHER_STUDENTS.includes(c),
    });
  }
}
if (splits > 0) {
  const share = (xs: number[], alpha: number) => xs.filter((p) => p < alpha).length / Math.max(1, xs.length);
  const quantile = (xs: number[], q: number) =>
    [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))];
  const independent = controlP.filter((c) => !c.other);
  console.log(
    `## Rotations: ${splits} random splits of ${pool.length} models into ${referencesPerSplit} references + ${pool.length - referencesPerSplit} controls\n`,
  );
  console.log('| quantity | value |');
  console.log('|---|---|');
  console.log(
    `| alpaca-7b p_value: median (min–max) | ${fmtP(quantile(studentP, 0.5))} (${fmtP(Math.min(...studentP))}–${fmtP(Math.max(...studentP))}) |`,
  );
  console.log(
    `| alpaca-7b detected at α = 0.01 / 0.05 | ${(100 * share(studentP, 0.01)).toFixed(0)}% / ${(100 * share(studentP, 0.05)).toFixed(0)}% of splits |`,
  );
  console.log(`| control tests (all) | ${controlP.length} |`);
  console.log(
    `| controls with p < 0.01 / 0.05 (audit) | ${(
      100 *
        share(
          controlP.map((c) => c.p),
          0.01,
        )
    ).toFixed(1)}% / ${(
      100 *
        share(
          controlP.map((c) => c.p),
          0.05,
        )
    ).toFixed(1)}% |`,
  );
  console.log(
    `| independent controls only, p < 0.01 / 0.05 (audit) | ${(
      100 *
        share(
          independent.map((c) => c.p),
          0.01,
        )
    ).toFixed(1)}% / ${(
      100 *
        share(
          independent.map((c) => c.p),
          0.05,
        )
    ).toFixed(1)}% |`,
  );
  console.log(
    `| controls with p < 0.01 / 0.05 (baseline ROUGE sign-flip) | ${(
      100 *
        share(
          controlP.map((c) => c.baseline),
          0.01,
        )
    ).toFixed(1)}% / ${(
      100 *
        share(
          controlP.map((c) => c.baseline),
          0.05,
        )
    ).toFixed(1)}% |`,
  );
  const flagged = new Map<string, number>();
  for (const c of controlP) if (c.p < 0.05) flagged.set(c.model, (flagged.get(c.model) ?? 0) + 1);
  console.log(
    `\nControls with p < 0.05 (times): ${[...flagged].map(([m, n]) => `${m} ×${n}`).join(', ') || 'none'}\n`,
  );
}

// 3. Optional: the JSONL files that reproduce the fixed arrangement through the CLI.
if (flags['write-jsonl']) {
  const dir = flags['write-jsonl'];
  mkdirSync(join(dir, 'references'), { recursive: true });
  const jsonl = (rows: object[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
  writeFileSync(join(dir, 'canaries.jsonl'), jsonl(canaries));
  for (const m of suspects) writeFileSync(join(dir, `${m}.jsonl`), jsonl(answers.get(m) as ModelAnswer[]));
  for (const m of REFERENCES)
    writeFileSync(join(dir, 'references', `${m}.jsonl`), jsonl(answers.get(m) as ModelAnswer[]));
  console.log(`JSONL written to ${dir}`);
}
