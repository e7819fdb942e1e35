// What one suspect document shares with the registry: every k-gram of the document is looked up
// (not only its winnowed ones), each hit credited to the outputs holding that fingerprint. Pure; the
// index is an in-memory structure. An output's score combines how much evidence there is (the
// distinct fingerprints it shares with the document, each weighted by 1 / the accounts holding it)
// with how much of one text the other explains (the larger of: the weighted share of the output's
// fingerprints found, the share of the document's words inside chains of matches that line up with
// the output); the calibration (calibration.ts) turns a score into a false-positive rate measured on
// text that was never served. The form was chosen on the benchmark's features (bench/provenance):
// shared count alone cannot tell a copied output from another model's answer to the same prompt that
// happens to share a quote, a table or code, and either share alone fails on short texts.
import {
  alignmentOffsets,
  GUARANTEE_WORDS,
  type KeyedHasher,
  KGRAM_WORDS,
  UNKNOWN_POSITION,
  WINNOW_WINDOW,
} from '../fingerprint/index.js';
import { normalizeText } from '../normalize/index.js';

/** The slice of the posting index the tracer needs. */
export interface FingerprintLookup {
  lookup(key: number, visit?: (ordinal: number, position: number) => void, limit?: number): number;
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
   * Share of the document's words inside chains of matches that line up with the output (see
   * `chainCoverage`): a copy whose words were substituted here and there keeps matches every few
   * words on one chain and is covered almost whole; an answer that shares one block (a quote, code)
   * is covered only by that block.
   */
  alignedCoverage: number;
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

/**
 * 1 − exp(−√shared · max(containment, alignedCoverage)² / 2), where `shared` and `containment` count
 * each shared fingerprint by 1 / (outputs holding it) (see CandidateEvidence.weighted). A verbatim
 * copy of a 100-fingerprint output scores 0.99; a document sharing 9 fingerprints that make up 10%
 * of both texts scores 0.01.
 * A full copy of an output of F fingerprints scores 1 − exp(−√F / 2): how much evidence an output
 * can ever give is bounded by its size (see `minimumEvidence` in calibration.ts).
 */
export function candidateScore(shared: number, containment: number, alignedCoverage: number): number {
  const explained = Math.max(containment, alignedCoverage);
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
  const offsets = alignmentOffsets(words);
  // Most k-grams of a document miss the index, so the index is asked first and only hits are
  // tracked: per distinct hit key its positions in the document, per output the distinct keys it
  // holds with the key's position in the output.
  const keyIndexOf = new Map<number, number>();
  const keyPositions: number[][] = [];
  const keyHolders: number[] = [];
  const shared = new Map<number, number[]>(); // ordinal → [keyIndex, output position, …]
  const holders: number[] = [];
  const holderPositions: number[] = [];
  const collect = (ordinal: number, position: number) => {
    holders.push(ordinal);
    holderPositions.push(position);
  };
  for (let i = 0; i < hashes.hi.length; i++) {
    holders.length = 0;
    holderPositions.length = 0;
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
    for (let h = 0; h < holders.length; h++) {
      const list = shared.get(holders[h]);
      if (list) list.push(keyIndex, holderPositions[h]);
      else shared.set(holders[h], [keyIndex, holderPositions[h]]);
    }
  }
  // The strongest candidates by distinct shared fingerprints; positions only for those.
  const ranked: { ordinal: number; keys: number[] }[] = [];
  for (const [ordinal, keys] of shared) ranked.push({ ordinal, keys });
  ranked.sort((a, b) => b.keys.length - a.keys.length || a.ordinal - b.ordinal);
  const scored = ranked.slice(0, CANDIDATES_PER_DOCUMENT).map((c): CandidateEvidence => {
    const anchors: Anchor[] = [];
    let weighted = 0;
    for (let j = 0; j < c.keys.length; j += 2) {
      const keyIndex = c.keys[j];
      weighted += 1 / keyHolders[keyIndex];
      for (const p of keyPositions[keyIndex])
        anchors.push({ document: p, offset: offsets[p], output: c.keys[j + 1] });
    }
    const distinct = c.keys.length / 2;
    const fingerprints = index.fingerprintsOf(c.ordinal);
    anchors.sort((x, y) => x.document - y.document || x.output - y.output);
    const positions = anchors.map((x) => x.document);
    const alignedCoverage = chainCoverage(anchors, words.length);
    const weightedContainment = fingerprints === 0 ? 0 : Math.min(1, weighted / fingerprints);
    return {
      ordinal: c.ordinal,
      shared: distinct,
      weighted,
      fingerprints,
      containment: fingerprints === 0 ? 0 : Math.min(1, distinct / fingerprints),
      coverage: coverageOf(positions, words.length),
      alignedCoverage,
      score: candidateScore(weighted, weightedContainment, alignedCoverage),
      positions,
    };
  });
  scored.sort((a, b) => b.score - a.score || a.ordinal - b.ordinal);
  return { words: words.length, language, tooShort: false, capacity, starts, ends, candidates: scored };
}

