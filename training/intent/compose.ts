// Composes labelled intent examples from the hand-written phrase banks and slot-fill pools of real
// prompts. Every example carries a group (language × class × phrasing family); whole groups are held
// out so the report measures phrasings, and one language (German), that training never saw.

import type { LanguageBank } from './bank-types.js';
import { en } from './banks-en.js';
import { de, es, fr, it, ja, ko, pt, ru } from './banks-other.js';
import { zh } from './banks-zh.js';
import { augmentLexically } from './synonyms.js';

export type Label = 'benign' | 'generation' | 'annotation' | 'evaluation' | 'reasoning';

export interface Example {
  text: string;
  label: Label;
  /** Hold-out unit: examples of one group are all in training or all in the held-out split. */
  group: string;
  source: string;
  heldOut: boolean;
}

/** Real text used to fill slots (user prompts, answers, passages, code). */
export interface SlotPool {
  instructions: string[];
  answers: string[];
  passages: string[];
  shorts: string[];
  code: string[];
}

export interface Rng {
  next(): number;
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
}

/** mulberry32 (Tommy Ettinger's public-domain 32-bit PRNG): small, fast, seedable. */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
  };
}

export const banks: LanguageBank[] = [en, zh, es, fr, ja, ru, pt, it, ko, de];
/** Language whose every written example is held out. */
export const heldOutLanguage = 'de';

function trunc(s: string, n: number): string {
  return s.length > n ? s.slice(0, n) : s;
}

function sample<T>(rng: Rng, xs: readonly T[], k: number): T[] {
  const out: T[] = [];
  for (let i = 0; i < k && xs.length > 0; i++) out.push(rng.pick(xs));
  return out;
}

function fill(
  template: string,
  bank: LanguageBank,
  rng: Rng,
  pool: SlotPool,
  extra: Record<string, string>,
): string {
  return template.replace(/\{(n|item|topic|labels|passage|short|code)\}/g, (_, key: string) => {
    if (key in extra) return extra[key];
    switch (key) {
      case 'n':
        return rng.pick(bank.counts);
      case 'topic':
        return rng.pick(bank.topics);
      case 'passage':
        return trunc(rng.pick(pool.passages), 200 + rng.int(1200));
      case 'short':
        return trunc(rng.pick(pool.shorts), 200);
      case 'code':
        return trunc(rng.pick(pool.code), 800);
      default:
        return '';
    }
  });
}

function joinParts(rng: Rng, parts: string[]): string {
  const sep = rng.chance(0.6) ? '\n' : rng.chance(0.5) ? '\n\n' : ' ';
  return parts.filter((p) => p.trim().length > 0).join(sep);
}

function numbered(rng: Rng, items: string[], zhStyle: boolean): string {
  const style = rng.int(5);
  return items
    .map((it, i) => {
      const one = it.replace(/\s+/g, ' ').trim();
      switch (style) {
        case 0:
          return `${i + 1}. ${one}`;
        case 1:
          return zhStyle ? `${i + 1}、${one}` : `(${i + 1}) ${one}`;
        case 2:
          return JSON.stringify({ id: i + 1, text: one });
        case 3:
          return `- ${one}`;
        default:
          return `[${i + 1}] ${one}`;
      }
    })
    .join('\n');
}

function seedExamples(rng: Rng, pool: SlotPool, lang: string): string {
  const k = 1 + rng.int(3);
  const style = rng.int(3);
  const out: string[] = [];
  for (let i = 0; i < k; i++) {
    const instr = trunc(rng.pick(pool.instructions), 300).trim();
    const ans = trunc(rng.pick(pool.answers), 300).trim();
    if (style === 0)
      out.push(
        `###\n${i + 1}. Instruction: ${instr}\n${i + 1}. Input:\n<noinput>\n${i + 1}. Output:\n${ans}`,
      );
    else if (style === 1) out.push(JSON.stringify({ instruction: instr, input: '', output: ans }));
    else
      out.push(
        lang === 'zh'
          ? `示例${i + 1}：\n问：${instr}\n答：${ans}`
          : `Example ${i + 1}:\nQ: ${instr}\nA: ${ans}`,
      );
  }
  return out.join('\n');
}

const promptMarkers = [
  '#Original Prompt#:',
  'Original instruction:',
  'Prompt:',
  '<prompt>',
  '[INSTRUCTION]',
  'Given prompt:',
  'Input instruction:',
  '### Seed',
];
const zhPromptMarkers = ['原始指令：', '#原始提示#：', '给定提示：', '指令：', '【种子指令】'];

const refersToInput =
  /following|given|below|seed|template|下面|以下|给定|下列|上面|示例|模板|siguiente|suivante|folgende|次の|下の|следующ|ниже/i;

