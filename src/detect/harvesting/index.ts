// Harvesting: an account collecting many samples per prompt, or the model's probability
// distribution, rather than answers — the raw material for distilling a model from its outputs.
//
// Catches: `logprobs` / `top_logprobs` on a large share of requests, `n > 1` (or `best_of`), the same
// prompt sampled repeatedly, temperature sweeps over one prompt, `max_tokens` at the limit on most
// requests, and the shape of a replay job (single-turn only, one constant system prompt), even when
// each prompt on its own looks benign (a replayed public prompt set).
// Misses: a harvester that spreads samples over many accounts (linking pools them), one that asks
// for a single sample per prompt with default settings (then only templates/intent can tell), and it
// cannot tell a legitimate evaluation of our own model that uses logprobs (allow it per account).
// Cost: O(1) per request besides hashing the prompt; memory ≤ maxPrompts entries.
import type { Detector, RequestView, Signal } from '../detector.js';
import { hashString, promptTokensOf, truncate } from '../text-tokens.js';

const MIN_REPEAT_TOKENS = 4;

export interface HarvestingOptions {
  /** `max_tokens` at or above this counts as "at the limit". */
  maxTokensLimit?: number;
  /** Prompts remembered for repeat and temperature-sweep counting. */
  maxPrompts?: number;
}

interface PromptStats {
  count: number;
  /** Bit i set: temperature ≈ i/10 was used (i ≤ 20). */
  temperatures: number;
}

export interface HarvestingState {
  requests: number;
  samples: number;
  logprobs: number;
  multiSample: number;
  repeats: number;
  atLimit: number;
  singleTurn: number;
  withSystem: number;
  systemCounts: Map<number, number>;
  prompts: Map<number, PromptStats>;
  sweptPrompts: number;
  example: string | null;
}

export function createHarvestingDetector({
  maxTokensLimit = 4000,
  maxPrompts = 2048,
}: HarvestingOptions = {}): Detector<HarvestingState> & {
  merge(into: HarvestingState, from: HarvestingState): void;
} {
  return {
    id: 'harvest',
    create: () => ({
      requests: 0,
      samples: 0,
      logprobs: 0,
      multiSample: 0,
      repeats: 0,
      atLimit: 0,
      singleTurn: 0,
      withSystem: 0,
      systemCounts: new Map(),
      prompts: new Map(),
      sweptPrompts: 0,
      example: null,
    }),
    update(state, view: RequestView) {
      const r = view.request;
      state.requests++;
      const n = Math.max(positiveInt(r.n), positiveInt(r.best_of), 1);
      state.samples += n;
      if (n > 1) state.multiSample++;
      if (r.logprobs === true || positiveInt(r.logprobs) > 0 || positiveInt(r.top_logprobs) > 0)
        state.logprobs++;
      const maxTokens = Math.max(positiveInt(r.max_tokens), positiveInt(r.max_completion_tokens));
      if (maxTokens >= maxTokensLimit) state.atLimit++;
      if (view.userTurns <= 1) state.singleTurn++;
      if (view.systemPrompt !== null && view.systemPrompt.length > 0) {
        state.withSystem++;
        const h = hashString(view.systemPrompt);
        const c = state.systemCounts.get(h);
        if (c !== undefined) state.systemCounts.set(h, c + 1);
        else if (state.systemCounts.size < 64) state.systemCounts.set(h, 1);
      }
      // Short turns ("continue", "thanks") recur in any conversation: not a replayed prompt.
      if (promptTokensOf(view).length < MIN_REPEAT_TOKENS) return;
      const key = view.promptHash ?? hashString(view.promptText);
      let stats = state.prompts.get(key);
      if (stats === undefined) {
        if (state.prompts.size >= maxPrompts) return;
        stats = { count: 0, temperatures: 0 };
        state.prompts.set(key, stats);
      } else {
        state.repeats++;
        if (state.example === null) state.example = truncate(view.promptText);
      }
      stats.count++;
      if (typeof r.temperature === 'number' && Number.isFinite(r.temperature)) {
        const before = popcount(stats.temperatures);
        stats.temperatures |= 1 << Math.min(20, Math.max(0, Math.round(r.temperature * 10)));
        if (before === 2 && popcount(stats.temperatures) === 3) state.sweptPrompts++;
      }
      if (state.example === null && (n > 1 || state.logprobs > 0)) state.example = truncate(view.promptText);
    },
    signals(s): Signal[] {
      if (s.requests === 0) return [];
      const out: Signal[] = [];
      const push = (id: string, score: number, evidence: Record<string, unknown>) => {
        if (score > 0.01) out.push({ id, score: Math.min(1, score), evidence });
      };
      // confidence(k): how sure k events make us that the rate is not a one-off (5 → 0.39, 20 → 0.86).
      const share = (k: number) => k / s.requests;
      push('harvest.logprobs', share(s.logprobs) * confidence(s.logprobs, 10), {
        requests_with_logprobs: s.logprobs,
        rate: round(share(s.logprobs)),
        example_prompt: s.example,
      });
      const sampled = s.multiSample + s.repeats;
      push('harvest.multi_sample', Math.min(1, sampled / s.requests) * confidence(sampled, 10), {
        requests_with_n_gt_1: s.multiSample,
        repeated_prompts: s.repeats,
        samples: s.samples,
        samples_per_request: round(s.samples / s.requests),
        example_prompt: s.example,
      });
      const distinct = Math.max(1, s.prompts.size);
      push('harvest.temperature_sweep', (s.sweptPrompts / distinct) * confidence(s.sweptPrompts, 3), {
        prompts_sampled_at_3_or_more_temperatures: s.sweptPrompts,
        distinct_prompts: s.prompts.size,
      });
      push('harvest.max_tokens', share(s.atLimit) * confidence(s.atLimit, 20), {
        requests_at_limit: s.atLimit,
        rate: round(share(s.atLimit)),
      });
      let topSystem = 0;
      for (const c of s.systemCounts.values()) topSystem = Math.max(topSystem, c);
      // A replay job: single-turn only and one constant system prompt (weak on its own).
      const shape = share(s.singleTurn) * (s.withSystem === 0 ? 0.5 : share(topSystem));
      push('harvest.shape', shape * confidence(s.requests, 100), {
        single_turn_rate: round(share(s.singleTurn)),
        constant_system_prompt_rate: round(share(topSystem)),
      });
      return out;
    },
    merge(into, from) {
      into.requests += from.requests;
      into.samples += from.samples;
      into.logprobs += from.logprobs;
      into.multiSample += from.multiSample;
      into.repeats += from.repeats;
      into.atLimit += from.atLimit;
      into.singleTurn += from.singleTurn;
      into.withSystem += from.withSystem;
      into.sweptPrompts += from.sweptPrompts;
      for (const [k, v] of from.systemCounts)
        if (into.systemCounts.has(k) || into.systemCounts.size < 64)
          into.systemCounts.set(k, (into.systemCounts.get(k) ?? 0) + v);
      for (const [k, v] of from.prompts) {
        const mine = into.prompts.get(k);
        if (mine) {
          into.repeats += v.count;
          mine.count += v.count;
          mine.temperatures |= v.temperatures;
        } else if (into.prompts.size < maxPrompts) into.prompts.set(k, { ...v });
      }
      into.example ??= from.example;
    },
  };
}

/** 1 - e^(-k/scale): the weight k occurrences carry. */
function confidence(k: number, scale: number): number {
  return 1 - Math.exp(-k / scale);
}

function positiveInt(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x; v !== 0; v &= v - 1) n++;
  return n;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export const harvestingDetector = createHarvestingDetector();
