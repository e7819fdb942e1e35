import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  alignmentOffsets,
  GUARANTEE_WORDS,
  KeyedHasher,
  KGRAM_WORDS,
  outputFingerprints,
  WINNOW_WINDOW,
  winnow,
} from './index.js';

const hasher = new KeyedHasher(Buffer.alloc(32, 1));

// Words from a small vocabulary so that random texts also share runs by chance.
const word = fc.constantFrom(
  ...'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega'.split(
    ' ',
  ),
);

describe('winnowing', () => {
  it('states the guarantee t = k + w − 1', () => {
    expect(GUARANTEE_WORDS).toBe(KGRAM_WORDS + WINNOW_WINDOW - 1);
  });

  it('any shared run of at least t words yields a shared fingerprint (property)', () => {
    fc.assert(
      fc.property(
        fc.array(word, { maxLength: 40 }),
        fc.array(word, { maxLength: 40 }),
        fc.array(word, { maxLength: 40 }),
        fc.array(word, { maxLength: 40 }),
        fc.array(word, { minLength: GUARANTEE_WORDS, maxLength: 30 }),
        (beforeA, afterA, beforeB, afterB, shared) => {
          const a = outputFingerprints(hasher, [...beforeA, ...shared, ...afterA], null).keys;
          const b = outputFingerprints(hasher, [...beforeB, ...shared, ...afterB], null).keys;
          const inA = new Set(a);
          expect(b.some((key) => inA.has(key))).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('selects about 2 / (w + 1) of the k-grams', () => {
    const words = Array.from({ length: 5000 }, (_, i) => `w${(i * 7919) % 3001}`);
    const density = winnow(hasher.kgramHashes(words)).length / (words.length - KGRAM_WORDS + 1);
    expect(density).toBeGreaterThan(0.3);
    expect(density).toBeLessThan(0.5);
  });

  it('selects the rightmost minimum of each window', () => {
    const hash = { hi: Uint32Array.from([5, 3, 3, 9, 7, 8, 1]), lo: new Uint32Array(7) };
    expect(winnow(hash, 4)).toEqual([2, 6]);
  });
});

describe('keyed hashes', () => {
  it('differ across secrets and agree for one secret', () => {
    const other = new KeyedHasher(Buffer.alloc(32, 2));
    const same = new KeyedHasher(Buffer.alloc(32, 1));
    const words = 'the quick brown fox jumps over the lazy dog'.split(' ');
    expect(Array.from(hasher.kgramHashes(words).hi)).toEqual(Array.from(same.kgramHashes(words).hi));
    const a = hasher.kgramHashes(words).hi;
    const b = other.kgramHashes(words).hi;
    expect(a.every((h, i) => h !== b[i])).toBe(true);
    expect(hasher.wordHash('fox')).not.toEqual(other.wordHash('fox'));
  });

  it('depend on word order', () => {
    const a = hasher.kgramHashes(['a', 'b', 'c', 'd', 'e']).hi[0];
    const b = hasher.kgramHashes(['b', 'a', 'c', 'd', 'e']).hi[0];
    expect(a).not.toBe(b);
  });
});

describe('outputFingerprints', () => {
  it('leaves out what was copied from the prompt', () => {
    const pasted = 'def add ( a b ) return a plus b end of the function body here'.split(' ');
    const generated = 'this function adds two numbers and returns their sum to the caller'.split(' ');
    const withPrompt = outputFingerprints(hasher, [...pasted, ...generated], pasted).keys;
    const pastedOnly = new Set(outputFingerprints(hasher, pasted, null).keys);
    expect(withPrompt.length).toBeGreaterThan(0);
    expect(withPrompt.some((key) => pastedOnly.has(key))).toBe(false);
    // Another answer that quotes the same pasted code shares nothing with the registered output.
    const otherAnswer = new Set(
      outputFingerprints(
        hasher,
        [...pasted, ...'a different explanation of what the code does for you'.split(' ')],
        null,
      ).keys,
    );
    expect(withPrompt.some((key) => otherAnswer.has(key))).toBe(false);
  });

  it('keeps each key sorted with the word position where its k-gram starts', () => {
    const words = Array.from({ length: 300 }, (_, i) => `w${(i * 7919) % 1013}`);
    const { keys, positions } = outputFingerprints(hasher, words, null);
    const all = hasher.kgramHashes(words).hi;
    expect(keys.length).toBeGreaterThan(50);
    for (let i = 0; i < keys.length; i++) {
      if (i > 0) expect(keys[i]).toBeGreaterThan(keys[i - 1]);
      expect(all.indexOf(keys[i])).toBe(positions[i]);
    }
  });

  it('gives nothing for texts shorter than k words', () => {
    expect(outputFingerprints(hasher, ['one', 'two', 'three'], null).keys.length).toBe(0);
  });
});

describe('alignmentOffsets', () => {
  it('counts a word of a spaced script as one and a word of an unspaced script by its characters', () => {
    expect(Array.from(alignmentOffsets(['the', 'cat', '中华人民', '共和国', 'sat', 'ภาษา']))).toEqual([
      0, 1, 2, 6, 9, 10, 14,
    ]);
  });

  it('keeps the offsets of Chinese text however the segmenter cut it', () => {
    const one = alignmentOffsets(['我们', '应该', '认真', '学习']);
    const other = alignmentOffsets(['我', '们应', '该认真', '学', '习']);
    expect(one[one.length - 1]).toBe(other[other.length - 1]);
  });
});
