// Feature extraction for the intent classifier: normalized text → a sparse vector of hashed word
// unigrams/bigrams and character 2–4-grams (sublinear tf, each block L2-normalized) plus a few
// structural features (counts asked for, JSON output, template placeholders, numbered lists, separators,
// length). The same code runs at training time (scripts/train-intent.ts) and at inference.
//
// Hashing trick: Weinberger et al., "Feature Hashing for Large Scale Multitask Learning" (ICML 2009).
// Hash: FNV-1a 32-bit (Fowler, Noll, Vo) over UTF-16 code units, finished with MurmurHash3's fmix32
// avalanche (Austin Appleby) so that the low bits used as the bucket index are well mixed.

export interface FeatureConfig {
  /** log2 of the number of hashed buckets. */
  bits: number;
  /** Characters analysed from the start and from the end of a long text. */
  headChars: number;
  tailChars: number;
  /** Most characters of space-less script (Han, kana, Thai…) handed to Intl.Segmenter. */
  segmenterChars: number;
}

export const defaultFeatureConfig: FeatureConfig = {
  bits: 17,
  headChars: 4000,
  tailChars: 1000,
  segmenterChars: 32,
};

/** Names of the structural features, in the order of their reserved indices after the hashed space. */
export const structuralFeatureNames = [
  'count:none',
  'count:2-9',
  'count:10-99',
  'count:100+',
  'number:10-99',
  'number:100-999',
  'number:1000+',
  'json',
  'jsonl',
  'placeholder',
  'numbered-list:3+',
  'numbered-list:8+',
  'separator',
  'field-labels:3+',
  'quoted-blocks',
  'len:<60',
  'len:60-299',
  'len:300-1499',
  'len:1500+',
  'lines:10+',
  'bias',
] as const;

export const structuralFeatureCount = structuralFeatureNames.length;
type StructuralFeature = (typeof structuralFeatureNames)[number];
const S = Object.fromEntries(structuralFeatureNames.map((name, i) => [name, i])) as Record<
  StructuralFeature,
  number
>;

/** A sparse feature vector; indices may repeat (their contributions add). */
export interface SparseVector {
  indices: Int32Array;
  values: Float32Array;
  length: number;
}

/** 1 + ln(tf) for small counts, so the hot loop does no Math.log. */
const SUBLINEAR_TF = Float32Array.from({ length: 256 }, (_, i) => (i === 0 ? 0 : 1 + Math.log(i)));

