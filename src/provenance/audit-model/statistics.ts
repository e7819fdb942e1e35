// The statistics of a model audit: a seeded PRNG, the paired sign-flip permutation test, and
// Student's t distribution for the between-model prediction test. Pure; no I/O.

/** mulberry32: a small seeded PRNG (Tommy Ettinger's public-domain generator); returns [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return function next(): number {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SignFlipResult {
  /** Mean of the paired differences. */
  mean: number;
  n: number;
  /** One-sided p-value for "differences are shifted above 0". */
  p: number;
  permutations: number;
}

/**
 * One-sided paired sign-flip permutation test (Fisher 1935, "The Design of Experiments" §21;
 * Pitman 1937): under H0 each paired difference is symmetric about 0, so flipping signs at random
 * gives the null distribution of the mean. Exact enumeration for n ≤ 16, otherwise `permutations`
 * seeded Monte Carlo draws with p = (1 + #{mean* ≥ mean}) / (1 + draws), which is a valid p-value.
 */
export function signFlipTest(
  differences: number[],
  { permutations = 10_000, seed = 1 } = {},
): SignFlipResult {
  const n = differences.length;
  if (n === 0) return { mean: 0, n: 0, p: 1, permutations: 0 };
  const total = differences.reduce((a, b) => a + b, 0);
  const observed = total / n;
  const tolerance = 1e-12 * Math.max(1, Math.abs(total));
  if (n <= 16) {
    let atLeast = 0;
    const count = 1 << n;
    for (let mask = 0; mask < count; mask++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += mask & (1 << i) ? -differences[i] : differences[i];
      if (sum >= total - tolerance) atLeast++;
    }
    return { mean: observed, n, p: atLeast / count, permutations: count };
  }
  const random = seededRandom(seed);
  let atLeast = 0;
  for (let b = 0; b < permutations; b++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += random() < 0.5 ? -differences[i] : differences[i];
    if (sum >= total - tolerance) atLeast++;
  }
  return { mean: observed, n, p: (1 + atLeast) / (1 + permutations), permutations };
}

// ln Γ(x) by the Lanczos approximation (g = 7, n = 9 coefficients), accurate to ~1e-15 for x > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

// Continued fraction of the incomplete beta function, evaluated by the modified Lentz method.
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/** P(T ≥ t) for Student's t distribution with `df` degrees of freedom. */
export function studentTSurvival(t: number, df: number): number {
  if (!Number.isFinite(t)) return t > 0 ? 0 : 1;
  const tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? tail : 1 - tail;
}

export interface PredictionTestResult {
  t: number;
  df: number;
  p: number;
}

/**
 * One-sided test of whether a new observation comes from the population the reference values were
 * drawn from (normal prediction interval): t = (x − mean) / (sd · √(1 + 1/K)) with K − 1 degrees of
 * freedom. Needs at least two reference values.
 */
export function predictionTest(value: number, references: number[]): PredictionTestResult {
  const k = references.length;
  if (k < 2) throw new Error('the prediction test needs at least two reference values');
  const mean = references.reduce((a, b) => a + b, 0) / k;
  const variance = references.reduce((a, b) => a + (b - mean) ** 2, 0) / (k - 1);
  const sd = Math.max(Math.sqrt(variance), 1e-12);
  const t = (value - mean) / (sd * Math.sqrt(1 + 1 / k));
  return { t, df: k - 1, p: studentTSurvival(t, k - 1) };
}
