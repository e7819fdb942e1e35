// A word-level Markov chain of order 2 (Shannon, "A Mathematical Theory of Communication", 1948,
// §3: the "second-order word approximation"), built from a text and walked with a seeded random
// source. Pure: no I/O, the same random source gives the same words.

/** A random source in [0, 1). */
export type Random = () => number;

export interface MarkovChain {
  /** Every distinct word, by id. */
  readonly words: readonly string[];
  /** (id of w1, id of w2) → ids of the words that followed that pair in the text, repeats kept. */
  readonly successors: ReadonlyMap<number, readonly number[]>;
  /** Indexes into `text` where a sentence starts (a state to begin or restart from). */
  readonly sentenceStarts: readonly number[];
  /** The text as word ids. */
  readonly text: Uint32Array;
}

export interface GeneratedText {
  words: string[];
  /** False when `maxWords` cut the text before its natural end. */
  finished: boolean;
}

const SENTENCE_END = /[.!?][”’"')\]]*$/;
const SENTENCE_START = /^[“‘"(]*[A-Z]/;

/** The words of a text: whitespace-separated, italics underscores dropped, "Chapter N" headings skipped. */
export function textWords(text: string): string[] {
  return text
    .replace(/^Chapter \d+\s*$/gm, ' ')
    .replaceAll('_', '')
    .split(/\s+/)
    .filter((word) => word !== '');
}

export function buildMarkovChain(text: string): MarkovChain {
  const words: string[] = [];
  const idOf = new Map<string, number>();
  const tokens = textWords(text);
  const ids = new Uint32Array(tokens.length);
  tokens.forEach((word, i) => {
    let id = idOf.get(word);
    if (id === undefined) {
      id = words.length;
      words.push(word);
      idOf.set(word, id);
    }
    ids[i] = id;
  });
  const successors = new Map<number, number[]>();
  const sentenceStarts: number[] = [];
  for (let i = 0; i + 2 < ids.length; i++) {
    const key = pairKey(ids[i], ids[i + 1], words.length);
    const next = successors.get(key);
    if (next) next.push(ids[i + 2]);
    else successors.set(key, [ids[i + 2]]);
    if ((i === 0 || SENTENCE_END.test(tokens[i - 1])) && SENTENCE_START.test(tokens[i]))
      sentenceStarts.push(i);
  }
  if (sentenceStarts.length === 0) throw new Error('the Markov chain text has no sentence to start from');
  return { words, successors, sentenceStarts, text: ids };
}

function pairKey(first: number, second: number, vocabularySize: number): number {
  return first * vocabularySize + second;
}

/**
 * Walks the chain from a random sentence start until at least `targetWords` words end in a full
 * sentence, giving up the sentence end after `targetWords + 40` words, and never exceeding `maxWords`.
 */
export function generateText(
  chain: MarkovChain,
  random: Random,
  targetWords: number,
  maxWords = Number.POSITIVE_INFINITY,
): GeneratedText {
  const { words, successors, sentenceStarts, text } = chain;
  const limit = Math.min(maxWords, targetWords + 40);
  const out: string[] = [];
  if (limit <= 0) return { words: out, finished: false };
  let first = 0;
  let second = 0;
  const restart = () => {
    const start = sentenceStarts[Math.floor(random() * sentenceStarts.length)];
    first = text[start];
    second = text[start + 1];
    out.push(words[first]);
    if (out.length < limit) out.push(words[second]);
  };
  restart();
  while (out.length < limit && !(out.length >= targetWords && SENTENCE_END.test(out[out.length - 1]))) {
    const next = successors.get(pairKey(first, second, words.length));
    if (!next) {
      restart(); // the pair ends the text
      continue;
    }
    const word = next[Math.floor(random() * next.length)];
    out.push(words[word]);
    first = second;
    second = word;
  }
  const naturalEnd = out.length >= targetWords && SENTENCE_END.test(out[out.length - 1]);
  return { words: out, finished: out.length < maxWords || naturalEnd };
}
