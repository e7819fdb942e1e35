// The "desensitizations" a distiller applies to served outputs before training on them, written to
// be at least as hard as the usual scripts: brand/self-reference scrubbing, PII scrubbing,
// markdown/whitespace/case reformatting, sentence shuffling, dropping 30% of sentences, truncation to
// half, 10% and 25% random word substitution, embedding in a longer human document, and
// simplified → traditional Chinese (by ICU's transliterator through `uconv`, not by Warden's table).
import { execFileSync } from 'node:child_process';
import { unitHash } from './corpora.js';

export type Transform =
  | 'verbatim'
  | 'scrub-brand'
  | 'scrub-pii'
  | 'reformat'
  | 'shuffle'
  | 'drop-30'
  | 'truncate-50'
  | 'substitute-10'
  | 'substitute-25'
  | 'embed'
  | 'zh-traditional';

export const TRANSFORMS: Transform[] = [
  'verbatim',
  'scrub-brand',
  'scrub-pii',
  'reformat',
  'shuffle',
  'drop-30',
  'truncate-50',
  'substitute-10',
  'substitute-25',
  'embed',
  'zh-traditional',
];

/** mulberry32: a small seeded PRNG, so every run transforms the same way. */
export function seededRandom(seed: string): () => number {
  let a = Math.floor(unitHash(seed) * 2 ** 32);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffleInPlace<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

export function sentences(text: string, lang: 'en' | 'zh'): string[] {
  const pattern = lang === 'zh' ? /(?<=[。！？!?])|\n+/ : /(?<=[.!?])\s+|\n+/;
  return text
    .split(pattern)
    .map((s) => s?.trim() ?? '')
    .filter((s) => s !== '');
}

const BRAND_SCRUBS: [RegExp, string][] = [
  [
    /\b(?:as an ai language model|as an ai assistant|as an ai|as a language model|as a large language model),?\s*/gi,
    '',
  ],
  [/\bI(?:'m| am) (?:an AI|a language model|ChatGPT)[^.!?\n]*[.!?]?\s*/g, ''],
  [/\b(?:ChatGPT|GPT-4o|GPT-4|GPT-3\.5|OpenAI)\b/g, 'the assistant'],
  [/作为一个?(?:AI|人工智能)(?:语言模型|助手|模型)?[，,]?/g, ''],
  [/(?:ChatGPT|OpenAI|GPT-4o?)/g, '助手'],
];

export function scrubBrands(text: string): string {
  let out = text;
  for (const [pattern, replacement] of BRAND_SCRUBS) out = out.replace(pattern, replacement);
  return out;
}

export function scrubPii(text: string): string {
  return (
    text
      .replace(/(?:https?:\/\/|www\.)[^\s)\]]+/g, '[URL]')
      .replace(/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, '[EMAIL]')
      .replace(/\+?\(?\d{2,4}\)?[ .-]\d{3,4}[ .-]\d{3,4}/g, '[PHONE]')
      .replace(/1[3-9]\d{9}/g, '[PHONE]')
      // Names as an NER scrubber finds them: two or more capitalized words in a row, not after a
      // sentence break.
      .replace(/(?<=[a-z,;] )(?:[A-Z][a-z]+(?: [A-Z][a-z]+)+)/g, '[NAME]')
  );
}

export function reformat(text: string, lang: 'en' | 'zh'): string {
  const stripped = text
    .split('\n')
    .map((line) => line.replace(/^\s*(?:#{1,6}|>|[-*+]|\d+[.)])\s+/, ''))
    .join('\n')
    .replace(/\*\*|__|`+|\*/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return lang === 'en' ? stripped.toLowerCase() : stripped;
}

const WORD = /[\p{L}\p{N}']+/gu;
const zhSegmenter = new Intl.Segmenter('zh', { granularity: 'word' });

/** Replaces `rate` of the words (chosen at random) by random words from `vocabulary`. */
export function substitute(
  text: string,
  rate: number,
  lang: 'en' | 'zh',
  vocabulary: string[],
  random: () => number,
): string {
  const spans: [number, number][] = [];
  if (lang === 'zh') {
    for (const s of zhSegmenter.segment(text))
      if (s.isWordLike) spans.push([s.index, s.index + s.segment.length]);
  } else {
    for (const m of text.matchAll(WORD)) spans.push([m.index as number, (m.index as number) + m[0].length]);
  }
  const count = Math.round(spans.length * rate);
  const chosen = new Set(
    shuffleInPlace(
      spans.map((_, i) => i),
      random,
    ).slice(0, count),
  );
  let out = '';
  let at = 0;
  spans.forEach(([start, end], i) => {
    if (!chosen.has(i)) return;
    let word = vocabulary[Math.floor(random() * vocabulary.length)];
    if (word === text.slice(start, end))
      word = vocabulary[(vocabulary.indexOf(word) + 1) % vocabulary.length];
    out += text.slice(at, start) + word;
    at = end;
  });
  return out + text.slice(at);
}

/** Simplified → traditional with ICU (uconv), for many texts at once. */
export function toTraditional(texts: string[]): string[] {
  const separator = '\n\u2063\u2063\n';
  const out = execFileSync('uconv', ['-x', 'Simplified-Traditional'], {
    input: texts.join(separator),
    maxBuffer: 1 << 28,
  }).toString('utf8');
  const parts = out.split(separator);
  if (parts.length !== texts.length) throw new Error('uconv changed the separators');
  return parts;
}

export interface TransformContext {
  vocabulary: { en: string[]; zh: string[] };
  /** Human documents to embed an output in. */
  hosts: { en: string[]; zh: string[] };
}

/** Applies one transform (all but zh-traditional, which runs in batches through uconv). */
export function desensitize(
  transform: Exclude<Transform, 'zh-traditional'>,
  item: { id: string; text: string; lang: 'en' | 'zh' },
  context: TransformContext,
): string {
  const random = seededRandom(`${transform}|${item.id}`);
  const { text, lang } = item;
  switch (transform) {
    case 'verbatim':
      return text;
    case 'scrub-brand':
      return scrubBrands(text);
    case 'scrub-pii':
      return scrubPii(text);
    case 'reformat':
      return reformat(text, lang);
    case 'shuffle':
      return shuffleInPlace(sentences(text, lang), random).join(lang === 'zh' ? '' : ' ');
    case 'drop-30': {
      const all = sentences(text, lang);
      const drop = new Set(
        shuffleInPlace(
          all.map((_, i) => i),
          random,
        ).slice(0, Math.round(all.length * 0.3)),
      );
      return all.filter((_, i) => !drop.has(i)).join(lang === 'zh' ? '' : ' ');
    }
    case 'truncate-50': {
      let cut = Math.floor(text.length / 2);
      if (lang === 'en') while (cut > 0 && !/\s/.test(text[cut])) cut--;
      return text.slice(0, cut);
    }
    case 'substitute-10':
      return substitute(text, 0.1, lang, context.vocabulary[lang], random);
    case 'substitute-25':
      return substitute(text, 0.25, lang, context.vocabulary[lang], random);
    case 'embed': {
      // a human document at least twice as long as the output (two joined if need be)
      const hosts = context.hosts[lang];
      let host = hosts[Math.floor(random() * hosts.length)];
      while (host.length < 2 * text.length) host += `\n${hosts[Math.floor(random() * hosts.length)]}`;
      const paragraphs = host.split(/\n+/);
      const middle = Math.floor(paragraphs.length / 2);
      return [...paragraphs.slice(0, middle), text, ...paragraphs.slice(middle)].join('\n\n');
    }
  }
}
