// What one suspect document shares with the registry: every k-gram of the document is looked up
// (not only its winnowed ones), each hit credited to the outputs holding that fingerprint. Pure; the
// index is an in-memory structure. An output's score combines how much evidence there is (the
// distinct fingerprints it shares with the document, each weighted by 1 / the accounts holding it)
// with how much of one text the other explains (the larger of: the weighted share of the output's
// fingerprints found, the share of the document's words within a few words of a match); the calibration (calibration.ts) turns a score into a false-positive rate measured on
// text that was never served. The form was chosen on the benchmark's features (bench/provenance):
// shared count alone cannot tell a copied output from another model's answer to the same prompt that
// happens to share a quote, a table or code, and either share alone fails on short texts.
import { GUARANTEE_WORDS, type KeyedHasher, KGRAM_WORDS, WINNOW_WINDOW } from '../fingerprint/index.js';
import { normalizeText } from '../normalize/index.js';

/** The slice of the posting index the tracer needs. */
export interface FingerprintLookup {
  lookup(key: number, visit?: (ordinal: number) => void, limit?: number): number;
  fingerprintsOf(ordinal: number): number;
  /** A number per account an output was served to (0 = unknown, counted as one account). */
  accountOf(ordinal: number): number;
}

/**
 * Fingerprints held by more outputs than this are boilerplate ("here are some tips to", code
 * scaffolding) and carry no evidence of where a document came from; they are skipped.
 */
export const COMMON_FINGERPRINT_OUTPUTS = 64;

/** Outputs examined per document (the strongest by shared fingerprints). */
export const CANDIDATES_PER_DOCUMENT = 16;

export interface CandidateEvidence {
  ordinal: number;
  /** Distinct fingerprints of the output found in the document. */
  shared: number;
  /**
   * The shared fingerprints each weighted by 1 / (accounts whose outputs hold it): a run of words that
   * outputs served to several accounts contain (a famous quote, lyrics, a standard table, the usual
   * code) is what any model writes for that prompt, so other models' answers share it too; it counts
   * for less. One account served the same text many times keeps its full weight.
   */
  weighted: number;
  /** Fingerprints the output has in all. */
  fingerprints: number;
  /** Share of the output's fingerprints found in the document. */
  containment: number;
  /** Share of the document's words covered by the output's matched k-grams. */
  coverage: number;
  /**
   * The same with each matched k-gram widened by SCORE_GAP_MARGIN words on both sides: a copy whose
   * words were substituted here and there keeps matches every few words and is covered almost
   * whole; an answer that shares one block (a quote, code) is covered only around that block.
   */
  gappedCoverage: number;
  /** 0–1; see candidateScore. */
  score: number;
  /** Positions (k-gram starts, in normalized words) of the document where the output matched. */
  positions: number[];
}

export interface DocumentEvidence {
  /** Normalized words of the document. */
  words: number;
  /** 'zh' when most normalized words are Chinese (the calibration differs). */
  language: 'zh' | 'other';
  /** Shorter than the winnowing guarantee: too short to decide. */
  tooShort: boolean;
  /**
   * Fingerprints the document itself would carry if it were a served output (its k-grams times the
   * winnowing density 2 / (w + 1)): the most evidence any match with it can have.
   */
  capacity: number;
  candidates: CandidateEvidence[];
  /** Offsets of each normalized word in the document (for highlighting). */
  starts: number[];
  ends: number[];
}

/** Fewer shared fingerprints than this is never a match, whatever the calibration says. */
export const MINIMUM_SHARED = 3;

/** Margin (words) around each matched k-gram for `gappedCoverage`. */
export const SCORE_GAP_MARGIN = 3;

/**
 * 1 − exp(−√shared · max(containment, gappedCoverage)² / 2), where `shared` and `containment` count
 * each shared fingerprint by 1 / (outputs holding it) (see CandidateEvidence.weighted). A verbatim
 * copy of a 100-fingerprint output scores 0.99; a document sharing 9 fingerprints that make up 10%
 * of both texts scores 0.01.
 * A full copy of an output of F fingerprints scores 1 − exp(−√F / 2): how much evidence an output
 * can ever give is bounded by its size (see `minimumEvidence` in calibration.ts).
 */
export function candidateScore(shared: number, containment: number, gappedCoverage: number): number {
  const explained = Math.max(containment, gappedCoverage);
  return 1 - Math.exp((-Math.sqrt(shared) * explained ** 2) / 2);
}

/** Expected fingerprints of `words` normalized words (winnowing density 2 / (w + 1)). */
export function fingerprintCapacity(words: number): number {
  return (Math.max(0, words - KGRAM_WORDS + 1) * 2) / (WINNOW_WINDOW + 1);
}

