// Coverage: one short prompt structure swept systematically over many topics — "Write a detailed
// explanation of <topic> for a textbook", "给我讲讲<topic>的历史" — the way a data-generation job
// walks a topic list to cover a domain. A prompt's skeleton is its first four tokens and its last one;
// what lies between is the fill. A skeleton used many times with (almost) all-distinct fills over a
// broad vocabulary is a sweep.
//
// Catches: topic/entity sweeps whose skeleton is too short for the templates detector to weigh
// much, in any language (CJK is read per character).
// Misses: sweeps that rotate many paraphrased skeletons (each stays small), and sweeps with the
// topic at the very start, or at the very end with no closing mark ("Tell me about <topic>"): the
// skeleton then includes the topic. A human who asks many "what is the … ?" questions shares a
// skeleton too, so distinct fills, a broad vocabulary, a large share and volume are all required.
// Cost: O(1) beyond the engine's tokens; memory ≤ maxSkeletons × maxDistinct hashes.
import type { Detector, Signal } from '../detector.js';
import { GAP, hashString, joinTokens, promptTokensOf, truncate } from '../text-tokens.js';

const HEAD = 4;
const TAIL = 1;

export interface CoverageOptions {
  maxSkeletons?: number;
  maxDistinct?: number;
  /** Prompts longer than this (tokens) are not short-structure sweeps (templates handles them). */
  maxTokens?: number;
  /** Instances a skeleton needs before it is reported. */
  minCount?: number;
}

interface Skeleton {
  text: string;
  count: number;
  fills: Set<number>;
  /** Instances seen while `fills` still had room: the denominator of the distinct ratio. */
  sampled: number;
  vocabulary: Set<number>;
  fillTokens: number;
  examples: string[];
}

export interface CoverageState {
  requests: number;
  skeletons: Map<number, Skeleton>;
}

export function createCoverageDetector({
  maxSkeletons = 64,
  maxDistinct = 512,
  maxTokens = 80,
  minCount = 8,
}: CoverageOptions = {}): Detector<CoverageState> & {
  merge(into: CoverageState, from: CoverageState): void;
} {
  function evict(state: CoverageState): void {
    let worstKey = -1;
    let worst = Number.POSITIVE_INFINITY;
    for (const [k, v] of state.skeletons)
      if (v.count < worst) {
        worst = v.count;
        worstKey = k;
      }
    state.skeletons.delete(worstKey);
  }

  function sweepScore(sk: Skeleton, requests: number): number {
    const distinct = sk.fills.size / Math.max(1, sk.sampled);
    // Breadth: distinct fill words per fill (a topic list keeps introducing new words).
    const breadth = Math.min(1, sk.vocabulary.size / Math.max(1, Math.min(sk.count, 300)) / 1.5);
    const share = sk.count / requests;
    const confidence = 1 - Math.exp(-(sk.count - minCount + 1) / 8);
    return share * confidence * clamp01((distinct - 0.5) / 0.4) * breadth;
  }

  return {
    id: 'coverage',
    create: () => ({ requests: 0, skeletons: new Map() }),
    update(state, view) {
      state.requests++;
      const tokens = promptTokensOf(view);
      if (tokens.length < HEAD + TAIL + 1 || tokens.length > maxTokens || tokens.includes(GAP)) return;
      const head = tokens.slice(0, HEAD);
      const tail = tokens.slice(tokens.length - TAIL);
      const fill = tokens.slice(HEAD, tokens.length - TAIL);
      const key = hashString(`${head.join('\u0001')}\u0002${tail.join('\u0001')}`);
      let sk = state.skeletons.get(key);
      if (sk === undefined) {
        if (state.skeletons.size >= maxSkeletons) evict(state);
        sk = {
          text: `${joinTokens(head)} <*> ${joinTokens(tail)}`,
          count: 0,
          fills: new Set(),
          sampled: 0,
          vocabulary: new Set(),
          fillTokens: 0,
          examples: [],
        };
        state.skeletons.set(key, sk);
      }
      sk.count++;
      const fillText = joinTokens(fill);
      if (sk.fills.size < maxDistinct) {
        sk.sampled++;
        sk.fills.add(hashString(fillText));
      }
      for (const t of fill) {
        sk.fillTokens++;
        if (sk.vocabulary.size < maxDistinct) sk.vocabulary.add(hashString(t));
      }
      if (sk.examples.length < 5) sk.examples.push(truncate(fillText, 60));
    },
    signals(state): Signal[] {
      let best: { sk: Skeleton; score: number } | null = null;
      for (const sk of state.skeletons.values()) {
        if (sk.count < minCount) continue;
        const score = sweepScore(sk, state.requests);
        if (best === null || score > best.score) best = { sk, score };
      }
      if (best === null || best.score <= 0.01) return [];
      const { sk, score } = best;
      return [
        {
          id: 'coverage',
          score: Math.min(1, score),
          evidence: {
            skeleton: sk.text,
            count: sk.count,
            share: round(sk.count / state.requests),
            distinct_fills: sk.fills.size,
            fill_vocabulary: sk.vocabulary.size,
            example_fills: sk.examples,
          },
        },
      ];
    },
    merge(into, from) {
      into.requests += from.requests;
      for (const [k, v] of from.skeletons) {
        const mine = into.skeletons.get(k);
        if (mine) {
          mine.count += v.count;
          mine.fillTokens += v.fillTokens;
          for (const h of v.fills) {
            if (mine.fills.size >= maxDistinct) break;
            if (!mine.fills.has(h)) mine.sampled++;
            mine.fills.add(h);
          }
          for (const h of v.vocabulary) if (mine.vocabulary.size < maxDistinct) mine.vocabulary.add(h);
        } else {
          if (into.skeletons.size >= maxSkeletons) evict(into);
          into.skeletons.set(k, v);
        }
      }
    },
  };
}

function clamp01(x: number): number {
  return x < 0 ? 0 : Math.min(x, 1);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export const coverageDetector = createCoverageDetector();
