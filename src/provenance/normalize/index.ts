// Text normalization for provenance fingerprints: the same function runs when an output is registered
// and when a suspect document is traced, so that what a "desensitizer" changes (case, punctuation,
// markup, whitespace, brand and self-references, PII, simplified vs traditional Chinese) is folded away
// before anything is hashed. Pure; no I/O.
//
// A document becomes a sequence of normalized words, each with its offsets in the original text (the
// HTML report highlights from them). Placeholders (brand/self-reference, number, e-mail, URL, phone,
// person name, redaction marks such as "[NAME]") are recorded but are NOT part of the word sequence:
// a scrubber that deletes a span and one that replaces it by a placeholder then give the same words.
import { SIMPLIFIED_CHARS, TRADITIONAL_CHARS } from './zh-variants.js';

export type PlaceholderKind = 'brand' | 'number' | 'email' | 'url' | 'phone' | 'name' | 'redacted';

export interface Placeholder {
  kind: PlaceholderKind;
  start: number;
  end: number;
}

export interface NormalizedText {
  /** Normalized words, in order; placeholders are not among them. */
  words: string[];
  /** UTF-16 offset in the input where each word starts / ends. */
  starts: number[];
  ends: number[];
  placeholders: Placeholder[];
}

/**
 * The tokens of a text in order, as parallel arrays rather than an object per token (fewer
 * allocations: normalizing English text is about a tenth faster). Of a placeholder's word only a
 * name's is used (brand phrases are tried on it). `normalizeText` compacts the arrays in place into
 * its result.
 */
interface Tokens {
  words: string[];
  kinds: (PlaceholderKind | null)[];
  starts: number[];
  ends: number[];
}

function pushToken(
  tokens: Tokens,
  word: string,
  kind: PlaceholderKind | null,
  start: number,
  end: number,
): void {
  tokens.words.push(word);
  tokens.kinds.push(kind);
  tokens.starts.push(start);
  tokens.ends.push(end);
}

// --- Chinese: traditional → simplified, one BMP character to one (same UTF-16 length, so offsets hold).
const HAN_BASE = 0x4e00;
const HAN_FOLD = new Uint16Array(0xa000 - HAN_BASE);
{
  const from = [...TRADITIONAL_CHARS];
  const to = [...SIMPLIFIED_CHARS];
  for (let i = 0; i < from.length; i++) {
    const code = from[i].codePointAt(0) as number;
    HAN_FOLD[code - HAN_BASE] = to[i].codePointAt(0) as number;
  }
}

/** Folds traditional Chinese characters to simplified ones; other characters are kept. */
export function foldChineseVariants(text: string): string {
  let out = '';
  let copiedTo = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < HAN_BASE || code >= 0xa000) continue;
    const folded = HAN_FOLD[code - HAN_BASE];
    if (folded === 0) continue;
    out += text.slice(copiedTo, i) + String.fromCharCode(folded);
    copiedTo = i + 1;
  }
  return copiedTo === 0 ? text : out + text.slice(copiedTo);
}

