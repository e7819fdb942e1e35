// Keyed fingerprints of normalized text: word k-grams hashed with a per-deployment key, thinned by
// winnowing (Schleimer, Wilkerson & Aiken, "Winnowing: local algorithms for document fingerprinting",
// SIGMOD 2003). Pure; no I/O.
//
// Choice: k = 5 normalized words, window w = 4 k-grams, so the guarantee threshold is
// t = k + w − 1 = 8 words: any run of at least 8 normalized words shared by a served output and a
// suspect document yields at least one shared fingerprint, and nothing shorter than k = 5 words can.
// The expected density is 2 / (w + 1) = 0.4 fingerprints per word (~100 for a 250-word output).
// Short k keeps matches alive under word substitution (a 5-gram survives 25% random substitution
// with probability 0.75^5 ≈ 0.24); the query side looks up every k-gram of the suspect text, not
// only its winnowed ones, so each stored fingerprint that survives is found.
//
// Keying: each normalized word is hashed with HMAC-SHA256 under DeploymentSecret.derive('fingerprint')
// (64 bits kept, memoized per word); a k-gram's 64-bit hash mixes its words' keyed hashes in order.
// Without the key nobody can compute a word's hash, so a leaked registry cannot be used to test
// whether a guessed text was served.
import { createHmac } from 'node:crypto';

export const KGRAM_WORDS = 5;
export const WINNOW_WINDOW = 4;
/** Every shared run of at least this many normalized words yields a shared fingerprint. */
export const GUARANTEE_WORDS = KGRAM_WORDS + WINNOW_WINDOW - 1;

/** A list of 64-bit hashes as two parallel 32-bit halves. */
export interface HashList {
  hi: Uint32Array;
  lo: Uint32Array;
}

const MAX_CACHED_WORDS = 1 << 21;

/** Keyed 64-bit hashes of words and k-grams under one deployment key. */
export class KeyedHasher {
  readonly #key: Buffer;
  readonly #slots = new Map<string, number>();
  #hi = new Uint32Array(1 << 12);
  #lo = new Uint32Array(1 << 12);
  readonly #seedHi: number;
  readonly #seedLo: number;

  constructor(key: Buffer) {
    if (key.length < 16) throw new Error('the fingerprint key must be at least 16 bytes');
    this.#key = key;
    const seed = createHmac('sha256', key).update('\u0000kgram-seed').digest();
    this.#seedHi = seed.readUInt32LE(0);
    this.#seedLo = seed.readUInt32LE(4);
  }

