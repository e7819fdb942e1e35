// Online prompt-template mining, after Drain (He, Zhu, Zheng, Lyu: "Drain: An Online Log Parsing
// Approach with Fixed Depth Tree", ICWS 2017): each prompt is tokenized (numbers masked), matched
// against the account's templates, and either merged into the best one (tokens that differ become
// `<*>` slots) or starts a new one. Drain groups log lines by length; prompts fill slots with text of
// any length, so matching here is an in-order alignment of the template's constant tokens against
// the prompt (a bigram anchor guards long skips), in the spirit of Spell (Du & Li, ICDM 2016).
//
// Catches: pipelines — a large share of requests instantiating a few templates with many distinct
// slot fills (self-instruct / Alpaca meta-prompts with different seed tasks, Evol-Instruct rewrites,
// LLM-as-judge prompts, "generate N questions about <*>"), in any language.
// Misses: pipelines that paraphrase their meta-prompt on every call (the intent detector's job), and
// it cannot tell a legitimate product that wraps user text in a fixed template from a pipeline: that
// is why a template alone is weighted to reach review, not suspension.
// Cost: each update aligns ≤ head+tail tokens against ≤ maxClusters templates, using a per-prompt
// position index (O(tokens) to build, O(1) per lookup); memory ≤ maxClusters × (head+tail) tokens.
import type { Detector, RequestView, Signal } from '../detector.js';
import {
  GAP,
  hashString,
  joinTokens,
  NUM,
  PROMPT_HEAD,
  PROMPT_TAIL,
  promptTokensOf,
  tokenize,
  truncate,
} from '../text-tokens.js';

const SLOT = '<*>';
const ANCHOR_HEAD = 8;
const ANCHOR_TAIL = 3;
const LONG_ANCHOR_HEAD = 16;
const PROBES = 10;
/** Templates whose instances count toward the share (a pipeline may rotate a few). */
const TOP_TEMPLATES = 5;

export interface TemplatesOptions {
  /** Tokens read from the start and end of each prompt. */
  head?: number;
  tail?: number;
  /** Share of a template's constant tokens a prompt must match, in order, to instantiate it. */
  similarity?: number;
  /**
   * A template keeps at least this many constant words (a CJK character counts ½, punctuation 0),
   * else `<*> ， <*> ， <*>` would absorb every Chinese question.
   */
  minConstants?: number;
  maxClusters?: number;
  /** Distinct fills remembered per slot / distinct prompts per template. */
  maxDistinct?: number;
  /** Templates with fewer instances are not reported. */
  minCount?: number;
}

interface SlotStats {
  distinct: Set<number>;
  examples: string[];
}

interface Cluster {
  tokens: string[];
  constants: number;
  count: number;
  prompts: Set<number>;
  /** Instances seen while `prompts` still had room: the denominator of the distinct ratio. */
  sampled: number;
  slots: SlotStats[];
  lastSeen: number;
}

export interface TemplatesState {
  requests: number;
  clusters: Cluster[];
}

interface Alignment {
  /** Message position matched by each template token (-1: slot or unmatched). */
  at: Int32Array;
  matched: number;
}

