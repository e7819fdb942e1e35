// The intent detector: folds the per-request intent classifier's probabilities over an account's
// traffic into four signals, `intent.generation`, `intent.annotation`, `intent.evaluation` and
// `intent.reasoning`.
//
// What it catches: accounts whose prompts are distillation meta-prompts — bulk synthetic-data
// generation (self-instruct / Alpaca / Evol-Instruct style, "generate N Q&A pairs as JSONL"),
// labelling batches for a dataset, LLM-as-judge evaluation of another model's answers or benchmark
// question sets, and bulk elicitation of step-by-step reasoning traces — in English, Chinese and, less
// reliably, other languages, including phrasings the model was not trained on. Content counts as much
// as volume: twenty clear meta-prompts make a strong signal on a tiny account, and a few dozen make one
// on a large account even when they are a small share of its traffic.
//
// What it misses: pipelines that send only the payload (one bare question per request, the meta-prompt
// kept client-side) — those need the template/harvest detectors; meta-prompts in a wording or language
// far from anything seen: per request, held-out template families score 91–97% recall per class at a
// 1.1% benign false-positive rate, but free-form hand-written paraphrases only about two in three, and
// German (no German meta-prompt in training) about half of its generation prompts (see
// models/intent-model.report.md); adversarial paraphrase aimed at this model. Long creative-writing
// requests ("come up with 20 push notifications…") and code-completion docstrings are its typical
// false positives, which is why single flags are discounted (see `signals`). It reads the system
// prompt and the last user turn only, and at most the first 4,000 and last 1,000 characters of them.

import type { Detector, RequestView, Signal } from '../detector.js';
import { classifyIntent, type IntentScores } from './classifier.js';

export type FlaggedIntent = 'generation' | 'annotation' | 'evaluation' | 'reasoning';
export const flaggedIntents: readonly FlaggedIntent[] = [
  'generation',
  'annotation',
  'evaluation',
  'reasoning',
];

export interface IntentDetectorOptions {
  /**
   * A request is flagged when 1 − P(benign) reaches this value; it counts for its most probable
   * non-benign class. Default 0.5: the threshold npm run train:intent picks on validation groups
   * (benign false-positive rate ≤ 1% there; 1.1% on the held-out split, 0.5% at 0.7), see
   * models/intent-model.report.md.
   */
  threshold?: number;
  /** Weight of the newest request in the exponentially decayed mean (0–1). */
  decay?: number;
  /** Expected benign false-positive rate per request, subtracted before counting volume. */
  expectedFalsePositiveRate?: number;
  /** Examples kept per class as evidence. */
  maxExamples?: number;
  /** The per-request classifier (injectable for tests). */
  classify?: (text: string) => IntentScores;
}

interface ClassState {
  flagged: number;
  /** Sum of the class probability over flagged requests (a soft count). */
  flaggedMass: number;
  /** Sum of the class probability over every analysed request. */
  probabilitySum: number;
  /** Exponentially decayed mean of the class probability. */
  recent: number;
  examples: { index: number; probability: number; text: string }[];
}

export interface IntentState {
  analysed: number;
  classes: Record<FlaggedIntent, ClassState>;
}

const EXAMPLE_CHARS = 200;

function truncate(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > EXAMPLE_CHARS ? `${t.slice(0, EXAMPLE_CHARS - 1)}…` : t;
}

export function createIntentDetector({
  threshold = 0.5,
  decay = 0.1,
  expectedFalsePositiveRate = 0.01,
  maxExamples = 3,
  classify = classifyIntent,
}: IntentDetectorOptions = {}): Detector<IntentState> {
  return {
    id: 'intent',
    create: function createIntentState(): IntentState {
      const fresh = (): ClassState => ({
        flagged: 0,
        flaggedMass: 0,
        probabilitySum: 0,
        recent: 0,
        examples: [],
      });
      return {
        analysed: 0,
        classes: { generation: fresh(), annotation: fresh(), evaluation: fresh(), reasoning: fresh() },
      };
    },

    update: function updateIntentState(state: IntentState, request: RequestView): void {
      const prompt = request.promptText ?? '';
      const system = request.systemPrompt ?? '';
      const text = system ? `${system}\n${prompt}` : prompt;
      if (!text.trim()) return;
      const scores = classify(text);
      state.analysed++;
      let top: FlaggedIntent = 'generation';
      for (const c of flaggedIntents) if (scores[c] > scores[top]) top = c;
      const isFlagged = 1 - scores.benign >= threshold;
      for (const c of flaggedIntents) {
        const s = state.classes[c];
        const p = scores[c];
        s.probabilitySum += p;
        s.recent += decay * (p - s.recent);
        if (isFlagged && c === top) {
          s.flagged++;
          s.flaggedMass += p;
          if (s.examples.length < maxExamples || p > s.examples[s.examples.length - 1].probability) {
            s.examples.push({
              index: request.index,
              probability: Math.round(p * 1000) / 1000,
              text: truncate(text),
            });
            s.examples.sort((a, b) => b.probability - a.probability);
            if (s.examples.length > maxExamples) s.examples.pop();
          }
        }
      }
    },

    signals: function intentSignals(state: IntentState): Signal[] {
      if (state.analysed === 0) return [];
      const n = state.analysed;
      return flaggedIntents.map((c) => {
        const s = state.classes[c];
        // Three views of the same evidence; the strongest wins.
        //  share:  most of the account's requests are meta-prompts (small accounts, pure pipelines);
        //  volume: more meta-prompts than the benign false-positive rate explains, whatever the share;
        //  recent: a burst of meta-prompts after benign history.
        const confidence = 1 - Math.exp(-s.flaggedMass / 3);
        const share = (s.flaggedMass / (n + 2)) * confidence;
        const excess = s.flaggedMass - 2 - expectedFalsePositiveRate * n;
        const volume = excess > 0 ? 1 - Math.exp(-excess / 8) : 0;
        const recent = s.recent * confidence;
        const score = Math.min(1, Math.max(share, volume, recent));
        return {
          id: `intent.${c}`,
          score: Math.round(score * 1000) / 1000,
          evidence: {
            requests: n,
            flagged: s.flagged,
            share: Math.round((s.flagged / n) * 1000) / 1000,
            meanProbability: Math.round((s.probabilitySum / n) * 1000) / 1000,
            meanFlaggedProbability: s.flagged ? Math.round((s.flaggedMass / s.flagged) * 1000) / 1000 : 0,
            recentMeanProbability: Math.round(s.recent * 1000) / 1000,
            threshold,
            examples: s.examples,
          },
        };
      });
    },
  };
}

/** The detector with its default options. */
export const intentDetector: Detector<IntentState> = createIntentDetector();