// --- Spans replaced before word splitting: URLs, e-mails, redaction marks, markup. Each pattern runs
// only when a cheap test says the text may contain one (most outputs contain none).
interface SpanRule {
  kind: PlaceholderKind | 'markup';
  mayOccur: (text: string) => boolean;
  pattern: RegExp;
}
const SPAN_RULES: SpanRule[] = [
  {
    kind: 'url',
    mayOccur: (t) => t.includes('://') || t.includes('www.'),
    pattern: /(?:https?:\/\/|www\.)[^\s<>"'\])）】]+/gu,
  },
  {
    kind: 'email',
    mayOccur: (t) => t.includes('@'),
    pattern: /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu,
  },
  {
    kind: 'redacted',
    mayOccur: (t) => /[[<{【]/.test(t),
    pattern: /[[<{【]{1,2}\s*(?:[A-Z][A-Z_ -]{1,30}|姓名|电话|邮箱|地址|人名|名字)\s*[\]>}】]{1,2}/gu,
  },
  {
    kind: 'markup',
    mayOccur: (t) => t.includes('<') || t.includes('&'),
    pattern: /<\/?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]{0,200})?\/?>|&(?:[a-z]{2,8}|#\d{1,6});/g,
  },
];

interface Span {
  kind: PlaceholderKind | 'markup';
  start: number;
  end: number;
}

function findSpans(text: string): Span[] {
  const spans: Span[] = [];
  for (const rule of SPAN_RULES) {
    if (!rule.mayOccur(text)) continue;
    for (const match of text.matchAll(rule.pattern)) {
      const start = match.index as number;
      spans.push({ kind: rule.kind, start, end: start + match[0].length });
    }
  }
  if (spans.length < 2) return spans;
  // Earlier rules win where spans overlap (a URL containing an "@" stays a URL).
  spans.sort((a, b) => a.start - b.start);
  const kept: Span[] = [spans[0]];
  for (const span of spans.slice(1)) if (span.start >= kept[kept.length - 1].end) kept.push(span);
  return kept;
}

// Scripts written without spaces go through Intl.Segmenter (ICU's dictionary word breaker). Other
// scripts split on letters and digits; ASCII words are scanned by hand (the common case, and several
// times faster than a Unicode regex), the rest by WORD_AT.
const UNSPACED = String.raw`\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Thai}\p{sc=Lao}\p{sc=Khmer}\p{sc=Myanmar}`;
const WORD_AT = new RegExp(
  `([${UNSPACED}]+)|([[\\p{L}\\p{N}\\p{M}]--[${UNSPACED}]]+(?:['’][[\\p{L}\\p{M}]--[${UNSPACED}]]+)*)`,
  'vy',
);
const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

const CAPITALIZED = /^\p{Lu}\p{Ll}/u;
const DIGIT = /\p{Nd}/u;
const APOSTROPHES = /['’]/g;
const UNICODE_SENTENCE_BREAK = new Set(['。', '！', '？', '；', '：', '…', '\u2028', '\u2029']);

function isAsciiAlnum(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
}

function isSentenceBreak(c: number): boolean {
  // . ! ? : ; and newline
  return c === 46 || c === 33 || c === 63 || c === 58 || c === 59 || c === 10;
}

function isNumberLike(word: string): boolean {
  if (!DIGIT.test(word)) return false;
  let letters = 0;
  for (const ch of word) if (!DIGIT.test(ch)) letters++;
  return letters <= 2;
}

function tokenize(text: string, { names = true }: { names?: boolean } = {}): Tokens {
  const tokens: Tokens = { words: [], kinds: [], starts: [], ends: [] };
  const spans = findSpans(text);
  let spanIndex = 0;
  let nextSpanStart = spans.length > 0 ? spans[0].start : Number.POSITIVE_INFINITY;
  let sentenceStart = true;
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (i >= nextSpanStart) {
      const span = spans[spanIndex++];
      if (span.kind !== 'markup') pushToken(tokens, '', span.kind, span.start, span.end);
      i = Math.max(i, span.end);
      nextSpanStart = spanIndex < spans.length ? spans[spanIndex].start : Number.POSITIVE_INFINITY;
      continue;
    }
    const c = text.charCodeAt(i);
    if (isAsciiAlnum(c)) {
      let j = i + 1;
      let upper = c >= 65 && c <= 90 ? 1 : 0;
      let digits = c <= 57 ? 1 : 0;
      let apostrophe = false;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if (isAsciiAlnum(d)) {
          if (d >= 65 && d <= 90) upper++;
          else if (d <= 57) digits++;
        } else if (d === 39 && j + 1 < n && isAsciiAlnum(text.charCodeAt(j + 1)) && j + 1 < nextSpanStart) {
          apostrophe = true;
        } else break;
      }
      if (j < n && text.charCodeAt(j) >= 128) {
        i = unicodeWord(text, i, tokens, names && !sentenceStart, nextSpanStart);
        sentenceStart = false;
        continue;
      }
      const end = Math.min(j, nextSpanStart);
      let word = text.slice(i, end);
      const letters = end - i - digits - (apostrophe ? 1 : 0);
      let kind: PlaceholderKind | null = null;
      if (digits > 0 && letters <= 2) kind = 'number';
      else if (names && !sentenceStart && upper > 0 && c >= 65 && c <= 90) {
        const second = text.charCodeAt(i + 1);
        if (second >= 97 && second <= 122) kind = 'name';
      }
      if (upper > 0) word = word.toLowerCase();
      if (apostrophe) word = word.replace(APOSTROPHES, '');
      pushToken(tokens, word, kind, i, end);
      sentenceStart = false;
      i = end;
      continue;
    }
    if (c < 128) {
      if (isSentenceBreak(c)) sentenceStart = true;
      i++;
      continue;
    }
    const next = unicodeWord(text, i, tokens, names && !sentenceStart, nextSpanStart);
    if (next === i) {
      if (UNICODE_SENTENCE_BREAK.has(text[i])) sentenceStart = true;
      i++;
    } else {
      sentenceStart = false;
      i = next;
    }
  }
  if (names) keepFullNamesOnly(text, tokens);
  return tokens;
}

/**
 * A person's name, as far as capitalization can tell, is two or more capitalized words in a row
 * inside a sentence ("Hugh Jackman", "Maria de la Cruz" keeps its capitalized parts). A single
 * capitalized word (a place, a product, a title word) stays a word: a distiller who lowercases the
 * text would otherwise break every k-gram around it.
 */
function keepFullNamesOnly(text: string, { kinds, starts, ends }: Tokens): void {
  let i = 0;
  while (i < kinds.length) {
    if (kinds[i] !== 'name') {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < kinds.length && kinds[j] === 'name' && /^[ \u00a0]$/.test(text.slice(ends[j - 1], starts[j])))
      j++;
    if (j - i < 2) kinds[i] = null;
    i = j;
  }
}

/** Reads the word (or run of unspaced script) at `at`, pushes its tokens, returns where it ends. */
function unicodeWord(text: string, at: number, tokens: Tokens, mayBeName: boolean, limit: number): number {
  WORD_AT.lastIndex = at;
  const match = WORD_AT.exec(text);
  if (!match) return at;
  const end = Math.min(at + match[0].length, limit);
  if (match[1] !== undefined) {
    const run = foldChineseVariants(text.slice(at, end));
    for (const segment of segmenter.segment(run)) {
      if (!segment.isWordLike) continue;
      const word = segment.segment.normalize('NFKC').toLowerCase();
      const start = at + segment.index;
      pushToken(tokens, word, isNumberLike(word) ? 'number' : null, start, start + segment.segment.length);
    }
    return end;
  }
  const raw = text.slice(at, end);
  const word = raw.normalize('NFKC').toLowerCase().replace(APOSTROPHES, '');
  let kind: PlaceholderKind | null = null;
  if (isNumberLike(word)) kind = 'number';
  else if (mayBeName && CAPITALIZED.test(raw)) kind = 'name';
  pushToken(tokens, word, kind, at, end);
  return end;
}

// --- Brand names and self-references, matched on normalized words (longest phrase first).
// Several brands are listed, ours and others', because a scrubber may swap one for another.
const BRAND_PHRASES = [
  'ChatGPT',
  'OpenAI',
  'Open AI',
  'GPT',
  'GPT-3.5',
  'GPT-4',
  'GPT-4o',
  'GPT-4 Turbo',
  'davinci',
  'text-davinci-003',
  'InstructGPT',
  'Claude',
  'Anthropic',
  'Gemini',
  'Bard',
  'LLaMA',
  'Mistral',
  'Qwen',
  'DeepSeek',
  'as an AI language model',
  'as a language model',
  'as an AI model',
  'as an AI assistant',
  'as an AI',
  'as a large language model',
  'I am an AI language model',
  "I'm an AI language model",
  'I am an AI assistant',
  "I'm an AI assistant",
  'I am an AI',
  "I'm an AI",
  'I am a language model',
  "I'm a language model",
  'I am a large language model',
  'an AI language model',
  'a large language model',
  'AI language model',
  'developed by OpenAI',
  'created by OpenAI',
  'trained by OpenAI',
  'made by OpenAI',
  "I'm an AI developed by OpenAI",
  'I am an AI developed by OpenAI',
  'I am ChatGPT',
  "I'm ChatGPT",
  '作为一个AI语言模型',
  '作为一个人工智能语言模型',
  '作为AI语言模型',
  '作为人工智能语言模型',
  '作为一个AI',
  '作为一个人工智能',
  '作为AI助手',
  '作为一个AI助手',
  '作为人工智能助手',
  '作为人工智能',
  '我是一个AI语言模型',
  '我是一个人工智能语言模型',
  '我是一个AI助手',
  '我是一个人工智能助手',
  '我是人工智能助手',
  '我是ChatGPT',
  '由OpenAI开发',
  '由OpenAI训练',
  'OpenAI开发的',
  '人工智能语言模型',
  'AI语言模型',
  '文心一言',
  '通义千问',
];

interface PhraseNode {
  next: Map<string, PhraseNode>;
  terminal: boolean;
}

function tokenKey(word: string, kind: PlaceholderKind | null): string {
  return kind === null ? word : `<${kind}>`;
}

const PHRASES: PhraseNode = { next: new Map(), terminal: false };
for (const phrase of BRAND_PHRASES) {
  let node = PHRASES;
  const { words, kinds } = tokenize(phrase, { names: false });
  for (let i = 0; i < words.length; i++) {
    const key = tokenKey(words[i], kinds[i]);
    let child = node.next.get(key);
    if (!child) {
      child = { next: new Map(), terminal: false };
      node.next.set(key, child);
    }
    node = child;
  }
  node.terminal = true;
}

/** How many tokens from `at` on form the longest brand phrase there (0: none). */
function brandPhraseLength({ words, kinds }: Tokens, at: number): number {
  let node = PHRASES;
  let longest = 0;
  for (let j = at; j < words.length; j++) {
    // A name placeholder may hide a brand ("… by OpenAI" mid-sentence): try its word too.
    const child =
      node.next.get(tokenKey(words[j], kinds[j])) ??
      (kinds[j] === 'name' ? node.next.get(words[j]) : undefined);
    if (child === undefined) break;
    node = child;
    if (node.terminal) longest = j - at + 1;
  }
  return longest;
}

/**
 * Normalizes a text into the word sequence that fingerprints are computed from. Brand phrases are
 * folded in the same pass that splits words from placeholders, and the token arrays become the
 * result: kept words move to the front in place (they never overtake the token being read).
 */
export function normalizeText(text: string): NormalizedText {
  const tokens = tokenize(text);
  const { words, kinds, starts, ends } = tokens;
  const placeholders: Placeholder[] = [];
  let kept = 0;
  for (let i = 0; i < words.length; ) {
    const brand = brandPhraseLength(tokens, i);
    if (brand > 0) {
      placeholders.push({ kind: 'brand', start: starts[i], end: ends[i + brand - 1] });
      i += brand;
      continue;
    }
    const kind = kinds[i];
    if (kind === null) {
      words[kept] = words[i];
      starts[kept] = starts[i];
      ends[kept] = ends[i];
      kept++;
    } else {
      placeholders.push({ kind, start: starts[i], end: ends[i] });
    }
    i++;
  }
  words.length = starts.length = ends.length = kept;
  return { words, starts, ends, placeholders };
}

/**
 * The normalized text as one readable string, placeholders shown as `<kind>` (runs of the same
 * placeholder merged). For reports and tests; fingerprints use `normalizeText(...).words`.
 */
export function normalizedForm(text: string): string {
  const tokens = tokenize(text);
  const parts: string[] = [];
  for (let i = 0; i < tokens.words.length; ) {
    const brand = brandPhraseLength(tokens, i);
    const kind = brand > 0 ? 'brand' : tokens.kinds[i];
    const key = tokenKey(tokens.words[i], kind);
    i += Math.max(brand, 1);
    if (kind !== null && parts[parts.length - 1] === key) continue;
    parts.push(key);
  }
  return parts.join(' ');
}
