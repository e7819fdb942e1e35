// Compares a suspect model's answers to the canary prompts with the outputs Warden served for them,
// against reference models known not to be trained on those outputs. Pure; no I/O.
//
// Statistic — distinctive n-gram coverage. For canary i and reference j, the distinctive n-grams
// D(i, −j) are the word n-grams of the served output that no *other* reference model produced for
// the same prompt: phrasing particular to the served model rather than to the task. A model trained
// on the served outputs reproduces more of that phrasing than an independent model does. Reference
// j is scored on D(i, −j) (it did not help build it); the suspect is scored on the same sets, so the
// two are exchangeable under H0 ("the suspect is one more model not trained on the outputs").
//
// Two tests, both one-sided, combined as an intersection–union test (Berger 1982, Technometrics
// 24(4)): the audit rejects H0 only when both reject, so its p-value is the larger of the two.
//  1. Across canaries: the paired sign-flip permutation test on d_i = mean_j [cov_suspect(i, −j) −
//     cov_j(i, −j)] (Fisher 1935; Pitman 1937). Sensitive, but it treats canaries as the only source
//     of chance and would flag any model that is systematically a little closer in style.
//  2. Across models: the suspect's mean coverage against the spread of the reference models' mean
//     coverages (normal prediction interval, Student's t with K − 1 df). This accounts for how much
//     innocent models differ from each other, which test 1 ignores.
// The idea of scoring a suspect by what it shares with the parent beyond what independent models
// share follows model-provenance testing (Nikolić et al. 2025, "Model Provenance Testing for Large
// Language Models", arXiv:2502.00706); the n-gram statistic and the two-test design are ours.
import { predictionTest, signFlipTest } from './statistics.js';
import { auditTokens, canarySimilarity } from './text-similarity.js';

export interface Canary {
  id: string;
  prompt?: string;
  output: string;
}

export interface ModelAnswer {
  id: string;
  output: string;
}

export interface ReferenceModel {
  name: string;
  answers: ModelAnswer[];
}

export interface CanaryComparisonOptions {
  /** Word n-gram order of the distinctive-phrase statistic (default 3). */
  ngram?: number;
  permutations?: number;
  seed?: number;
  /** How many canaries to return as evidence (default 5). */
  top?: number;
  /** Tokenizer (default auditTokens); a bench passes a memoized one. */
  tokenize?: (text: string) => string[];
}

export interface CanaryEvidence {
  id: string;
  prompt: string | null;
  served: string;
  answer: string;
  /** Share of the served output's distinctive n-grams the suspect reproduced. */
  coverage: number;
  /** The same share for the reference models, averaged. */
  reference_coverage: number;
  /** ROUGE-1..3 F1 of the suspect's answer to the served output (for reading, not the test). */
  similarity: number;
  /** Distinctive phrases of the served output found in the suspect's answer. */
  shared: string[];
}

export interface CanaryComparison {
  ran: boolean;
  /** Why the test did not run, when it did not. */
  reason: string | null;
  /** Canaries that entered the test. */
  n: number;
  /** Canaries left out: no suspect answer, no answer from every reference, or no distinctive n-gram. */
  skipped: { no_answer: number; no_reference_answer: number; no_distinctive_ngrams: number };
  ngram: number;
  references: { name: string; coverage: number }[];
  suspect_coverage: number;
  mean_difference: number;
  p_canary: number;
  permutations: number;
  t_model: number;
  df: number;
  p_model: number;
  /** max(p_canary, p_model): the intersection–union p-value. */
  p_value: number;
  top: CanaryEvidence[];
}

function ngramSet(tokens: string[], n: number): Set<string> {
  const set = new Set<string>();
  for (let i = 0; i + n <= tokens.length; i++) set.add(tokens.slice(i, i + n).join(' '));
  return set;
}

function notRun(reason: string, ngram: number, skipped: CanaryComparison['skipped']): CanaryComparison {
  return {
    ran: false,
    reason,
    n: 0,
    skipped,
    ngram,
    references: [],
    suspect_coverage: 0,
    mean_difference: 0,
    p_canary: 1,
    permutations: 0,
    t_model: 0,
    df: 0,
    p_model: 1,
    p_value: 1,
    top: [],
  };
}

