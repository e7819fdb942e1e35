// Trains the per-request intent classifier (`npm run train:intent`): assembles labelled data from the
// shared corpora (permissive licences only in training) and the hand-written banks in training/intent,
// splits by source/template family, trains multinomial logistic regression over hashed n-grams, writes
// models/intent-model.json and models/intent-model.report.md (held-out precision/recall/confusion).
//
// Optimizer: AdaGrad (Duchi, Hazan & Singer, "Adaptive Subgradient Methods", JMLR 2011) with L2
// regularization applied lazily to the coordinates an example touches, as in sparse online learners
// such as Vowpal Wabbit. Deterministic: seeded shuffles, no wall-clock input.

import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createFeatureExtractor,
  defaultFeatureConfig,
  type FeatureExtractor,
  type SparseVector,
  structuralFeatureNames,
} from '../src/detect/intent/features.js';
import {
  classCount,
  decodeModel,
  encodeModel,
  type IntentModel,
  intentClasses,
  logits,
  modelDimension,
  softmax,
} from '../src/detect/intent/model.js';
import {
  composeWrittenExamples,
  createRng,
  type Example,
  type Label,
  type Rng,
  type SlotPool,
} from '../training/intent/compose.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const corpora = resolve(process.env.WARDEN_CORPORA ?? join(root, '..', 'shared', 'corpora'));
const SEED = 20261125;
const EPOCHS = Number(process.env.INTENT_EPOCHS ?? 4);
const LEARNING_RATE = Number(process.env.INTENT_LR ?? 0.2);
const L2 = Number(process.env.INTENT_L2 ?? 1e-4);
/** Fraction of training groups set aside to choose the decision threshold before the final fit. */
const VALIDATION_SHARE = 0.2;
/** Benign false-positive budget used to pick the recommended threshold on the validation groups. */
const TARGET_FPR = 0.01;

// ---------------------------------------------------------------------------------------------------
// Corpus readers