/**
 * A shared fingerprint's k-gram start in the document (its word index, and its `alignmentOffsets`
 * offset, the word index when absent) and in the output (an offset; UNKNOWN_POSITION: unknown).
 */
export interface Anchor {
  document: number;
  offset?: number;
  output: number;
}

/** Longest gap between two matches of one chain, in the document (alignment units: words, or characters of unspaced scripts). */
export const CHAIN_GAP = 48;

/**
 * Share of the document's words inside chains of matches that line up with the output: seed-and-chain
 * alignment as in sequence search (BLAST's two-hit seeds, Altschul et al. 1997; minimap2's chaining,
 * Li 2018) over shared fingerprints. Two matches chain when they come in the same order in both texts,
 * at most CHAIN_GAP words apart, and as far apart in the document as in the output (on one diagonal of
 * the alignment: a word replaced by another keeps it; a sentence dropped or added, or a word split in
 * two, breaks the chain there, and the text around it chains on its own). Tolerating a word of drift
 * was measured (bench/provenance): it let other models' answers to the same prompt chain their stock
 * phrases, which raised the calibrated threshold by more than it gained. A chain covers the document from its first match to the end of its last k-gram;
 * a match chained to nothing covers its own k-gram. A copy whose words were substituted here and there
 * keeps a match every few words, all on one chain, and is covered almost whole; another model's answer
 * that shares a quote or a few stock phrases is covered only by them. `anchors` are sorted by document
 * position.
 */
export function chainCoverage(anchors: readonly Anchor[], words: number): number {
  if (words === 0 || anchors.length === 0) return 0;
  // start[i]: the earliest document position of a chain ending at anchor i (dynamic programming over
  // the anchors before it within CHAIN_GAP words).
  const start = new Int32Array(anchors.length);
  for (let i = 0; i < anchors.length; i++) {
    const a = anchors[i];
    start[i] = a.document;
    if (a.output !== UNKNOWN_POSITION) {
      const at = a.offset ?? a.document;
      for (let j = i - 1; j >= 0; j--) {
        const b = anchors[j];
        const gap = at - (b.offset ?? b.document);
        if (gap > CHAIN_GAP) break;
        if (a.document <= b.document || b.output === UNKNOWN_POSITION || a.output - b.output !== gap)
          continue;
        if (start[j] < start[i]) start[i] = start[j];
      }
    }
  }
  // The union of the chains' spans [start, end of the last k-gram).
  const order = Array.from(start.keys()).sort((x, y) => start[x] - start[y]);
  let covered = 0;
  let end = 0; // document words before `end` are counted
  for (const i of order) {
    const from = Math.max(end, start[i]);
    const to = Math.min(words, anchors[i].document + KGRAM_WORDS);
    if (to > from) covered += to - from;
    if (to > end) end = to;
  }
  return covered / words;
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

/** Share of the document's words covered by the k-grams starting at `positions`. */
export function coverageOf(positions: readonly number[], words: number): number {
  if (words === 0 || positions.length === 0) return 0;
  const sorted = isSorted(positions) ? positions : [...positions].sort((a, b) => a - b);
  let covered = 0;
  let end = 0; // words before `end` are counted
  for (const p of sorted) {
    const from = Math.max(end, p);
    const to = Math.min(words, p + KGRAM_WORDS);
    if (to > from) covered += to - from;
    if (to > end) end = to;
  }
  return covered / words;
}

function isSorted(values: readonly number[]): boolean {
  for (let i = 1; i < values.length; i++) if (values[i] < values[i - 1]) return false;
  return true;
}
