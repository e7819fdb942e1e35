// Deterministic demo embeddings: a hashed bag of words ("the hashing trick", Weinberger et al.,
// "Feature Hashing for Large Scale Multitask Learning", ICML 2009): each lower-cased word adds ±1 at
// the position its FNV-1a hash picks, and the vector is scaled to unit length. Texts that share words
// get similar vectors; nothing more is meant by it.

const WORD = /[\p{L}\p{N}]+/gu;

/** FNV-1a, 32 bits (Fowler, Noll, Vo). */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The words of `input` (a text, or token ids as in OpenAI's token-array inputs). */
export function embeddingWords(input: string | readonly number[]): string[] {
  if (typeof input !== 'string') return input.map((token) => `#${token}`);
  return input.toLowerCase().match(WORD) ?? [];
}

/** A unit-length vector of `dimensions` numbers; an input without words gets the first unit vector. */
export function hashedEmbedding(words: readonly string[], dimensions: number): Float64Array {
  const vector = new Float64Array(dimensions);
  for (const word of words) {
    const hash = fnv1a32(word);
    // The low bits pick the position, the top bit the sign (so collisions tend to cancel out).
    vector[hash % dimensions] += hash & 0x80000000 ? -1 : 1;
  }
  let norm = 0;
  for (const value of vector) norm += value * value;
  if (norm === 0) {
    vector[0] = 1;
    return vector;
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < dimensions; i++) vector[i] /= norm;
  return vector;
}