export function createTemplatesDetector({
  head = PROMPT_HEAD,
  tail = PROMPT_TAIL,
  similarity = 0.6,
  minConstants = 4,
  maxClusters = 24,
  maxDistinct = 512,
  minCount = 3,
}: TemplatesOptions = {}): Detector<TemplatesState> & {
  merge(into: TemplatesState, from: TemplatesState): void;
} {
  /**
   * A prompt that starts with the template's first `ANCHOR_HEAD` tokens and ends with its last
   * `ANCHOR_TAIL`, or starts with its first `LONG_ANCHOR_HEAD`, instantiates it even when the fills
   * outweigh the constant text (Self-Instruct's "Come up with a series of tasks: Task 1: … Task 9:",
   * a fixed instruction followed by a long question).
   */
  function anchored(template: readonly string[], message: readonly string[]): boolean {
    if (template.length < ANCHOR_HEAD + ANCHOR_TAIL || message.length < ANCHOR_HEAD + ANCHOR_TAIL)
      return false;
    let head = 0;
    while (head < LONG_ANCHOR_HEAD && template[head] !== SLOT && template[head] === message[head]) head++;
    if (head >= LONG_ANCHOR_HEAD) return true;
    if (head < ANCHOR_HEAD) return false;
    for (let i = 1; i <= ANCHOR_TAIL; i++) {
      const t = template[template.length - i];
      if (t === SLOT || t !== message[message.length - i]) return false;
    }
    return true;
  }

  function align(
    template: string[],
    constants: number,
    index: Map<string, number[]>,
    unlimited = false,
  ): Alignment | null {
    const at = new Int32Array(template.length).fill(-1);
    const allowedMisses = unlimited ? template.length : Math.floor((1 - similarity) * constants);
    let misses = 0;
    let matched = 0;
    let p = 0;
    let afterSlot = true;
    for (let i = 0; i < template.length; i++) {
      const t = template[i];
      if (t === SLOT) {
        afterSlot = true;
        continue;
      }
      const q = nextPosition(index, t, p);
      let ok = q >= 0;
      if (ok && !afterSlot && q - p > 3) {
        // A long skip inside a constant run: accept only if the next constant token follows too.
        const next = template[i + 1];
        ok = next !== undefined && next !== SLOT && nextPosition(index, next, q + 1) === q + 1;
      }
      if (ok) {
        at[i] = q;
        p = q + 1;
        matched++;
        afterSlot = false;
      } else {
        misses++;
        afterSlot = true;
        if (misses > allowedMisses) return null;
      }
    }
    return { at, matched };
  }

  /** The template after merging an aligned message, with each slot's fill. */
  function mergeTemplate(
    template: string[],
    a: Alignment,
    message: readonly string[],
  ): { tokens: string[]; fills: string[] } {
    const tokens: string[] = [];
    const fills: string[] = [];
    let pending: string[] | null = null;
    let p = 0;
    const openSlot = (fill: string[]) => {
      if (pending === null) pending = [];
      pending.push(...fill);
    };
    const closeSlot = () => {
      if (pending === null) return;
      tokens.push(SLOT);
      fills.push(joinTokens(pending));
      pending = null;
    };
    for (let i = 0; i < template.length; i++) {
      const q = a.at[i];
      if (q < 0) {
        openSlot([]);
        continue;
      }
      if (q > p) openSlot(message.slice(p, q));
      closeSlot();
      tokens.push(template[i]);
      p = q + 1;
    }
    if (p < message.length) openSlot(message.slice(p));
    closeSlot();
    return { tokens, fills };
  }

  /** Cheap pre-check: most of ~10 evenly spaced constants of the template occur in the prompt. */
  function probe(c: Cluster, index: Map<string, number[]>): boolean {
    const step = Math.max(1, Math.floor(c.tokens.length / PROBES));
    let tried = 0;
    let found = 0;
    for (let i = 0; i < c.tokens.length; i += step) {
      const t = c.tokens[i];
      if (t === SLOT) continue;
      tried++;
      if (index.has(t)) found++;
    }
    return found >= tried * similarity - 1;
  }

  function newCluster(tokens: readonly string[], index: number): Cluster {
    const t: string[] = [];
    for (const tok of tokens) {
      const v = tok === GAP ? SLOT : tok;
      if (v === SLOT && t[t.length - 1] === SLOT) continue;
      t.push(v);
    }
    const slots = t.filter((x) => x === SLOT).map(() => ({ distinct: new Set<number>(), examples: [] }));
    return {
      tokens: t,
      constants: countConstants(t),
      count: 0,
      prompts: new Set(),
      sampled: 0,
      slots,
      lastSeen: index,
    };
  }

  function addBounded(set: Set<number>, value: number): void {
    if (set.size < maxDistinct) set.add(value);
  }

  function evictIfFull(state: TemplatesState): void {
    if (state.clusters.length < maxClusters) return;
    let worst = 0;
    for (let i = 1; i < state.clusters.length; i++) {
      const c = state.clusters[i];
      const w = state.clusters[worst];
      if (c.count < w.count || (c.count === w.count && c.lastSeen < w.lastSeen)) worst = i;
    }
    state.clusters.splice(worst, 1);
  }

  function fold(state: TemplatesState, message: readonly string[], promptHash: number, at: number): void {
    const index = positionIndex(message);
    let best: Cluster | null = null;
    let bestAlign: Alignment | null = null;
    let bestScore = 0;
    for (const c of state.clusters) {
      const isAnchored = anchored(c.tokens, message);
      if (!isAnchored && !probe(c, index)) continue;
      const a = align(c.tokens, c.constants, index, isAnchored);
      if (a === null) continue;
      const score = isAnchored ? Math.max(similarity, a.matched / c.constants) : a.matched / c.constants;
      if (score > bestScore) {
        best = c;
        bestAlign = a;
        bestScore = score;
      }
    }
    if (best !== null && bestAlign !== null) {
      const merged = mergeTemplate(best.tokens, bestAlign, message);
      const constants = countConstants(merged.tokens);
      if (contentWeight(merged.tokens) >= minConstants) {
        if (merged.tokens.length !== best.tokens.length || constants !== best.constants) {
          best.tokens = merged.tokens;
          best.constants = constants;
          best.slots = merged.fills.map(() => ({ distinct: new Set<number>(), examples: [] }));
        }
        merged.fills.forEach((fill, i) => {
          const s = best.slots[i];
          if (s === undefined) return;
          addBounded(s.distinct, hashString(fill));
          if (s.examples.length < 3 && fill.length > 0 && !s.examples.includes(truncate(fill, 80)))
            s.examples.push(truncate(fill, 80));
        });
        best.count++;
        best.lastSeen = at;
        if (best.prompts.size < maxDistinct) best.sampled++;
        addBounded(best.prompts, promptHash);
        return;
      }
    }
    evictIfFull(state);
    const c = newCluster(message, at);
    c.count = 1;
    c.sampled = 1;
    c.prompts.add(promptHash);
    state.clusters.push(c);
  }

  return {
    id: 'templates',
    create: () => ({ requests: 0, clusters: [] }),
    update(state, request: RequestView) {
      state.requests++;
      const text = request.promptText;
      if (text.length === 0) return;
      const message =
        head === PROMPT_HEAD && tail === PROMPT_TAIL
          ? promptTokensOf(request)
          : tokenize(text, { head, tail });
      if (message.length < minConstants) return;
      fold(state, message, request.promptHash ?? hashString(text), request.index);
    },
    signals(state): Signal[] {
      if (state.requests === 0) return [];
      const ranked = state.clusters
        .filter(
          (c) => c.count >= minCount && c.tokens.includes(SLOT) && contentWeight(c.tokens) >= minConstants,
        )
        .map((c) => ({ c, weight: c.count * Math.min(1, c.prompts.size / Math.max(1, c.sampled) / 0.8) }))
        .sort((a, b) => b.weight - a.weight)
        .slice(0, TOP_TEMPLATES)
        .map((x) => x.c);
      if (ranked.length === 0) return [];
      const templated = ranked.reduce((n, c) => n + c.count, 0);
      const share = templated / state.requests;
      // Each template counts by its instances with distinct fills (one prompt resent is harvesting).
      const distinctShare =
        ranked.reduce((n, c) => n + c.count * Math.min(1, c.prompts.size / Math.max(1, c.sampled) / 0.8), 0) /
        state.requests;
      // Confidence grows with the number of instances: 3 → 0.18, 10 → 0.80, 20 → 0.97.
      const confidence = 1 - Math.exp(-(templated - 2) / 5);
      const score = clamp01(distinctShare * confidence);
      if (score <= 0) return [];
      return [
        {
          id: 'templates',
          score,
          evidence: {
            share: round(share),
            templated_requests: templated,
            requests: state.requests,
            templates: ranked.map((c) => ({
              template: middleTruncate(joinTokens(c.tokens)),
              count: c.count,
              distinct_prompts: c.prompts.size,
              distinct_fills_per_slot: c.slots.map((s) => s.distinct.size),
              example_fills: c.slots
                .map((s) => s.examples)
                .filter((e) => e.length > 0)
                .slice(0, 3),
            })),
          },
        },
      ];
    },
    merge(into, from) {
      into.requests += from.requests;
      for (const c of from.clusters) {
        const index = positionIndex(c.tokens);
        const target = into.clusters.find((d) => {
          const a = align(d.tokens, d.constants, index);
          return a !== null && a.matched / d.constants >= similarity;
        });
        if (target) {
          target.count += c.count;
          for (const h of c.prompts) {
            if (target.prompts.size >= maxDistinct) break;
            if (!target.prompts.has(h)) target.sampled++;
            target.prompts.add(h);
          }
          target.lastSeen = Math.max(target.lastSeen, c.lastSeen);
        } else {
          evictIfFull(into);
          into.clusters.push(c);
        }
      }
    },
  };
}