  #slot(word: string): number {
    let slot = this.#slots.get(word);
    if (slot !== undefined) return slot;
    if (this.#slots.size >= MAX_CACHED_WORDS) this.#slots.clear();
    slot = this.#slots.size;
    if (slot >= this.#hi.length) {
      const hi = new Uint32Array(this.#hi.length * 2);
      const lo = new Uint32Array(this.#lo.length * 2);
      hi.set(this.#hi);
      lo.set(this.#lo);
      this.#hi = hi;
      this.#lo = lo;
    }
    const digest = createHmac('sha256', this.#key).update(word).digest();
    this.#hi[slot] = digest.readUInt32LE(0);
    this.#lo[slot] = digest.readUInt32LE(4);
    this.#slots.set(word, slot);
    return slot;
  }

  /** The keyed 64-bit hash of one word. */
  wordHash(word: string): [number, number] {
    const slot = this.#slot(word);
    return [this.#hi[slot], this.#lo[slot]];
  }

  /** Keyed 64-bit hashes of every k-gram of `words` (words.length − k + 1 of them, or none). */
  kgramHashes(words: readonly string[], k: number = KGRAM_WORDS): HashList {
    const count = Math.max(0, words.length - k + 1);
    const hi = new Uint32Array(count);
    const lo = new Uint32Array(count);
    if (count === 0) return { hi, lo };
    // Two independent multiply-rotate lanes (MurmurHash3's 32-bit body and finalizer, Appleby 2011)
    // over the keyed word hashes, in order; each lane also absorbs the other half so that all 64
    // input bits reach both output words. The block half of MurmurHash3's round depends only on the
    // word, so it is computed once per word, not once per k-gram the word is in.
    const blockA = new Int32Array(words.length);
    const blockB = new Int32Array(words.length);
    for (let i = 0; i < words.length; i++) {
      const slot = this.#slot(words[i]);
      const wordHi = this.#hi[slot];
      const wordLo = this.#lo[slot];
      blockA[i] = scrambleBlock(wordHi ^ Math.imul(wordLo, 0x27d4eb2f));
      blockB[i] = scrambleBlock(wordLo ^ Math.imul(wordHi, 0x165667b1));
    }
    const seedHi = this.#seedHi;
    const seedLo = this.#seedLo;
    for (let i = 0; i < count; i++) {
      let a = seedHi;
      let b = seedLo;
      for (let j = i; j < i + k; j++) {
        a = mixScrambled(a, blockA[j]);
        b = mixScrambled(b, blockB[j]);
      }
      hi[i] = finalize(a ^ k) >>> 0;
      lo[i] = finalize(b ^ (k << 8)) >>> 0;
    }
    return { hi, lo };
  }
}

/** MurmurHash3's per-block scramble: c1 multiply, rotate 15, c2 multiply. */
function scrambleBlock(block: number): number {
  let x = Math.imul(block, 0xcc9e2d51);
  x = (x << 15) | (x >>> 17);
  return Math.imul(x, 0x1b873593);
}

/** MurmurHash3's round with an already scrambled block. */
function mixScrambled(h: number, scrambled: number): number {
  let y = h ^ scrambled;
  y = (y << 13) | (y >>> 19);
  return (Math.imul(y, 5) + 0xe6546b64) | 0;
}

function finalize(h: number): number {
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x;
}

function less(hash: HashList, i: number, j: number): boolean {
  return hash.hi[i] < hash.hi[j] || (hash.hi[i] === hash.hi[j] && hash.lo[i] < hash.lo[j]);
}

/**
 * Robust winnowing (Schleimer et al. 2003, §3 and §5): in every window of `w` consecutive k-gram
 * hashes select the minimum (the rightmost one on ties) and record it once. Returns the selected
 * positions in increasing order. A sequence shorter than one window selects its minimum.
 */
export function winnow(hash: HashList, w: number = WINNOW_WINDOW): number[] {
  const n = hash.hi.length;
  const selected: number[] = [];
  if (n === 0) return selected;
  const windows = Math.max(1, n - w + 1);
  const span = Math.min(w, n);
  let last = -1;
  for (let start = 0; start < windows; start++) {
    let best = start;
    for (let i = start + 1; i < start + span; i++) if (!less(hash, best, i)) best = i;
    if (best !== last) {
      selected.push(best);
      last = best;
    }
  }
  return selected;
}

/**
 * Positions of `words` whose k-gram also occurs in `prompt` (already hashed): the words of those
 * k-grams were copied from the request, not generated.
 */
export function copiedWords(
  outputHashes: HashList,
  promptHashes: HashList,
  wordCount: number,
  k: number,
): Uint8Array {
  const copied = new Uint8Array(wordCount);
  if (promptHashes.hi.length === 0) return copied;
  const prompt = new Set<number>();
  for (let i = 0; i < promptHashes.hi.length; i++)
    prompt.add(promptHashes.hi[i] * 4096 + (promptHashes.lo[i] >>> 20));
  for (let i = 0; i < outputHashes.hi.length; i++) {
    if (prompt.has(outputHashes.hi[i] * 4096 + (outputHashes.lo[i] >>> 20))) copied.fill(1, i, i + k);
  }
  return copied;
}

// Scripts written without spaces: Intl.Segmenter cuts them into words by dictionary, and an edit can
// make it cut the unchanged text around it differently.
const UNSPACED =
  /^[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Thai}\p{sc=Lao}\p{sc=Khmer}\p{sc=Myanmar}]/u;

/**
 * Alignment offsets of normalized words (offsets[i] = units before word i): a word of an unspaced
 * script counts its characters, any other word counts one. Positions of matches are compared in these
 * units (see `chainCoverage` in trace/evidence.ts), so a Chinese sentence segmented into other words
 * after a nearby edit keeps its offsets, while spaced text keeps counting words.
 */
export function alignmentOffsets(words: readonly string[]): Uint32Array {
  const offsets = new Uint32Array(words.length + 1);
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    offsets[i + 1] = offsets[i] + (word.charCodeAt(0) >= 0x0e00 && UNSPACED.test(word) ? word.length : 1);
  }
  return offsets;
}

/**
 * A position that is not known: a k-gram starting at or beyond this offset (positions are kept in 16
 * bits), or a posting written before positions were kept.
 */
export const UNKNOWN_POSITION = 0xffff;

/** An output's fingerprints, sorted by key, each with the word position of its k-gram in the output. */
export interface Fingerprints {
  keys: Uint32Array;
  /**
   * Where the fingerprint's k-gram starts (its first occurrence), in `alignmentOffsets` units;
   * UNKNOWN_POSITION for a k-gram starting there or later.
   */
  positions: Uint32Array;
}

/**
 * The fingerprints of a served output: winnowed keyed k-gram hashes (the upper 32 bits, distinct),
 * computed only over what the model generated. Runs of the output copied from its prompt are cut out,
 * and each remaining run is winnowed on its own, so a k-gram never straddles a removed span. Each key
 * keeps where its k-gram starts, so that a tracer can check that matches line up in order
 * (see `chainCoverage` in trace/evidence.ts).
 */
export function outputFingerprints(
  hasher: KeyedHasher,
  words: readonly string[],
  promptWords: readonly string[] | null,
  { k = KGRAM_WORDS, w = WINNOW_WINDOW }: { k?: number; w?: number } = {},
): Fingerprints {
  const all = hasher.kgramHashes(words, k);
  const offsets = alignmentOffsets(words);
  const copied =
    promptWords && promptWords.length >= k
      ? copiedWords(all, hasher.kgramHashes(promptWords, k), words.length, k)
      : null;
  // Selected (key, position) pairs packed as key · 2^16 + position (exact in a double), sorted
  // numerically; the first of each key is its first occurrence.
  const selected = new Float64Array(all.hi.length);
  let count = 0;
  let runStart = 0;
  for (let i = 0; i <= words.length; i++) {
    if (i < words.length && !copied?.[i]) continue;
    // words [runStart, i) were generated; their k-grams are all[runStart .. i − k]
    const from = runStart;
    const to = i - k + 1;
    if (to > from) {
      const run = { hi: all.hi.subarray(from, to), lo: all.lo.subarray(from, to) };
      for (const position of winnow(run, w))
        selected[count++] = run.hi[position] * 65536 + Math.min(offsets[from + position], UNKNOWN_POSITION);
    }
    runStart = i + 1;
  }
  const sorted = selected.subarray(0, count).sort();
  let distinct = 0;
  for (let i = 0; i < count; i++)
    if (i === 0 || Math.floor(sorted[i] / 65536) !== Math.floor(sorted[i - 1] / 65536)) distinct++;
  const keys = new Uint32Array(distinct);
  const positions = new Uint32Array(distinct);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const key = Math.floor(sorted[i] / 65536);
    if (at > 0 && keys[at - 1] === key) continue;
    keys[at] = key;
    positions[at++] = sorted[i] - key * 65536;
  }
  return { keys, positions };
}