function sublinear(tf: number): number {
  return tf < 256 ? SUBLINEAR_TF[tf] : 1 + Math.log(tf);
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SEED_WORD = 0x9e3779b1;
const SEED_BIGRAM = 0x85ebca6b;
const SEED_CHAR = 0xc2b2ae35;

function fmix32(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** FNV-1a over a string's UTF-16 code units, starting from `seed`. */
export function fnv1a(text: string, seed = FNV_OFFSET): number {
  let h = seed ^ FNV_OFFSET;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

function combine(a: number, b: number): number {
  let h = a ^ SEED_BIGRAM;
  h = Math.imul(h ^ (b & 0xff), FNV_PRIME);
  h = Math.imul(h ^ ((b >>> 8) & 0xff), FNV_PRIME);
  h = Math.imul(h ^ ((b >>> 16) & 0xff), FNV_PRIME);
  h = Math.imul(h ^ (b >>> 24), FNV_PRIME);
  return h >>> 0;
}

// Lone surrogates would make normalize() keep garbage and can break JSON round trips.
const HAS_SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Keeps the head and tail of a long text, cut on code-point boundaries, lone surrogates replaced. */
export function capText(text: string, config: FeatureConfig = defaultFeatureConfig): string {
  let t = text;
  if (t.length > config.headChars + config.tailChars) {
    t = `${t.slice(0, config.headChars)}\n${t.slice(t.length - config.tailChars)}`;
  }
  return HAS_SURROGATE.test(t) ? t.replace(LONE_SURROGATE, '\uFFFD') : t;
}

/** NFKC, lowercase, digits folded to 0, whitespace runs collapsed to one space. */
export function normalizeText(capped: string): string {
  return capped.normalize('NFKC').toLowerCase().replace(/\d/g, '0').replace(/\s+/g, ' ').trim();
}

/** UTF-16 code units of the normalized text (same folding as normalizeText), in a reused buffer. */
function foldCodes(capped: string, buffer: Uint16Array): { codes: Uint16Array; length: number } {
  const lower = capped.normalize('NFKC').toLowerCase();
  let codes = buffer;
  if (codes.length < lower.length + 2) codes = new Uint16Array(lower.length * 2 + 2);
  let n = 0;
  let space = true; // drop leading whitespace
  for (let i = 0; i < lower.length; i++) {
    let c = lower.charCodeAt(i);
    if (
      c === 32 ||
      (c >= 9 && c <= 13) ||
      c === 0xa0 ||
      c === 0x3000 ||
      c === 0x2028 ||
      c === 0x2029 ||
      c === 0x85
    ) {
      if (space) continue;
      space = true;
      codes[n++] = 32;
      continue;
    }
    space = false;
    if (c >= 48 && c <= 57) c = 48;
    codes[n++] = c;
  }
  if (n > 0 && codes[n - 1] === 32) n--;
  return { codes, length: n };
}

/** Han, kana, Thai, Lao, Myanmar, Khmer: scripts written without spaces between words. */
function isSpaceless(c: number): boolean {
  return (
    (c >= 0x4e00 && c <= 0x9fff) ||
    (c >= 0x3400 && c <= 0x4dbf) ||
    (c >= 0x3040 && c <= 0x30ff) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0x0e00 && c <= 0x0eff) ||
    (c >= 0x1000 && c <= 0x109f) ||
    (c >= 0x1780 && c <= 0x17ff)
  );
}

/** Letters, marks and digits of every script; punctuation, symbols and spaces split words. */
function isWordChar(c: number): boolean {
  if (c < 0x80) return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || (c >= 65 && c <= 90);
  if (c < 0xc0) return c === 0xaa || c === 0xb5 || c === 0xba;
  if (c === 0xd7 || c === 0xf7) return false;
  if (c >= 0x2000 && c <= 0x2bff) return false; // punctuation, symbols, arrows, box drawing
  if (c >= 0x3000 && c <= 0x303f) return false; // CJK punctuation
  if (c >= 0xfe30 && c <= 0xfe4f) return false;
  if (c >= 0xff00 && c <= 0xff0f) return false;
  if (c >= 0xff1a && c <= 0xff20) return false;
  if (c >= 0xd800 && c <= 0xdfff) return false; // astral (emoji mostly): not words
  if (c === 0xfffd || c === 0xfeff) return false;
  return true;
}

let segmenter: Intl.Segmenter | null = null;

/**
 * Calls `emit(start, end)` for every word of the folded text, in order. Where a space-less script
 * first appears, one window of `segmenterChars` characters goes through Intl.Segmenter (ICU's
 * dictionary segmenter) in a single call; ICU costs about half a microsecond per character, so outside
 * that window space-less runs fall back to overlapping character bigrams, the usual word approximation
 * in CJK retrieval. Everything else splits on non-letters, which for space-separated scripts gives
 * Intl.Segmenter's words far faster.
 */
function scanWords(
  codes: Uint16Array,
  length: number,
  segmenterChars: number,
  emit: (start: number, end: number) => void,
): void {
  let windowStart = length;
  let windowEnd = length;
  if (segmenterChars > 0) {
    for (let i = 0; i < length; i++) {
      if (isSpaceless(codes[i])) {
        windowStart = i;
        windowEnd = Math.min(length, i + segmenterChars);
        break;
      }
    }
  }
  let i = 0;
  while (i < length) {
    if (i === windowStart) {
      segmenter ??= new Intl.Segmenter('zh', { granularity: 'word' });
      const part = String.fromCharCode.apply(null, Array.from(codes.subarray(windowStart, windowEnd)));
      for (const seg of segmenter.segment(part)) {
        if (seg.isWordLike) emit(windowStart + seg.index, windowStart + seg.index + seg.segment.length);
      }
      i = windowEnd;
      continue;
    }
    const c = codes[i];
    const stop = i < windowStart ? windowStart : length;
    if (isSpaceless(c)) {
      let j = i + 1;
      while (j < stop && isSpaceless(codes[j])) j++;
      if (j - i === 1) emit(i, j);
      for (let k = i; k + 1 < j; k++) emit(k, k + 2);
      i = j;
    } else if (isWordChar(c)) {
      let j = i + 1;
      while (j < stop && isWordChar(codes[j]) && !isSpaceless(codes[j])) j++;
      emit(i, j);
      i = j;
    } else {
      i++;
    }
  }
}

/** Word tokens of a text as the classifier sees them (for tests and debugging). */
export function wordTokens(text: string, config: FeatureConfig = defaultFeatureConfig): string[] {
  const { codes, length } = foldCodes(capText(text, config), new Uint16Array(0));
  const out: string[] = [];
  scanWords(codes, length, config.segmenterChars, (a, b) => {
    out.push(String.fromCharCode.apply(null, Array.from(codes.subarray(a, b))));
  });
  return out;
}

// A number followed (within a few words) by a kind of item that datasets are made of.
const NUMBER = /\d{1,6}/g;
const ITEM_AFTER =
  /^\s*\+?\s*(?:[\p{L}-]+\s+){0,3}?(?:tasks?|instructions?|questions?|prompts?|examples?|samples?|items?|records?|rows?|entries|pairs?|dialogues?|conversations?|q&as?|problems?|sentences?|reviews?|texts?|responses?|answers?|exercises?|scenarios?|tweets?|emails?|queries|variations?|paraphrases?|ejemplos?|preguntas?|pares|exemples?|paires|примеров|вопросов|пар|件|個|个|条|道|組|组|对|対|段|篇|句|問|题|題)/iu;
const CJK_COUNT = /([一二两三四五六七八九十百千万]+|\d+)\s*(?:个|条|道|组|對|对|段|篇|句|份|件|個|組|問)/u;
const JSONL = /jsonl|json lines|ndjson|one json object per line|每行一个/i;
const JSON_MENTION = /\bjson\b|\{\s*"[^"]{1,40}"\s*:/i;
const PLACEHOLDER =
  /\{\{?\s*[a-z_][\w.]*\s*\}\}?|<\s*[a-z_]+(?:[_-][a-z]+)*\s*>|\[\s*[A-Z][A-Z_ ]{2,}\s*\]|#[A-Z][A-Za-z ]+#|\$\{[a-z_]+\}/;
const NUMBERED_LINE = /^\s*(?:\d{1,3}|[a-z])\s*[.)、:．]\s*\S/gm;
const SEPARATOR = /^\s*(?:#{3,}|-{3,}|={3,}|\*{3,}|<\|[a-z_]+\|>)/m;
const FIELD_LABEL = /^\s*[\p{L}][\p{L}\p{N} _#-]{1,30}\s*[:：]/gmu;
const QUOTED_BLOCK = /"""|```|'''|「|【|\[\[/g;

function cjkNumber(s: string): number {
  if (/^\d+$/.test(s)) return Number(s);
  const digits: Record<string, number> = {
    一: 1,
    二: 2,
    两: 2,
    三: 3,
    四: 4,
    五: 5,
    六: 6,
    七: 7,
    八: 8,
    九: 9,
  };
  const units: Record<string, number> = { 十: 10, 百: 100, 千: 1000, 万: 10000 };
  let total = 0;
  let current = 0;
  for (const ch of s) {
    if (ch in digits) current = digits[ch];
    else if (ch in units) {
      total += (current || 1) * units[ch];
      current = 0;
    }
  }
  return total + current;
}

/** Indices (0-based, before the hashed-space offset) of the structural features that fire. */
export function structuralFeatures(capped: string): number[] {
  const out: number[] = [];
  let maxCount = 0;
  let seen = 0;
  for (const m of capped.matchAll(NUMBER)) {
    if (++seen > 64) break;
    const n = Number(m[0]);
    if (n <= maxCount) continue;
    const at = (m.index ?? 0) + m[0].length;
    if (ITEM_AFTER.test(capped.slice(at, at + 48))) maxCount = n;
  }
  const cjk = CJK_COUNT.exec(capped);
  if (cjk) maxCount = Math.max(maxCount, cjkNumber(cjk[1]));
  out.push(
    S[
      maxCount < 2
        ? 'count:none'
        : maxCount < 10
          ? 'count:2-9'
          : maxCount < 100
            ? 'count:10-99'
            : 'count:100+'
    ],
  );
  // Any bare number, whatever the language of the noun after it (years 1900–2099 excluded).
  let maxBare = 0;
  seen = 0;
  for (const m of capped.matchAll(NUMBER)) {
    if (++seen > 64) break;
    const v = Number(m[0]);
    if (m[0].length === 4 && v >= 1900 && v <= 2099) continue;
    if (v > maxBare) maxBare = v;
  }
  if (maxBare >= 10)
    out.push(S[maxBare < 100 ? 'number:10-99' : maxBare < 1000 ? 'number:100-999' : 'number:1000+']);
  const jsonl = JSONL.test(capped);
  if (jsonl || JSON_MENTION.test(capped)) out.push(S.json);
  if (jsonl) out.push(S.jsonl);
  if (PLACEHOLDER.test(capped)) out.push(S.placeholder);
  const numbered = capped.match(NUMBERED_LINE)?.length ?? 0;
  if (numbered >= 3) out.push(S['numbered-list:3+']);
  if (numbered >= 8) out.push(S['numbered-list:8+']);
  if (SEPARATOR.test(capped)) out.push(S.separator);
  if ((capped.match(FIELD_LABEL)?.length ?? 0) >= 3) out.push(S['field-labels:3+']);
  if ((capped.match(QUOTED_BLOCK)?.length ?? 0) >= 2) out.push(S['quoted-blocks']);
  const len = capped.length;
  out.push(S[len < 60 ? 'len:<60' : len < 300 ? 'len:60-299' : len < 1500 ? 'len:300-1499' : 'len:1500+']);
  let lines = 1;
  for (let i = 0; i < capped.length && lines < 10; i++) if (capped.charCodeAt(i) === 10) lines++;
  if (lines >= 10) out.push(S['lines:10+']);
  out.push(S.bias);
  return out;
}

/** Reusable buffers for one extractor; not shared between threads. */
export interface FeatureExtractor {
  readonly config: FeatureConfig;
  /** Size of the weight rows: hashed buckets + structural features. */
  readonly dimension: number;
  extract(text: string): SparseVector;
}

export function createFeatureExtractor(config: FeatureConfig = defaultFeatureConfig): FeatureExtractor {
  const buckets = 1 << config.bits;
  const mask = buckets - 1;
  // Uint16 counts (a capped text has at most ~15,000 n-grams): a quarter of the cache footprint of floats.
  const wordCounts = new Uint16Array(buckets);
  const charCounts = new Uint16Array(buckets);
  let wordTouched = new Int32Array(1024);
  let charTouched = new Int32Array(4096);
  let codeBuffer: Uint16Array = new Uint16Array(1024);

  return {
    config,
    dimension: buckets + structuralFeatureCount,
    extract: function extractFeatures(text: string): SparseVector {
      const capped = capText(typeof text === 'string' ? text : String(text ?? ''), config);
      const folded = foldCodes(capped, codeBuffer);
      codeBuffer = folded.codes;
      const codes = folded.codes;
      const n = folded.length;
      let nWord = 0;
      let nChar = 0;

      const addWord = (h: number) => {
        const idx = fmix32(h) & mask;
        if (wordCounts[idx] === 0) {
          if (nWord === wordTouched.length) {
            const grown = new Int32Array(nWord * 2);
            grown.set(wordTouched);
            wordTouched = grown;
          }
          wordTouched[nWord++] = idx;
        }
        wordCounts[idx] += 1;
      };

      let prev = 0x2545f491; // start-of-text marker for the first bigram
      let words = 0;
      scanWords(codes, n, config.segmenterChars, (a, b) => {
        let h = SEED_WORD ^ FNV_OFFSET;
        for (let i = a; i < b; i++) h = Math.imul(h ^ codes[i], FNV_PRIME);
        h >>>= 0;
        addWord(h);
        addWord(combine(prev, h));
        prev = h;
        words++;
      });
      if (words > 0) addWord(combine(prev, 0x68e31da4)); // end-of-text bigram

      // Character 2–4-grams over " text ", hashed incrementally from each start (no substrings).
      for (let i = -1; i < n; i++) {
        let h = SEED_CHAR ^ FNV_OFFSET;
        for (let k = 0; k < 4 && i + k <= n; k++) {
          const p = i + k;
          h = Math.imul(h ^ (p < 0 || p >= n ? 32 : codes[p]), FNV_PRIME);
          if (k >= 1) {
            const idx = fmix32(h ^ k) & mask;
            if (charCounts[idx] === 0) {
              if (nChar === charTouched.length) {
                const grown = new Int32Array(nChar * 2);
                grown.set(charTouched);
                charTouched = grown;
              }
              charTouched[nChar++] = idx;
            }
            charCounts[idx] += 1;
          }
        }
      }

      const structural = structuralFeatures(capped);
      const total = nWord + nChar + structural.length;
      const indices = new Int32Array(total);
      const values = new Float32Array(total);
      let o = 0;
      // Sublinear tf (1 + ln tf), each block scaled to unit L2 norm so that the many character n-grams
      // do not drown the words.
      for (const [touched, count, counts] of [
        [wordTouched, nWord, wordCounts],
        [charTouched, nChar, charCounts],
      ] as const) {
        let sq = 0;
        for (let j = 0; j < count; j++) {
          const v = sublinear(counts[touched[j]]);
          sq += v * v;
        }
        const scale = sq > 0 ? 1 / Math.sqrt(sq) : 0;
        for (let j = 0; j < count; j++) {
          const idx = touched[j];
          indices[o] = idx;
          values[o] = sublinear(counts[idx]) * scale;
          counts[idx] = 0;
          o++;
        }
      }
      for (const s of structural) {
        indices[o] = buckets + s;
        values[o] = 0.5;
        o++;
      }
      return { indices, values, length: o };
    },
  };
}
