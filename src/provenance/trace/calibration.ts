// Calibrated false-positive rates: the scores that text which was never served reached against a
// registry of served outputs (computed by bench/provenance/run.ts --write-calibration; the table
// ships in calibration-table.ts). Never-served text comes in strata that behave very differently:
// human text almost never shares a run of words with a model's output, other models' answers to the
// same prompts often do (a famous quote, a table of states, the same code). Each stratum gives its own
// estimate, (negatives scoring ≥ s + 1) / (negatives + 1), never 0; the reported rate is the largest,
// so the hardest negatives decide the threshold. Chinese documents are calibrated on Chinese strata
// only: Chinese text shares far fewer 5-word runs by chance, and a threshold set by English
// same-prompt answers would throw that away.
import { CALIBRATION } from './calibration-table.js';
import { candidateScore, MINIMUM_SHARED } from './evidence.js';

/** The calibration a document falls under, by its script (see `documentLanguage`). */
export type CalibrationLanguage = 'zh' | 'other';

export interface CalibrationStratum {
  name: string;
  language: CalibrationLanguage;
  /** Never-served documents of this stratum that were long enough to decide. */
  negatives: number;
  /** Their highest scores, in decreasing order (the rest are lower than the last one kept). */
  topScores: number[];
}

export interface CalibrationTable {
  strata: CalibrationStratum[];
  /** Where the numbers come from. */
  source: string;
}

export const DEFAULT_FPR = 0.001;

function stratumRate(stratum: CalibrationStratum, score: number): number {
  let above = 0;
  while (above < stratum.topScores.length && stratum.topScores[above] >= score) above++;
  // Below the kept tail, at least the whole tail scored higher: the estimate is a lower bound there.
  return Math.min(1, (above + 1) / (stratum.negatives + 1));
}

function strataFor(table: CalibrationTable, language: CalibrationLanguage): CalibrationStratum[] {
  return table.strata.filter((s) => s.language === language);
}

/** Estimated probability that a never-served document (of this language) scores at least `score`. */
export function falsePositiveRate(
  score: number,
  language: CalibrationLanguage = 'other',
  table: CalibrationTable = CALIBRATION,
): number {
  const strata = strataFor(table, language);
  if (strata.length === 0) return 1;
  return Math.max(...strata.map((s) => stratumRate(s, score)));
}

function stratumThreshold(stratum: CalibrationStratum, fpr: number): number {
  const allowed = Math.floor(fpr * (stratum.negatives + 1) - 1);
  const scores = stratum.topScores;
  if (scores.length === 0) return 0;
  if (allowed < 0) return scores[0] + 1e-9;
  if (allowed >= scores.length) return allowed >= stratum.negatives ? 0 : scores[scores.length - 1] + 1e-9;
  return scores[allowed] + 1e-9;
}

/**
 * The lowest score whose estimated false-positive rate is at most `fpr` in every stratum: documents
 * scoring at least this are matches. Where a stratum is too small to certify `fpr`, the threshold
 * sits above every negative of it.
 */
export function scoreThreshold(
  fpr: number,
  language: CalibrationLanguage = 'other',
  table: CalibrationTable = CALIBRATION,
): number {
  if (!(fpr > 0 && fpr <= 1)) throw new Error(`the false-positive rate must be in (0, 1], got ${fpr}`);
  const strata = strataFor(table, language);
  if (strata.length === 0) return 0;
  return Math.min(1, Math.max(...strata.map((s) => stratumThreshold(s, fpr))));
}

/**
 * The fewest fingerprints an output must have for a full copy of it to reach `threshold`: a smaller
 * output can never be matched with the promised false-positive rate, whatever the document.
 */
export function minimumEvidence(threshold: number): number {
  let fingerprints = MINIMUM_SHARED;
  while (fingerprints < 100_000 && candidateScore(fingerprints, 1, 1) < threshold) fingerprints++;
  return fingerprints;
}

/** The part of a document's evidence that decides whether it can be judged at all. */
export interface DecidableEvidence {
  /** Shorter than the winnowing guarantee. */
  tooShort: boolean;
  /** Fingerprints the document itself could carry (see `fingerprintCapacity`). */
  capacity: number;
}

/**
 * "Too short to decide" (`match: null`) rather than "no": the document is shorter than the
 * guarantee; or it is too short to carry `minimum` fingerprints, so not even a verbatim copy of an
 * output could reach the threshold; or, failing a match, its strongest candidate is an output too
 * small to certify (fewer than `minimum` generated fingerprints: a short answer, or one mostly
 * copied from its prompt) of which the document holds at least half — it may well be that output,
 * but the evidence an output that small carries cannot tell it from chance at this rate.
 */
export function tooShortToDecide(
  document: DecidableEvidence,
  best: { shared: number; fingerprints: number; containment: number; score: number } | undefined,
  threshold: number,
  minimum: number,
): boolean {
  if (document.tooShort || document.capacity < minimum) return true;
  return (
    best !== undefined &&
    best.shared >= MINIMUM_SHARED &&
    best.score < threshold &&
    best.fingerprints < minimum &&
    best.containment >= 0.5
  );
}