function readJsonl(path: string): Record<string, unknown>[] {
  const full = join(corpora, path);
  return readFileSync(full, 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function withInput(r: Record<string, unknown>): string {
  const input = str(r.input).trim();
  return input ? `${str(r.instruction)}\n\n${input}` : str(r.instruction);
}

function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  const paras = text.split(/\n\s*\n/);
  let cur = '';
  for (const p of paras) {
    if (cur.length + p.length > size && cur) {
      out.push(cur.trim());
      cur = '';
    }
    cur += `${p}\n\n`;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function sentences(texts: string[], max: number): string[] {
  const out: string[] = [];
  for (const t of texts) {
    for (const s of t.split(/(?<=[.!?。！？])\s*/)) {
      const c = s.replace(/\s+/g, ' ').trim();
      if (c.length >= 15 && c.length <= 240) out.push(c);
      if (out.length >= max) return out;
    }
  }
  return out;
}

function filesUnder(dir: string, suffix: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p, suffix));
    else if (name.endsWith(suffix)) out.push(p);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Data assembly

interface Corpus {
  examples: Example[];
  sources: string[];
}

function buildPools() {
  const b1 = readJsonl('B1_oasst_open_assistant/normalized_prompts.jsonl').map((r) => str(r.text));
  const b2 = readJsonl('B2_arena_hard_auto/normalized_questions.jsonl').map((r) => str(r.text));
  const seeds = readJsonl('A2_self_instruct/normalized_seed_tasks.jsonl');
  const b4 = readJsonl('B4_code_humaneval/normalized.jsonl').map((r) => str(r.text));
  const b5 = readJsonl('B5_ruozhiba_zh_gpt4/normalized.jsonl')
    .filter((r) => str(r.id).endsWith('_gpt4o'))
    .map((r) => str(r.instruction));
  const b6 = readJsonl('B6_chinese_medical_dialogue/normalized_messages.jsonl');
  const b6Ask = b6.map((r) => str((r.messages as { content: string }[])[0]?.content));
  const b6Answer = b6.map((r) => str((r.messages as { content: string }[])[1]?.content));
  const pride = readJsonl('C5_gutenberg_en/normalized_pride_and_prejudice_chapters.jsonl').flatMap((r) =>
    chunks(str(r.text), 1200),
  );
  const poems = readJsonl('C6_classical_zh_chinese_poetry/normalized.jsonl').map((r) => str(r.text));
  const codeFromB2 = b2.filter((t) => /```|def |function |#include|class /.test(t));

  // Evaluation-only sources (CC BY-NC, "do not train", or no licence): held-out slot fills only.
  const a3 = readJsonl('A3_wizardlm_evol_instruct/normalized_testset.jsonl').map((r) => str(r.text));
  const a5 = readJsonl('A5_alpaca_eval/normalized_eval_set.jsonl').map((r) => str(r.text));
  const koala = readJsonl('B3_koala_test_set/normalized.jsonl').map((r) => str(r.text));
  const uo = readJsonl('A2_self_instruct/human_eval/normalized_user_oriented_instructions.jsonl');
  const a6en = readJsonl('A6_alpaca_gpt4_substitute/normalized_alpaca_en_demo.jsonl');
  const a6zh = readJsonl('A6_alpaca_gpt4_substitute/normalized_alpaca_zh_demo.jsonl');
  const bbc = readJsonl('C3_news_en_bbc/normalized.jsonl').map((r) => str(r.text));
  const c7 = readJsonl('C7_web_en_c4_demo/normalized.jsonl').map((r) => str(r.text));
  const zhNews = readJsonl('C4_news_zh_thucnews/normalized.jsonl').map((r) => str(r.text));
  const zhWiki = readJsonl('C2_wikipedia_zh/normalized.jsonl').flatMap((r) => chunks(str(r.text), 1200));

  const trainPools: Record<'en' | 'zh', SlotPool> = {
    en: {
      instructions: [...b1, ...b2.filter((t) => t.length < 1500), ...seeds.map((r) => str(r.instruction))],
      answers: seeds.map((r) => str(r.output)).filter((t) => t.length > 20),
      passages: pride,
      shorts: [...sentences(pride, 3000), ...b1.filter((t) => t.length < 240)],
      code: codeFromB2,
    },
    zh: {
      instructions: [...b5, ...b6Ask.slice(0, 3000)],
      answers: b6Answer.slice(0, 3000),
      passages: [...poems, ...b6Answer.filter((t) => t.length > 200)],
      shorts: [...b5, ...sentences(b6Answer.slice(0, 1000), 2000)],
      code: codeFromB2,
    },
  };
  const heldOutPools: Record<'en' | 'zh', SlotPool> = {
    en: {
      instructions: [...a3, ...a5, ...koala],
      answers: uo.map((r) => str(r.output)).filter((t) => t.length > 20),
      passages: [...bbc.slice(0, 400), ...c7],
      shorts: sentences([...bbc.slice(400, 900), ...c7], 3000),
      code: b4,
    },
    zh: {
      instructions: a6zh.map((r) => str(r.instruction)),
      answers: a6zh.map((r) => str(r.output)).filter((t) => t.length > 20),
      passages: [...zhNews.map((t) => t.slice(0, 1500)), ...zhWiki],
      shorts: sentences(zhNews, 3000),
      code: b4,
    },
  };
  const benign = {
    train: [
      { source: 'B1_oasst', texts: b1 },
      { source: 'B2_arena_hard', texts: b2 },
      { source: 'B5_ruozhiba', texts: b5 },
      { source: 'B6_medical', texts: b6Ask.slice(3000, 5500) },
      { source: 'A2_seed_tasks', texts: seeds.map(withInput) },
    ],
    heldOut: [
      { source: 'B3_koala', texts: koala },
      { source: 'A3_wizardlm_testset', texts: a3 },
      { source: 'A5_alpaca_eval_set', texts: a5 },
      { source: 'A2_user_oriented', texts: uo.map(withInput) },
      { source: 'A6_alpaca_en', texts: a6en.map(withInput).slice(0, 500) },
      { source: 'A6_alpaca_zh', texts: a6zh.map(withInput).slice(0, 500) },
      { source: 'B4_humaneval', texts: b4 },
      { source: 'B6_medical_heldout', texts: b6Ask.slice(5500, 6500) },
    ],
  };
  return { trainPools, heldOutPools, benign, seeds };
}

function fillSlots(template: string, rng: Rng, pool: SlotPool): string {
  return template
    .replace(/\{instruction\}|\{INSTRUCTION\}/g, () => rng.pick(pool.instructions).slice(0, 800))
    .replace(/\{output_1\}|\{output_2\}|\{output\}/g, () =>
      rng.pick(pool.answers).slice(0, 200 + rng.int(1200)),
    );
}

/** Removes ChatML markers the way a chat API client would split the template into messages. */
function maybeStripChatMl(text: string, rng: Rng): string {
  if (!text.includes('<|im_start|>') || rng.chance(0.5)) return text;
  return text
    .replace(/<\|im_start\|>(system|user|assistant)\n?/g, '')
    .replace(/<\|im_end\|>\n?/g, '\n')
    .trim();
}

function templateExamples(
  pools: ReturnType<typeof buildPools>,
  rng: Rng,
): { examples: Example[]; heldOutTemplates: string[] } {
  const out: Example[] = [];
  const seedBlock = (k: number) =>
    Array.from({ length: k }, (_, i) => {
      const s = rng.pick(pools.seeds);
      const input = str(s.input).trim() || '<noinput>';
      return `###\n${i + 1}. Instruction: ${str(s.instruction)}\n${i + 1}. Input:\n${input}\n${i + 1}. Output:\n${str(s.output)}`;
    }).join('\n');

  // A1 Alpaca generation meta-prompt (prompt.txt is in the Apache-2.0 code part of the repository).
  const alpaca = readFileSync(join(corpora, 'A1_stanford_alpaca/prompt.txt'), 'utf8');
  for (let i = 0; i < 120; i++) {
    out.push({
      text: `${alpaca}\n${seedBlock(3)}\n###\n4. Instruction:`,
      label: 'generation',
      group: 'A1:prompt',
      source: 'A1_alpaca_prompt',
      heldOut: false,
    });
  }
  // A2 Self-Instruct (Apache-2.0).
  const a2 = join(corpora, 'A2_self_instruct/prompt_templates');
  for (const name of ['encode_prompt_header_0.txt', 'encode_prompt_header_1.txt']) {
    const header = readFileSync(join(a2, name), 'utf8').trim();
    for (let i = 0; i < 80; i++) {
      const lines = Array.from(
        { length: 8 },
        (_, j) => `${j + 1}. ${str(rng.pick(pools.seeds).instruction)}`,
      );
      out.push({
        text: `${header}\n${lines.join('\n')}\n9.`,
        label: 'generation',
        group: `A2:${name}`,
        source: 'A2_self_instruct',
        heldOut: false,
      });
    }
  }
  for (const name of ['input_first_template_for_gen.txt', 'output_first_template_for_clf.txt']) {
    const t = readFileSync(join(a2, name), 'utf8');
    for (let i = 0; i < 80; i++) {
      out.push({
        text: `${t}\nTask: ${str(rng.pick(pools.seeds).instruction)}\n`,
        label: 'generation',
        group: `A2:${name}`,
        source: 'A2_self_instruct',
        heldOut: false,
      });
    }
  }
  {
    const t = readFileSync(join(a2, 'template_1.txt'), 'utf8');
    for (let i = 0; i < 80; i++) {
      out.push({
        text: `${t}\nTask: ${str(rng.pick(pools.seeds).instruction)}\nIs it classification?`,
        label: 'annotation',
        group: 'A2:template_1',
        source: 'A2_self_instruct',
        heldOut: false,
      });
    }
  }
  // A3 Evol-Instruct: held out entirely (an unseen pipeline).
  for (const name of readdirSync(join(corpora, 'A3_wizardlm_evol_instruct/prompt_templates'))
    .filter((n) => n.endsWith('.txt'))
    .sort()) {
    const t = readFileSync(join(corpora, 'A3_wizardlm_evol_instruct/prompt_templates', name), 'utf8');
    for (let i = 0; i < 40; i++) {
      out.push({
        text: fillSlots(t, rng, pools.heldOutPools.en),
        label: 'generation',
        group: `A3:${name}`,
        source: 'A3_evol_instruct',
        heldOut: true,
      });
    }
  }
  // A5 AlpacaEval judge templates (code, Apache-2.0): every third distinct template held out.
  const heldOutTemplates: string[] = [];
  const a5dir = join(corpora, 'A5_alpaca_eval/evaluator_prompt_templates');
  const seen = new Set<string>();
  let k = 0;
  for (const file of filesUnder(a5dir, '.txt')) {
    const t = readFileSync(file, 'utf8');
    if (seen.has(t)) continue;
    seen.add(t);
    const heldOut = k++ % 3 === 2;
    const name = relative(a5dir, file);
    if (heldOut) heldOutTemplates.push(name);
    for (let i = 0; i < 30; i++) {
      const pool = heldOut ? pools.heldOutPools.en : pools.trainPools.en;
      out.push({
        text: maybeStripChatMl(fillSlots(t, rng, pool), rng),
        label: 'evaluation',
        group: `A5:${name}`,
        source: 'A5_alpaca_eval_templates',
        heldOut,
      });
    }
  }
  return { examples: out, heldOutTemplates };
}

function assemble(): Corpus & { heldOutTemplates: string[] } {
  const pools = buildPools();
  const rng = createRng(SEED);
  const examples: Example[] = [];
  const { examples: templ, heldOutTemplates } = templateExamples(pools, rng);
  examples.push(...templ);
  examples.push(
    ...composeWrittenExamples({
      perAsk: 70,
      benignPerAsk: 14,
      trainPools: pools.trainPools,
      heldOutPools: pools.heldOutPools,
      seed: SEED + 1,
    }),
  );
  // Free-form meta-prompts and hard negatives written by hand (training/intent/handwritten.jsonl);
  // every fourth is held out.
  const handwritten = readFileSync(join(root, 'training/intent/handwritten.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { label: Label; text: string });
  for (const [i, { label, text }] of handwritten.entries()) {
    examples.push({ text, label, group: `handwritten:${i}`, source: 'handwritten', heldOut: i % 4 === 3 });
  }
  for (const { source, texts } of pools.benign.train) {
    for (const text of texts)
      examples.push({ text, label: 'benign', group: `corpus:${source}`, source, heldOut: false });
  }
  for (const { source, texts } of pools.benign.heldOut) {
    for (const text of texts)
      examples.push({ text, label: 'benign', group: `corpus:${source}`, source, heldOut: true });
  }
  // Deduplicate by text: a text seen in training never reaches the held-out split.
  const byText = new Map<string, Example>();
  for (const e of examples) {
    if (!e.text.trim()) continue;
    const prev = byText.get(e.text);
    if (!prev) byText.set(e.text, e);
    else if (prev.heldOut && !e.heldOut) byText.set(e.text, e);
  }
  const sources = [...new Set(examples.map((e) => e.source))].sort();
  return { examples: [...byText.values()], sources, heldOutTemplates };
}

// ---------------------------------------------------------------------------------------------------
// Training

interface TrainOptions {
  epochs: number;
  seed: number;
}

function exampleWeights(examples: Example[]): Float64Array {
  // Each class gets the same total weight; inside a class a group of size g weighs sqrt(g), so a
  // 2,500-row corpus does not drown a 14-example family of hard negatives.
  const groupSize = new Map<string, number>();
  for (const e of examples) groupSize.set(e.group, (groupSize.get(e.group) ?? 0) + 1);
  const raw = examples.map((e) => 1 / Math.sqrt(groupSize.get(e.group) ?? 1));
  const classTotal = new Map<Label, number>();
  for (const [i, e] of examples.entries()) classTotal.set(e.label, (classTotal.get(e.label) ?? 0) + raw[i]);
  const perClass = examples.length / intentClasses.length;
  return Float64Array.from(examples.map((e, i) => (raw[i] / (classTotal.get(e.label) ?? 1)) * perClass));
}

function train(
  examples: Example[],
  extractor: FeatureExtractor,
  options: TrainOptions,
): { bias: Float64Array; weights: Float32Array } {
  const dim = modelDimension(extractor.config);
  const weights = new Float32Array(dim * classCount);
  const g2 = new Float32Array(dim * classCount);
  const bias = new Float64Array(classCount);
  const biasG2 = new Float64Array(classCount);
  const sampleWeight = exampleWeights(examples);
  const labels = examples.map((e) => intentClasses.indexOf(e.label));
  const vectors: SparseVector[] = examples.map((e) => extractor.extract(e.text));
  const model: IntentModel = {
    features: extractor.config,
    dimension: dim,
    bias: new Float32Array(classCount),
    weights,
  };
  const z = new Float64Array(classCount);
  const order = examples.map((_, i) => i);
  const rng = createRng(options.seed);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    let loss = 0;
    for (const idx of order) {
      const x = vectors[idx];
      for (let c = 0; c < classCount; c++) model.bias[c] = bias[c];
      logits(model, x, z);
      softmax(z);
      const sw = sampleWeight[idx];
      loss -= sw * Math.log(Math.max(z[labels[idx]], 1e-12));
      for (let c = 0; c < classCount; c++) {
        const err = (z[c] - (c === labels[idx] ? 1 : 0)) * sw;
        biasG2[c] += err * err;
        bias[c] -= (LEARNING_RATE * err) / Math.sqrt(biasG2[c] + 1e-8);
        for (let j = 0; j < x.length; j++) {
          const p = x.indices[j] * classCount + c;
          const g = err * x.values[j] + L2 * weights[p];
          g2[p] += g * g;
          weights[p] -= (LEARNING_RATE * g) / Math.sqrt(g2[p] + 1e-8);
        }
      }
    }
    console.error(`epoch ${epoch + 1}/${options.epochs}: weighted loss ${(loss / order.length).toFixed(4)}`);
  }
  return { bias, weights };
}

// ---------------------------------------------------------------------------------------------------
// Evaluation

interface Scored {
  example: Example;
  probs: number[];
}

function score(model: IntentModel, examples: Example[]): Scored[] {
  const extractor = createFeatureExtractor(model.features);
  const z = new Float64Array(classCount);
  return examples.map((example) => {
    logits(model, extractor.extract(example.text), z);
    softmax(z);
    return { example, probs: Array.from(z) };
  });
}

function argmax(xs: number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}

/** Decision used downstream: flag when P(benign) < 1 − t, as the class with the highest non-benign probability. */
function decide(probs: number[], threshold: number): number {
  if (1 - probs[0] < threshold) return 0;
  let best = 1;
  for (let c = 2; c < classCount; c++) if (probs[c] > probs[best]) best = c;
  return best;
}

function pickThreshold(scored: Scored[]): number {
  const benign = scored
    .filter((s) => s.example.label === 'benign')
    .map((s) => 1 - s.probs[0])
    .sort((a, b) => b - a);
  if (benign.length === 0) return 0.5;
  const k = Math.floor(benign.length * TARGET_FPR);
  return Math.min(0.95, Math.max(0.5, (benign[k] ?? 0) + 1e-6));
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : 'n/a';
}

function report(scored: Scored[], threshold: number): { text: string; summary: Record<string, unknown> } {
  const lines: string[] = [];
  const confusion = intentClasses.map(() => intentClasses.map(() => 0));
  const confusionT = intentClasses.map(() => intentClasses.map(() => 0));
  for (const s of scored) {
    const t = intentClasses.indexOf(s.example.label);
    confusion[t][argmax(s.probs)]++;
    confusionT[t][decide(s.probs, threshold)]++;
  }
  const table = (m: number[][], title: string) => {
    lines.push(`### ${title}`, '', '| class | n | precision | recall |', '|---|---|---|---|');
    const summary: Record<string, { precision: number; recall: number; n: number }> = {};
    intentClasses.forEach((c, i) => {
      const tp = m[i][i];
      const n = m[i].reduce((a, b) => a + b, 0);
      const predicted = m.reduce((a, row) => a + row[i], 0);
      const precision = predicted ? tp / predicted : Number.NaN;
      const recall = n ? tp / n : Number.NaN;
      summary[c] = { precision, recall, n };
      lines.push(`| ${c} | ${n} | ${pct(precision)} | ${pct(recall)} |`);
    });
    lines.push('', `Confusion (rows = truth, columns = predicted: ${intentClasses.join(', ')}):`, '', '```');
    for (const [i, c] of intentClasses.entries()) {
      lines.push(`${c.padEnd(11)} ${m[i].map((v) => String(v).padStart(6)).join('')}`);
    }
    lines.push('```', '');
    return summary;
  };
  const argmaxSummary = table(confusion, 'Argmax decision');
  const thresholdSummary = table(
    confusionT,
    `Recommended decision: flag when 1 − P(benign) ≥ ${threshold.toFixed(3)}`,
  );
  const benign = scored.filter((s) => s.example.label === 'benign');
  const fpr = benign.filter((s) => 1 - s.probs[0] >= threshold).length / Math.max(1, benign.length);
  const positives = scored.filter((s) => s.example.label !== 'benign');
  const detect = positives.filter((s) => 1 - s.probs[0] >= threshold).length / Math.max(1, positives.length);
  lines.push(
    `Benign false-positive rate at the recommended threshold: **${pct(fpr)}** (${benign.filter((s) => 1 - s.probs[0] >= threshold).length}/${benign.length}); ` +
      `non-benign detected (any class): **${pct(detect)}** (${positives.filter((s) => 1 - s.probs[0] >= threshold).length}/${positives.length}).`,
    '',
  );
  lines.push(
    '### Trade-off on the held-out split',
    '',
    '| threshold on 1 − P(benign) | benign FPR | non-benign recall |',
    '|---|---|---|',
  );
  for (const t of [0.3, 0.5, 0.7, 0.8, 0.9, 0.95]) {
    const fp = benign.filter((s) => 1 - s.probs[0] >= t).length / Math.max(1, benign.length);
    const tp = positives.filter((s) => 1 - s.probs[0] >= t).length / Math.max(1, positives.length);
    lines.push(`| ${t} | ${pct(fp)} | ${pct(tp)} |`);
  }
  lines.push('');
  lines.push(
    '### Per held-out source',
    '',
    '| source | label | n | flagged (1 − P(benign) ≥ threshold) | right class at threshold |',
    '|---|---|---|---|---|',
  );
  const bySource = new Map<string, Scored[]>();
  for (const s of scored) {
    const key = `${s.example.source}|${s.example.label}`;
    bySource.set(key, [...(bySource.get(key) ?? []), s]);
  }
  for (const [key, group] of [...bySource.entries()].sort()) {
    const [source, label] = key.split('|');
    const flagged = group.filter((s) => 1 - s.probs[0] >= threshold).length;
    const right = group.filter(
      (s) => decide(s.probs, threshold) === intentClasses.indexOf(label as Label),
    ).length;
    lines.push(
      `| ${source} | ${label} | ${group.length} | ${pct(flagged / group.length)} | ${pct(right / group.length)} |`,
    );
  }
  lines.push('');
  return {
    text: lines.join('\n'),
    summary: {
      argmax: argmaxSummary,
      threshold: thresholdSummary,
      benignFpr: fpr,
      threshold_value: threshold,
    },
  };
}

function benchMicros(model: IntentModel, texts: string[]): number {
  const extractor = createFeatureExtractor(model.features);
  const z = new Float64Array(classCount);
  for (const t of texts.slice(0, 200)) logits(model, extractor.extract(t), z);
  const start = process.cpuUsage();
  let n = 0;
  for (let r = 0; r < 5; r++) {
    for (const t of texts) {
      logits(model, extractor.extract(t), z);
      softmax(z);
      n++;
    }
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / n;
}

// ---------------------------------------------------------------------------------------------------

function main(): void {
  if (!existsSync(corpora)) throw new Error(`corpora not found at ${corpora}; set WARDEN_CORPORA`);
  const { examples, sources, heldOutTemplates } = assemble();
  const trainSet = examples.filter((e) => !e.heldOut);
  const heldOut = examples.filter((e) => e.heldOut);
  const extractor = createFeatureExtractor(defaultFeatureConfig);
  const count = (xs: Example[]) =>
    Object.fromEntries(intentClasses.map((c) => [c, xs.filter((e) => e.label === c).length]));
  console.error(
    `train ${trainSet.length} ${JSON.stringify(count(trainSet))}; held out ${heldOut.length} ${JSON.stringify(count(heldOut))}`,
  );

  // 1. Choose the threshold on validation groups carved out of the training groups.
  const groupRng = createRng(SEED + 7);
  const groups = [...new Set(trainSet.map((e) => e.group))].sort();
  const validationGroups = new Set(groups.filter(() => groupRng.next() < VALIDATION_SHARE));
  const fitPart = trainSet.filter((e) => !validationGroups.has(e.group));
  const valPart = trainSet.filter((e) => validationGroups.has(e.group));
  const first = train(fitPart, extractor, { epochs: EPOCHS, seed: SEED });
  const firstModel = decodeModel(
    encodeModel(defaultFeatureConfig, structuralFeatureNames, first.bias, first.weights),
  );
  const valScored = score(firstModel, valPart);
  const threshold = pickThreshold(valScored);
  console.error(
    `validation groups ${validationGroups.size}/${groups.length}; threshold ${threshold.toFixed(3)}`,
  );
  const valSummary = report(valScored, threshold).summary.threshold as Record<
    string,
    { precision: number; recall: number; n: number }
  >;
  console.error(
    `validation: ${intentClasses.map((c) => `${c} P ${pct(valSummary[c].precision)} R ${pct(valSummary[c].recall)} (n ${valSummary[c].n})`).join('; ')}`,
  );
  if (process.env.INTENT_VALIDATE_ONLY) return;

  // 2. Final fit on every training group; evaluate once on the held-out split.
  const final = train(trainSet, extractor, { epochs: EPOCHS, seed: SEED });
  const file = encodeModel(defaultFeatureConfig, structuralFeatureNames, final.bias, final.weights, {
    trainedBy: 'npm run train:intent (scripts/train-intent.ts)',
    method: 'multinomial logistic regression, AdaGrad + L2, hashed word 1-2-grams and char 2-4-grams',
    trainExamples: trainSet.length,
    recommendedThreshold: Number(threshold.toFixed(4)),
    seed: SEED,
  });
  const json = `${JSON.stringify(file)}\n`;
  writeFileSync(join(root, 'models/intent-model.json'), json);
  const model = decodeModel(JSON.parse(json));
  const scored = score(model, heldOut);
  const { text } = report(scored, threshold);
  const typical = heldOut.map((e) => e.text).filter((t) => t.length >= 400 && t.length <= 900);
  const micros = benchMicros(model, typical.length > 50 ? typical : heldOut.map((e) => e.text));

  const md = [
    '# Intent model: held-out report',
    '',
    'Written by `npm run train:intent` (scripts/train-intent.ts). Do not edit by hand.',
    '',
    `Model: multinomial logistic regression over 2^${defaultFeatureConfig.bits} hashed word 1–2-gram and character 2–4-gram buckets + ${structuralFeatureNames.length} structural features; AdaGrad, L2 ${L2}, ${EPOCHS} epochs, seed ${SEED}. File: ${(json.length / 1024).toFixed(0)} KiB, ${file.rows} non-zero rows.`,
    '',
    `Training: ${trainSet.length} examples ${JSON.stringify(count(trainSet))}, only from permissively licensed sources and hand-written banks.`,
    `Held out (never trained on, split by source / template family / phrasing family / language): ${heldOut.length} examples ${JSON.stringify(count(heldOut))}.`,
    '',
    'Held-out groups: every A3 Evol-Instruct template; the AlpacaEval judge templates ' +
      heldOutTemplates.map((t) => `\`${t}\``).join(', ') +
      '; every written example in German; every written phrasing family whose index is 3 mod 4 (in every language and class), with slot fills from evaluation-only corpora; benign corpora B3 Koala, A3 WizardLM test set, A5 AlpacaEval set, A2 user-oriented instructions, A6 Alpaca demo (en, zh), B4 HumanEval, and a disjoint slice of B6.',
    '',
    `Threshold chosen before looking at the held-out split: on ${validationGroups.size} of ${groups.length} training groups set aside, the smallest 1 − P(benign) threshold (≥ 0.5) with benign false-positive rate ≤ ${pct(TARGET_FPR)}.`,
    '',
    text,
    `## Speed`,
    '',
    `Feature extraction + inference: **${micros.toFixed(1)} µs** per request (mean over ${typical.length} held-out prompts of 400–900 characters, process CPU time on one core, after warm-up; a shared, loaded machine, so an upper bound; \`npx tsx src/detect/intent/bench.ts\` for the steady-state figure). Sources seen: ${sources.join(', ')}.`,
    '',
  ].join('\n');
  writeFileSync(join(root, 'models/intent-model.report.md'), md);
  console.log(md);
}

main();
