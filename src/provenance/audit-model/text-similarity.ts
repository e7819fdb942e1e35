// Per-canary text similarity for model audits: word n-gram overlap (ROUGE-N style, Lin 2004,
// "ROUGE: A Package for Automatic Evaluation of Summaries") computed after a light normalization.
// Pure; no I/O.

const segmenter = new Intl.Segmenter(undefined, { granularity: 'word' });

/**
 * Word tokens of a text after Unicode NFKC and case folding. Words come from Intl.Segmenter, so
 * unspaced scripts (Chinese, Japanese) split into words too; numbers are folded to one placeholder
 * so that a reworded figure does not break an n-gram.
 */
export function auditTokens(text: string): string[] {
  const folded = text.normalize('NFKC').toLowerCase();
  const tokens: string[] = [];
  for (const part of segmenter.segment(folded)) {
    if (!part.isWordLike) continue;
    tokens.push(/^\p{Nd}[\p{Nd}.,]*$/u.test(part.segment) ? '<num>' : part.segment);
  }
  return tokens;
}

function ngramCounts(tokens: string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const gram = tokens.slice(i, i + n).join('\u0001');
    counts.set(gram, (counts.get(gram) ?? 0) + 1);
  }
  return counts;
}

/** Clipped n-gram overlap F1 between two token lists (ROUGE-N F-measure); 0 when either is empty. */
export function ngramF1(a: string[], b: string[], n: number): number {
  const ca = ngramCounts(a, n);
  const cb = ngramCounts(b, n);
  let totalA = 0;
  let totalB = 0;
  for (const v of ca.values()) totalA += v;
  for (const v of cb.values()) totalB += v;
  if (totalA === 0 || totalB === 0) return 0;
  let overlap = 0;
  for (const [gram, count] of ca) overlap += Math.min(count, cb.get(gram) ?? 0);
  if (overlap === 0) return 0;
  const precision = overlap / totalA;
  const recall = overlap / totalB;
  return (2 * precision * recall) / (precision + recall);
}

/** The n-gram orders averaged by `canarySimilarity`. */
export const SIMILARITY_ORDERS = [1, 2, 3] as const;

/**
 * Similarity of an answer to the served output: the mean ROUGE-N F1 over n = 1, 2, 3 on normalized
 * word tokens. Unigrams see shared vocabulary, bigrams and trigrams shared phrasing, which is what a
 * model distilled from the outputs picks up.
 */
export function canarySimilarity(answer: string, served: string): number {
  const a = auditTokens(answer);
  const b = auditTokens(served);
  let sum = 0;
  for (const n of SIMILARITY_ORDERS) sum += ngramF1(a, b, n);
  return sum / SIMILARITY_ORDERS.length;
}