/** Runs the canary test; see the file comment for the method. */
export function compareWithCanaries(
  canaries: Canary[],
  suspect: ModelAnswer[],
  references: ReferenceModel[],
  {
    ngram = 3,
    permutations = 10_000,
    seed = 1,
    top = 5,
    tokenize = auditTokens,
  }: CanaryComparisonOptions = {},
): CanaryComparison {
  const skipped = { no_answer: 0, no_reference_answer: 0, no_distinctive_ngrams: 0 };
  const suspectById = new Map(suspect.map((a) => [a.id, a.output]));
  const referenceById = references.map((r) => new Map(r.answers.map((a) => [a.id, a.output])));
  const k = references.length;
  if (k < 2) {
    return notRun(
      `the canary test needs answers from at least two reference models (got ${k}); pass --reference FILE for each`,
      ngram,
      skipped,
    );
  }

  const differences: number[] = [];
  const suspectSums: number[] = [];
  const referenceSums = new Array<number>(k).fill(0);
  const referenceCounts = new Array<number>(k).fill(0);
  let suspectCount = 0;
  const evidence: (CanaryEvidence & { gap: number })[] = [];

  for (const canary of canaries) {
    const answer = suspectById.get(canary.id);
    if (answer === undefined) {
      skipped.no_answer++;
      continue;
    }
    const referenceAnswers = referenceById.map((m) => m.get(canary.id));
    if (referenceAnswers.some((a) => a === undefined)) {
      skipped.no_reference_answer++;
      continue;
    }
    const served = ngramSet(tokenize(canary.output), ngram);
    const suspectGrams = ngramSet(tokenize(answer), ngram);
    const referenceGrams = referenceAnswers.map((a) => ngramSet(tokenize(a as string), ngram));

    let differenceSum = 0;
    let suspectSum = 0;
    let referenceSum = 0;
    let valid = 0;
    const shared = new Set<string>();
    for (let j = 0; j < k; j++) {
      let size = 0;
      let bySuspect = 0;
      let byReference = 0;
      for (const gram of served) {
        let elsewhere = false;
        for (let other = 0; other < k && !elsewhere; other++) {
          if (other !== j && referenceGrams[other].has(gram)) elsewhere = true;
        }
        if (elsewhere) continue;
        size++;
        if (suspectGrams.has(gram)) {
          bySuspect++;
          if (!referenceGrams[j].has(gram)) shared.add(gram);
        }
        if (referenceGrams[j].has(gram)) byReference++;
      }
      if (size === 0) continue;
      valid++;
      const covSuspect = bySuspect / size;
      const covReference = byReference / size;
      differenceSum += covSuspect - covReference;
      suspectSum += covSuspect;
      referenceSum += covReference;
      referenceSums[j] += covReference;
      referenceCounts[j]++;
    }
    if (valid === 0) {
      skipped.no_distinctive_ngrams++;
      continue;
    }
    differences.push(differenceSum / valid);
    suspectSums.push(suspectSum / valid);
    suspectCount++;
    evidence.push({
      id: canary.id,
      prompt: canary.prompt ?? null,
      served: canary.output,
      answer,
      coverage: suspectSum / valid,
      reference_coverage: referenceSum / valid,
      similarity: 0,
      shared: [...shared].slice(0, 12),
      gap: differenceSum / valid,
    });
  }

  if (suspectCount < 2) {
    return notRun(
      `only ${suspectCount} canar${suspectCount === 1 ? 'y has' : 'ies have'} answers from the suspect and every reference model; the test needs at least 2`,
      ngram,
      skipped,
    );
  }

  const canaryTest = signFlipTest(differences, { permutations, seed });
  const suspectCoverage = suspectSums.reduce((a, b) => a + b, 0) / suspectCount;
  const referenceCoverages = referenceSums.map((sum, j) =>
    referenceCounts[j] ? sum / referenceCounts[j] : 0,
  );
  const modelTest = predictionTest(suspectCoverage, referenceCoverages);
  evidence.sort((a, b) => b.gap - a.gap);

  return {
    ran: true,
    reason: null,
    n: suspectCount,
    skipped,
    ngram,
    references: references.map((r, j) => ({ name: r.name, coverage: referenceCoverages[j] })),
    suspect_coverage: suspectCoverage,
    mean_difference: canaryTest.mean,
    p_canary: canaryTest.p,
    permutations: canaryTest.permutations,
    t_model: modelTest.t,
    df: modelTest.df,
    p_model: modelTest.p,
    p_value: Math.max(canaryTest.p, modelTest.p),
    top: evidence
      .slice(0, top)
      .map(({ gap: _gap, ...rest }) => ({ ...rest, similarity: canarySimilarity(rest.answer, rest.served) })),
  };
}