function composeGeneration(bank: LanguageBank, ask: string, rng: Rng, pool: SlotPool): string {
  const g = bank.generation;
  const item = rng.pick(g.items);
  const n = rng.pick(bank.counts);
  const parts = [rng.chance(0.6) ? rng.pick(g.openers) : '', fill(ask, bank, rng, pool, { item, n })];
  if (rng.chance(0.5)) {
    const rules = sample(rng, g.rules, 1 + rng.int(5));
    parts.push(rng.chance(0.7) ? numbered(rng, rules, bank.lang === 'zh') : rules.join(' '));
  }
  if (rng.chance(0.7)) parts.push(rng.pick(g.formats));
  if (refersToInput.test(ask) || rng.chance(0.25)) {
    if (
      /rewrite|rewritten|prompt|instruction|question|task|改写|提示|指令|问题|任务|Réécris|Reescribe|Formuliere|書き換え|Перепиши/i.test(
        ask,
      ) &&
      rng.chance(0.6)
    ) {
      const marker = rng.pick(bank.lang === 'zh' ? zhPromptMarkers : promptMarkers);
      parts.push(`${marker}\n${trunc(rng.pick(pool.instructions), 500)}`);
    } else {
      parts.push(seedExamples(rng, pool, bank.lang));
    }
  }
  if (rng.chance(0.4)) parts.push(fill(rng.pick(g.closers), bank, rng, pool, { n }));
  return joinParts(rng, parts);
}

function composeAnnotation(bank: LanguageBank, ask: string, rng: Rng, pool: SlotPool): string {
  const a = bank.annotation;
  const k = 3 + rng.int(25);
  const parts = [
    rng.chance(0.5) ? rng.pick(a.openers) : '',
    fill(ask, bank, rng, pool, { item: rng.pick(a.items), labels: rng.pick(a.labels), n: String(k) }),
    rng.chance(0.6) ? rng.pick(a.formats) : '',
  ];
  const src = rng.chance(0.5) ? pool.shorts : pool.instructions;
  // A quarter arrive without their batch: the instruction sits in a system prompt, items come later.
  if (rng.chance(0.75)) {
    parts.push(
      numbered(
        rng,
        sample(rng, src, k).map((s) => trunc(s, 240)),
        bank.lang === 'zh',
      ),
    );
  }
  if (rng.chance(0.3)) parts.reverse();
  return joinParts(rng, parts);
}

function composeEvaluation(bank: LanguageBank, ask: string, rng: Rng, pool: SlotPool): string {
  const e = bank.evaluation;
  const parts = [rng.chance(0.6) ? rng.pick(e.openers) : '', fill(ask, bank, rng, pool, {})];
  if (rng.chance(0.6)) parts.push(rng.pick(e.rubrics));
  const q = trunc(rng.pick(pool.instructions), 600);
  const a1 = trunc(rng.pick(pool.answers), 200 + rng.int(900));
  const a2 = trunc(rng.pick(pool.answers), 200 + rng.int(900));
  if (/multiple-choice|选择题|选项/.test(ask)) {
    const k = 3 + rng.int(15);
    const qs = sample(rng, pool.instructions, k).map((s, i) => {
      const opts = sample(rng, pool.shorts, 4).map((o, j) => `${'ABCD'[j]}) ${trunc(o, 60)}`);
      return `${i + 1}. ${trunc(s, 200)}\n${opts.join('\n')}`;
    });
    parts.push(qs.join('\n\n'));
    return joinParts(rng, parts);
  }
  if (rng.chance(0.2)) return joinParts(rng, parts);
  const [x, y] =
    bank.lang === 'zh'
      ? ['回答', '助手']
      : rng.pick([
          ['Answer', 'Assistant'],
          ['Response', 'Model'],
          ['Reply', 'Bot'],
          ['Completion', 'System'],
        ]);
  switch (rng.int(7)) {
    case 5:
      parts.push(`${bank.lang === 'zh' ? '用户' : 'User'}: ${q}\n${y} 1: ${a1}\n${y} 2: ${a2}`);
      break;
    case 6:
      parts.push(
        `### ${x} A\n${a1}\n\n### ${x} B\n${a2}\n\n### ${bank.lang === 'zh' ? '问题' : 'Question'}\n${q}`,
      );
      break;
    case 0:
      parts.push(
        `[User Question]\n${q}\n\n[The Start of Assistant A's Answer]\n${a1}\n[The End of Assistant A's Answer]\n\n[The Start of Assistant B's Answer]\n${a2}\n[The End of Assistant B's Answer]`,
      );
      break;
    case 1:
      parts.push(`# Instruction:\n${q}\n\n# Output (a):\n${a1}\n\n# Output (b):\n${a2}`);
      break;
    case 2:
      parts.push(JSON.stringify({ instruction: q, output_1: a1, output_2: a2 }, null, 2));
      break;
    case 3:
      parts.push(`Question: ${q}\nReference answer: ${a1}\nModel response: ${a2}`);
      break;
    default:
      parts.push(
        `${bank.lang === 'zh' ? '问题' : 'Prompt'}: ${q}\n${bank.lang === 'zh' ? '回答' : 'Response'}: ${a1}`,
      );
  }
  if (rng.chance(0.3)) parts.reverse();
  return joinParts(rng, parts);
}

