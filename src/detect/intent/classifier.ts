// Per-request intent: the probability that one prompt is ordinary use (benign) or a distillation
// meta-prompt (bulk data generation, annotation for a dataset, LLM-as-judge evaluation, bulk reasoning
// extraction). Loads models/intent-model.json once, lazily; pure after that.

import { readFileSync } from 'node:fs';
import { createFeatureExtractor, type FeatureExtractor } from './features.js';
import {
  classCount,
  decodeModel,
  type IntentClass,
  type IntentModel,
  intentClasses,
  quantizedLogits,
  softmax,
} from './model.js';

export type { IntentClass } from './model.js';
export { intentClasses } from './model.js';
export type IntentScores = Record<IntentClass, number>;

/** src/detect/intent → repo root; the same depth holds for dist/detect/intent after the build. */
export const defaultModelUrl = new URL('../../../models/intent-model.json', import.meta.url);

let loaded: { model: IntentModel; extractor: FeatureExtractor } | null = null;
const scratch = new Float64Array(classCount);

function load(): { model: IntentModel; extractor: FeatureExtractor } {
  if (!loaded) {
    const model = decodeModel(JSON.parse(readFileSync(defaultModelUrl, 'utf8')));
    loaded = { model, extractor: createFeatureExtractor(model.features) };
  }
  return loaded;
}

/** The loaded model (loads it on first use). Throws if models/intent-model.json is missing or malformed. */
export function loadIntentModel(): IntentModel {
  return load().model;
}

/** Class probabilities for one text (sum to 1). Never throws on odd input once the model is loaded. */
export function classifyIntent(text: string): IntentScores {
  const { model, extractor } = load();
  const x = extractor.extract(typeof text === 'string' ? text : '');
  quantizedLogits(model, x, scratch);
  softmax(scratch);
  const out = {} as IntentScores;
  for (let c = 0; c < classCount; c++) out[intentClasses[c]] = scratch[c];
  return out;
}
