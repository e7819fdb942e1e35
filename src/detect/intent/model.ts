// The intent model: multinomial logistic regression (softmax) over hashed features, its compact file
// format (sparse rows, int8-quantized weights, base64) and the dense in-memory form used at inference.

import { type FeatureConfig, type SparseVector, structuralFeatureCount } from './features.js';

export const intentClasses = ['benign', 'generation', 'annotation', 'evaluation', 'reasoning'] as const;
export type IntentClass = (typeof intentClasses)[number];
export const classCount = intentClasses.length;

/** What models/intent-model.json holds. */
export interface IntentModelFile {
  format: 'warden-intent-v1';
  classes: string[];
  features: FeatureConfig;
  structuralFeatures: string[];
  bias: number[];
  /** Weight = int8 value × scale. */
  scale: number;
  /** Number of stored rows (feature indices with a non-zero quantized weight). */
  rows: number;
  /** base64 of the row indices, delta-encoded as unsigned LEB128 varints. */
  indices: string;
  /** base64 of rows × classes int8 weights, row-major. */
  weights: string;
  /** Free-form provenance: training command, data sizes, date. */
  meta?: Record<string, unknown>;
}

/** Dense weights: row-major, `weights[feature * classCount + class]`. */
export interface IntentModel {
  features: FeatureConfig;
  dimension: number;
  bias: Float32Array;
  weights: Float32Array;
  /** The same weights as stored (int8 × scale), when decoded from a file: 4× smaller, so cache-friendly. */
  quantized?: { weights: Int8Array; scale: number };
}

export function modelDimension(features: FeatureConfig): number {
  return (1 << features.bits) + structuralFeatureCount;
}

/** Writes logits into `out` (length classCount). */
export function logits(model: IntentModel, x: SparseVector, out: Float64Array): void {
  const w = model.weights;
  for (let c = 0; c < classCount; c++) out[c] = model.bias[c];
  for (let j = 0; j < x.length; j++) {
    const base = x.indices[j] * classCount;
    const v = x.values[j];
    out[0] += w[base] * v;
    out[1] += w[base + 1] * v;
    out[2] += w[base + 2] * v;
    out[3] += w[base + 3] * v;
    out[4] += w[base + 4] * v;
  }
}

/** Logits from the int8 weights of a decoded model (same result as `logits` up to float rounding). */
export function quantizedLogits(model: IntentModel, x: SparseVector, out: Float64Array): void {
  if (!model.quantized) {
    logits(model, x, out);
    return;
  }
  const w = model.quantized.weights;
  let z0 = 0;
  let z1 = 0;
  let z2 = 0;
  let z3 = 0;
  let z4 = 0;
  for (let j = 0; j < x.length; j++) {
    const base = x.indices[j] * classCount;
    const v = x.values[j];
    z0 += w[base] * v;
    z1 += w[base + 1] * v;
    z2 += w[base + 2] * v;
    z3 += w[base + 3] * v;
    z4 += w[base + 4] * v;
  }
  const s = model.quantized.scale;
  out[0] = model.bias[0] + z0 * s;
  out[1] = model.bias[1] + z1 * s;
  out[2] = model.bias[2] + z2 * s;
  out[3] = model.bias[3] + z3 * s;
  out[4] = model.bias[4] + z4 * s;
}

/** In-place numerically stable softmax. */
export function softmax(z: Float64Array): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < z.length; c++) if (z[c] > max) max = z[c];
  let sum = 0;
  for (let c = 0; c < z.length; c++) {
    z[c] = Math.exp(z[c] - max);
    sum += z[c];
  }
  for (let c = 0; c < z.length; c++) z[c] /= sum;
}

/** Quantizes dense weights to int8 and keeps only rows with a non-zero weight. */
export function encodeModel(
  features: FeatureConfig,
  structuralNames: readonly string[],
  bias: ArrayLike<number>,
  weights: Float32Array,
  meta?: Record<string, unknown>,
): IntentModelFile {
  let maxAbs = 0;
  for (let i = 0; i < weights.length; i++) maxAbs = Math.max(maxAbs, Math.abs(weights[i]));
  const scale = maxAbs > 0 ? maxAbs / 127 : 1;
  const rows = weights.length / classCount;
  const idxBytes: number[] = [];
  const wBytes: number[] = [];
  let last = 0;
  let stored = 0;
  for (let r = 0; r < rows; r++) {
    const q: number[] = [];
    let any = false;
    for (let c = 0; c < classCount; c++) {
      const v = Math.max(-127, Math.min(127, Math.round(weights[r * classCount + c] / scale)));
      q.push(v);
      if (v !== 0) any = true;
    }
    if (!any) continue;
    let delta = r - last;
    last = r;
    do {
      let b = delta & 0x7f;
      delta >>>= 7;
      if (delta > 0) b |= 0x80;
      idxBytes.push(b);
    } while (delta > 0);
    for (const v of q) wBytes.push(v & 0xff);
    stored++;
  }
  return {
    format: 'warden-intent-v1',
    classes: [...intentClasses],
    features,
    structuralFeatures: [...structuralNames],
    bias: Array.from(bias, (b) => Math.round(b * 1e5) / 1e5),
    scale,
    rows: stored,
    indices: Buffer.from(idxBytes).toString('base64'),
    weights: Buffer.from(wBytes).toString('base64'),
    ...(meta ? { meta } : {}),
  };
}

/** Validates a parsed model file and expands it to dense weights. Throws with a clear message if malformed. */
export function decodeModel(file: unknown): IntentModel {
  const f = file as Partial<IntentModelFile> | null;
  if (f?.format !== 'warden-intent-v1')
    throw new Error('intent model: unknown format (want warden-intent-v1)');
  if (!Array.isArray(f.classes) || f.classes.join() !== intentClasses.join()) {
    throw new Error(`intent model: classes must be ${intentClasses.join(', ')}`);
  }
  if (!f.features || typeof f.features.bits !== 'number' || f.features.bits < 8 || f.features.bits > 24) {
    throw new Error('intent model: bad feature config');
  }
  if (f.structuralFeatures?.length !== structuralFeatureCount) {
    throw new Error('intent model: structural features differ from this code version; retrain');
  }
  const dimension = modelDimension(f.features);
  const weights = new Float32Array(dimension * classCount);
  const quantized = new Int8Array(dimension * classCount);
  const idx = Buffer.from(f.indices ?? '', 'base64');
  const w = Buffer.from(f.weights ?? '', 'base64');
  const rows = f.rows ?? 0;
  if (w.length !== rows * classCount) throw new Error('intent model: weight block has the wrong size');
  const scale = f.scale ?? 1;
  let pos = 0;
  let row = 0;
  for (let r = 0; r < rows; r++) {
    let delta = 0;
    let shift = 0;
    let b: number;
    do {
      if (pos >= idx.length) throw new Error('intent model: index block truncated');
      b = idx[pos++];
      delta |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    row += delta;
    if (row >= dimension) throw new Error('intent model: row index out of range');
    for (let c = 0; c < classCount; c++) {
      const q = w[r * classCount + c];
      const signed = q > 127 ? q - 256 : q;
      quantized[row * classCount + c] = signed;
      weights[row * classCount + c] = signed * scale;
    }
  }
  const bias = new Float32Array(classCount);
  for (let c = 0; c < classCount; c++) bias[c] = Number(f.bias?.[c] ?? 0);
  return { features: f.features, dimension, bias, weights, quantized: { weights: quantized, scale } };
}
