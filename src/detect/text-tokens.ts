// Shared text helpers for detectors: a fast multilingual tokenizer (Han, kana and Hangul characters
// are one token each, other scripts split on letters/digits, punctuation is one token per mark) and
// a 32-bit string hash. Pure, no I/O; bounded work per call.

const TOKEN_RE =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]|[\p{L}\p{M}\p{N}_]+|[^\s\p{L}\p{M}\p{N}_]/gu;
const DIGIT_RE = /\p{N}/u;

export interface TokenizeOptions {
  /** Keep at most this many tokens from the start… */
  head?: number;
  /** …and this many from the end (a `GAP` token separates them when the text is longer). */
  tail?: number;
}

/** The token that stands for the part of a long text that was not read. */
export const GAP = '\u0000gap';
/** The token that stands for any number (Drain masks variables such as numbers before mining). */
export const NUM = '<num>';

/**
 * Lower-cased tokens of `text`, numbers masked to `<num>`. With `head`/`tail`, reads at most
 * head + tail tokens (and about 8× as many characters), so the cost is bounded whatever the size.
 */
export function tokenize(text: string, { head = 0, tail = 0 }: TokenizeOptions = {}): string[] {
  if (head <= 0) return scan(text, Number.POSITIVE_INFINITY);
  const limit = head + tail;
  const charBudget = (head + tail) * 8;
  if (text.length <= charBudget) {
    const all = scan(text, Number.POSITIVE_INFINITY);
    if (all.length <= limit) return all;
    return [...all.slice(0, head), GAP, ...all.slice(all.length - tail)];
  }
  const first = scan(text.slice(0, head * 8), head);
  const last = tail > 0 ? scan(text.slice(text.length - tail * 8), Number.POSITIVE_INFINITY) : [];
  // The first tail token may be cut in the middle: drop it.
  const tailTokens = last.slice(Math.max(1, last.length - tail));
  return [...first, GAP, ...tailTokens];
}

function scan(text: string, max: number): string[] {
  const out: string[] = [];
  TOKEN_RE.lastIndex = 0;
  for (let m = TOKEN_RE.exec(text); m !== null && out.length < max; m = TOKEN_RE.exec(text)) {
    const t = m[0];
    out.push(DIGIT_RE.test(t) ? NUM : t.toLowerCase());
  }
  return out;
}

/** FNV-1a, 32 bits, over UTF-16 code units. */
export function hashString(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The bounded token window the engine computes once per request (RequestView.promptTokens). */
export const PROMPT_HEAD = 128;
export const PROMPT_TAIL = 32;

export function promptTokensOf(view: {
  promptText: string;
  promptTokens?: readonly string[];
}): readonly string[] {
  return view.promptTokens ?? tokenize(view.promptText, { head: PROMPT_HEAD, tail: PROMPT_TAIL });
}

/** Joins tokens back into readable text (no space between CJK characters). */
export function joinTokens(tokens: readonly string[]): string {
  let out = '';
  let prevCjk = false;
  for (const t of tokens) {
    const cjk =
      t.length === 1 && /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u.test(t);
    if (out.length > 0 && !(cjk && prevCjk)) out += ' ';
    out += t === GAP ? '…' : t;
    prevCjk = cjk;
  }
  return out;
}

/** Truncates a string for evidence. */
export function truncate(text: string, max = 160): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