function countConstants(tokens: readonly string[]): number {
  let n = 0;
  for (const t of tokens) if (t !== SLOT) n++;
  return n;
}

const LETTER_RE = /\p{L}/u;
const CJK_RE = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]$/u;

/** Constant words of a template: a word counts 1, a CJK character ½, punctuation and numbers 0. */
function contentWeight(tokens: readonly string[]): number {
  let w = 0;
  for (const t of tokens) {
    if (t === SLOT || t === NUM || !LETTER_RE.test(t)) continue;
    w += CJK_RE.test(t) ? 0.5 : 1;
  }
  return w;
}

function positionIndex(tokens: readonly string[]): Map<string, number[]> {
  const index = new Map<string, number[]>();
  for (let i = 0; i < tokens.length; i++) {
    const list = index.get(tokens[i]);
    if (list) list.push(i);
    else index.set(tokens[i], [i]);
  }
  return index;
}

function nextPosition(index: Map<string, number[]>, token: string, from: number): number {
  const list = index.get(token);
  if (!list) return -1;
  for (const q of list) if (q >= from) return q;
  return -1;
}

/** Keeps both ends of a long template (its slots are often near the end). */
function middleTruncate(text: string, head = 240, tail = 160): string {
  return text.length <= head + tail + 1 ? text : `${text.slice(0, head)} … ${text.slice(text.length - tail)}`;
}

function clamp01(x: number): number {
  return x < 0 ? 0 : Math.min(x, 1);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export const templatesDetector = createTemplatesDetector();
