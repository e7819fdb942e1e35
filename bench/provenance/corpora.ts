// Loads the labelled sets of the provenance benchmark from ../shared/corpora: outputs a provider
// could have served (with the prompts they answered) and text that was never served (human text and
// other models' answers to the same prompts).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CORPORA = process.env.WARDEN_CORPORA ?? '/work/shared/corpora';

export interface ServedItem {
  id: string;
  source: string;
  lang: 'en' | 'zh';
  prompt: string;
  text: string;
}

export interface NeverServedItem {
  id: string;
  source: string;
  kind: 'human' | 'same-prompt-model';
  lang: 'en' | 'zh';
  text: string;
  /** Permissively licensed (used for the shipped calibration table). */
  permissive: boolean;
}

function jsonl(path: string): Record<string, unknown>[] {
  return readFileSync(join(CORPORA, path), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function a5(model: string): { instruction: string; output: string }[] {
  return JSON.parse(readFileSync(join(CORPORA, 'A5_alpaca_eval/model_outputs', `${model}.json`), 'utf8'));
}

const A5_SERVED = ['gpt4_1106_preview', 'gpt-4o-2024-05-13', 'text_davinci_003'];
// gpt4 and gpt4_0314 are the same model (38 identical answers): neither is a fair negative for the other.
const A5_EXCLUDED = new Set([...A5_SERVED]);
const A5_MODELS = [
  'Meta-Llama-3-70B-Instruct',
  'Qwen1.5-72B-Chat',
  'airoboros-33b',
  'alpaca-7b',
  'claude-2',
  'claude-3-5-sonnet-20240620',
  'claude-3-opus-20240229',
  'claude-instant-1.2',
  'claude2-alpaca-13b',
  'gemini-pro',
  'gpt-3.5-turbo-0301',
  'gpt-3.5-turbo-0613',
  'gpt-3.5-turbo-1106',
  'gpt-4-turbo-2024-04-09',
  'gpt-4o-2024-05-13',
  'gpt-4o-mini-2024-07-18',
  'gpt4',
  'gpt4_0314',
  'gpt4_0613',
  'gpt4_1106_preview',
  'guanaco-33b',
  'mistral-large-2402',
  'oasst-sft-pythia-12b',
  'text_davinci_001',
  'text_davinci_003',
  'vicuna-13b-v1.5',
  'wizardlm-13b-v1.2',
];

function alpacaPrompt(row: Record<string, unknown>): string {
  return [row.instruction, row.input].filter((x) => typeof x === 'string' && x !== '').join('\n\n');
}

export function loadServed(): ServedItem[] {
  const items: ServedItem[] = [];
  for (const model of A5_SERVED) {
    for (const [i, row] of a5(model).entries())
      items.push({
        id: `a5/${model}/${i}`,
        source: `A5 ${model}`,
        lang: 'en',
        prompt: row.instruction,
        text: row.output,
      });
  }
  for (const row of jsonl('B2_arena_hard_auto/model_answer/normalized_answers.jsonl')) {
    if (row.model !== 'gpt-4-0314') continue;
    const messages = row.messages as { role: string; content: string }[];
    const prompt = messages.find((m) => m.role === 'user')?.content ?? '';
    const text = messages
      .filter((m) => m.role === 'assistant')
      .map((m) => m.content)
      .join('\n\n');
    items.push({ id: `b2/${row.id}`, source: 'B2 gpt-4-0314', lang: 'en', prompt, text });
  }
  for (const row of jsonl('B5_ruozhiba_zh_gpt4/normalized.jsonl')) {
    if (row.model !== 'gpt-4o') continue;
    items.push({
      id: `b5/${row.id}`,
      source: 'B5 gpt-4o',
      lang: 'zh',
      prompt: alpacaPrompt(row),
      text: String(row.output),
    });
  }
  for (const [file, lang] of [
    ['A6_alpaca_gpt4_substitute/normalized_alpaca_en_demo.jsonl', 'en'],
    ['A6_alpaca_gpt4_substitute/normalized_alpaca_zh_demo.jsonl', 'zh'],
  ] as const) {
    for (const row of jsonl(file)) {
      items.push({
        id: `a6/${row.id}`,
        source: `A6 ${lang}`,
        lang,
        prompt: alpacaPrompt(row),
        text: String(row.output),
      });
    }
  }
  return items.filter((i) => i.text.trim() !== '');
}

export function loadNeverServed(): NeverServedItem[] {
  const items: NeverServedItem[] = [];
  for (const model of A5_MODELS) {
    if (A5_EXCLUDED.has(model)) continue;
    for (const [i, row] of a5(model).entries())
      items.push({
        id: `a5/${model}/${i}`,
        source: `A5 ${model}`,
        kind: 'same-prompt-model',
        lang: 'en',
        text: row.output,
        permissive: false,
      });
  }
  for (const row of jsonl('B2_arena_hard_auto/model_answer/normalized_answers.jsonl')) {
    if (row.model === 'gpt-4-0314') continue;
    const messages = row.messages as { role: string; content: string }[];
    const text = messages
      .filter((m) => m.role === 'assistant')
      .map((m) => m.content)
      .join('\n\n');
    items.push({
      id: `b2/${row.id}`,
      source: `B2 ${row.model}`,
      kind: 'same-prompt-model',
      lang: 'en',
      text,
      permissive: true,
    });
  }
  for (const row of jsonl('B5_ruozhiba_zh_gpt4/normalized.jsonl')) {
    if (row.model === 'gpt-4o') continue;
    items.push({
      id: `b5/${row.id}`,
      source: `B5 ${row.model}`,
      kind: 'same-prompt-model',
      lang: 'zh',
      text: String(row.output),
      permissive: true,
    });
  }
  for (const row of jsonl('B6_chinese_medical_dialogue/normalized_messages.jsonl')) {
    const messages = row.messages as { role: string; content: string }[];
    const text = messages
      .filter((m) => m.role === 'assistant')
      .map((m) => m.content)
      .join('\n\n');
    items.push({
      id: `b6/${row.id}`,
      source: 'B6 doctors',
      kind: 'human',
      lang: 'zh',
      text,
      permissive: true,
    });
  }
  const human: [string, string, 'en' | 'zh', boolean][] = [
    ['C1_wikipedia_en/llamafactory_wiki_demo/normalized.jsonl', 'C1 wikipedia', 'en', false],
    ['C1_wikipedia_en/wikitext-2/normalized_valid_articles.jsonl', 'C1 wikitext', 'en', false],
    ['C1_wikipedia_en/wikitext-2/normalized_test_articles.jsonl', 'C1 wikitext', 'en', false],
    ['C2_wikipedia_zh/normalized.jsonl', 'C2 zhwiki', 'zh', false],
    ['C3_news_en_bbc/normalized.jsonl', 'C3 bbc', 'en', false],
    ['C4_news_zh_thucnews/normalized.jsonl', 'C4 thucnews', 'zh', false],
    ['C5_gutenberg_en/normalized_pride_and_prejudice_chapters.jsonl', 'C5 gutenberg', 'en', true],
    ['C5_gutenberg_en/normalized_tinyshakespeare_passages.jsonl', 'C5 shakespeare', 'en', true],
    ['C6_classical_zh_chinese_poetry/normalized.jsonl', 'C6 classical', 'zh', true],
    ['C7_web_en_c4_demo/normalized.jsonl', 'C7 c4', 'en', true],
  ];
  for (const [file, source, lang, permissive] of human) {
    for (const row of jsonl(file)) {
      items.push({
        id: `${source}/${row.id}`,
        source,
        kind: 'human',
        lang,
        text: String(row.text),
        permissive,
      });
    }
  }
  return items.filter((i) => i.text.trim() !== '');
}

/** A stable pseudo-random number in [0, 1) from a string (for reproducible splits and transforms). */
export function unitHash(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32LE(0) / 2 ** 32;
}