function arithmeticProblem(rng: Rng, lang: string): string {
  const a = 2 + rng.int(40);
  const b = 2 + rng.int(20);
  const c = 1 + rng.int(9);
  if (lang === 'zh') {
    return rng.pick([
      `小明有${a}个苹果，又买了${b}袋，每袋${c}个，他现在一共有多少个苹果？`,
      `一辆车每小时行驶${a}公里，行驶${b}小时后还剩${c}公里，全程多少公里？`,
      `一个班有${a}名学生，其中${b}名是女生，男生比女生多几人？`,
    ]);
  }
  return rng.pick([
    `Tom has ${a} apples and buys ${b} bags with ${c} apples each. How many apples does he have now?`,
    `A train travels at ${a} km/h for ${b} hours and then ${c} more km. How far did it go?`,
    `If ${a} workers build a wall in ${b} days, how long would ${a + c} workers take?`,
    `What is the remainder when ${a * b + c} is divided by ${b}?`,
  ]);
}

function composeReasoning(bank: LanguageBank, ask: string, rng: Rng, pool: SlotPool): string {
  const r = bank.reasoning;
  const k = 2 + rng.int(15);
  const parts = [
    rng.chance(0.5) ? rng.pick(r.openers) : '',
    fill(ask, bank, rng, pool, { item: rng.pick(r.items), n: String(k) }),
    rng.chance(0.5) ? rng.pick(r.formats) : '',
  ];
  const lang = bank.lang === 'zh' ? 'zh' : 'en';
  if (rng.chance(0.2)) return joinParts(rng, parts);
  const problems: string[] = [];
  for (let i = 0; i < k; i++) {
    problems.push(rng.chance(0.5) ? arithmeticProblem(rng, lang) : trunc(rng.pick(pool.instructions), 300));
  }
  if (/answer|rationale|答案|问答对|respuesta|réponse|Antwort|正解|ответ/i.test(ask) && rng.chance(0.7)) {
    parts.push(
      problems
        .map(
          (p) =>
            `Question: ${p.replace(/\s+/g, ' ')}\nAnswer: ${trunc(rng.pick(pool.answers), 120).replace(/\s+/g, ' ')}`,
        )
        .join('\n\n'),
    );
  } else {
    parts.push(numbered(rng, problems, bank.lang === 'zh'));
  }
  return joinParts(rng, parts);
}

function composeBenign(bank: LanguageBank, ask: string, rng: Rng, pool: SlotPool): string {
  return fill(ask, bank, rng, pool, {});
}

export interface ComposeOptions {
  /** Examples per phrasing family (`asks` entry) for English and Chinese; other languages get half. */
  perAsk: number;
  benignPerAsk: number;
  /** Held-out families draw their slot fills from this pool (evaluation-only sources). */
  trainPools: Record<'en' | 'zh', SlotPool>;
  heldOutPools: Record<'en' | 'zh', SlotPool>;
  seed: number;
}

/** Every `asks` entry whose index is 3 mod 4 is a held-out phrasing family. */
export function isHeldOutAsk(lang: string, index: number): boolean {
  return lang === heldOutLanguage || index % 4 === 3;
}

export function composeWrittenExamples(options: ComposeOptions): Example[] {
  const rng = createRng(options.seed);
  const out: Example[] = [];
  const composers: Record<Label, (b: LanguageBank, ask: string, r: Rng, p: SlotPool) => string> = {
    generation: composeGeneration,
    annotation: composeAnnotation,
    evaluation: composeEvaluation,
    reasoning: composeReasoning,
    benign: composeBenign,
  };
  for (const bank of banks) {
    const big = bank.lang === 'en' || bank.lang === 'zh';
    for (const label of Object.keys(composers) as Label[]) {
      const asks = bank[label].asks;
      const per = label === 'benign' ? options.benignPerAsk : options.perAsk;
      const count = big ? per : Math.ceil(per / 2);
      asks.forEach((ask, i) => {
        const heldOut = isHeldOutAsk(bank.lang, i);
        const pools = heldOut ? options.heldOutPools : options.trainPools;
        const pool = bank.lang === 'zh' ? pools.zh : pools.en;
        const seen = new Set<string>();
        for (let j = 0; j < count * 3 && seen.size < count; j++) {
          const composed = composers[label](bank, ask, rng, pool);
          const text = !heldOut && rng.chance(0.6) ? augmentLexically(composed, rng) : composed;
          if (seen.has(text)) continue;
          seen.add(text);
          out.push({
            text,
            label,
            group: `written:${bank.lang}:${label}:${i}`,
            source: `written-${bank.lang}`,
            heldOut,
          });
        }
      });
    }
  }
  return out;
}