export function documentEvidence(
  text: string,
  hasher: KeyedHasher,
  index: FingerprintLookup,
): DocumentEvidence {
  const { words, starts, ends } = normalizeText(text);
  const language = documentLanguage(words);
  const capacity = fingerprintCapacity(words.length);
  if (words.length < GUARANTEE_WORDS)
    return { words: words.length, language, tooShort: true, capacity, candidates: [], starts, ends };
  const hashes = hasher.kgramHashes(words, KGRAM_WORDS);
  // Most k-grams of a document miss the index, so the index is asked first and only hits are
  // tracked: per distinct hit key its positions, per output the distinct keys it holds.
  const keyIndexOf = new Map<number, number>();
  const keyPositions: number[][] = [];
  const keyHolders: number[] = [];
  const shared = new Map<number, number[]>();
  const holders: number[] = [];
  const collect = (ordinal: number) => {
    holders.push(ordinal);
  };
  for (let i = 0; i < hashes.hi.length; i++) {
    holders.length = 0;
    index.lookup(hashes.hi[i], collect, COMMON_FINGERPRINT_OUTPUTS + 1);
    if (holders.length === 0 || holders.length > COMMON_FINGERPRINT_OUTPUTS) continue;
    const key = hashes.hi[i] | 0; // int32: a small-integer Map key
    const known = keyIndexOf.get(key);
    if (known !== undefined) {
      keyPositions[known].push(i);
      continue;
    }
    const keyIndex = keyPositions.length;
    keyIndexOf.set(key, keyIndex);
    keyPositions.push([i]);
    keyHolders.push(distinctAccounts(holders, index));
    for (const ordinal of holders) {
      const list = shared.get(ordinal);
      if (list) list.push(keyIndex);
      else shared.set(ordinal, [keyIndex]);
    }
  }
  // The strongest candidates by distinct shared fingerprints; positions only for those.
  const ranked: { ordinal: number; keys: number[] }[] = [];
  for (const [ordinal, keys] of shared) ranked.push({ ordinal, keys });
  ranked.sort((a, b) => b.keys.length - a.keys.length || a.ordinal - b.ordinal);
  const candidates = ranked.slice(0, CANDIDATES_PER_DOCUMENT).map((c) => {
    const positions: number[] = [];
    for (const k of c.keys) for (const p of keyPositions[k]) positions.push(p);
    let weighted = 0;
    for (const k of c.keys) weighted += 1 / keyHolders[k];
    return { ordinal: c.ordinal, positions, distinct: c.keys.length, weighted };
  });
  const scored = candidates.slice(0, CANDIDATES_PER_DOCUMENT).map((c) => {
    const fingerprints = index.fingerprintsOf(c.ordinal);
    const containment = fingerprints === 0 ? 0 : Math.min(1, c.distinct / fingerprints);
    c.positions.sort((a, b) => a - b);
    const coverage = coverageOf(c.positions, words.length);
    const gappedCoverage = coverageOf(c.positions, words.length, SCORE_GAP_MARGIN);
    return {
      ordinal: c.ordinal,
      shared: c.distinct,
      weighted: c.weighted,
      fingerprints,
      containment,
      coverage,
      gappedCoverage,
      score: candidateScore(
        c.weighted,
        fingerprints === 0 ? 0 : Math.min(1, c.weighted / fingerprints),
        gappedCoverage,
      ),
      positions: c.positions,
    };
  });
  scored.sort((a, b) => b.score - a.score || a.ordinal - b.ordinal);
  return { words: words.length, language, tooShort: false, capacity, starts, ends, candidates: scored };
}

/** How many accounts the outputs in `holders` (at most a few dozen) were served to. */
function distinctAccounts(holders: readonly number[], index: FingerprintLookup): number {
  if (holders.length === 1) return 1;
  const seen: number[] = [];
  for (const ordinal of holders) {
    const account = index.accountOf(ordinal);
    if (!seen.includes(account)) seen.push(account);
  }
  return seen.length;
}

const HAN = /\p{sc=Han}/u;

/** 'zh' when at least half of the normalized words contain a Han character. */
export function documentLanguage(words: readonly string[]): 'zh' | 'other' {
  let han = 0;
  for (const word of words) if (word.charCodeAt(0) >= 0x2e80 && HAN.test(word)) han++;
  return words.length > 0 && han * 2 >= words.length ? 'zh' : 'other';
}

/**
 * Share of the document's words covered by the k-grams at `positions`, each widened by `margin`
 * words on both sides (margin 0: the words the matched k-grams cover).
 */
export function coverageOf(positions: readonly number[], words: number, margin = 0): number {
  if (words === 0 || positions.length === 0) return 0;
  const sorted = isSorted(positions) ? positions : [...positions].sort((a, b) => a - b);
  let covered = 0;
  let end = 0; // words before `end` are counted
  for (const p of sorted) {
    const from = Math.max(end, p - margin, 0);
    const to = Math.min(words, p + KGRAM_WORDS + margin);
    if (to > from) covered += to - from;
    if (to > end) end = to;
  }
  return covered / words;
}

function isSorted(values: readonly number[]): boolean {
  for (let i = 1; i < values.length; i++) if (values[i] < values[i - 1]) return false;
  return true;
}
