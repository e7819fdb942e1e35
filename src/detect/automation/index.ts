// Automation: the traffic looks machine-driven or changes character — regular inter-arrival
// times, activity spread evenly round the clock, bursts far above the account's own baseline, and a
// shift of the prompt distribution between the recent window and the account's history.
// The shift is a two-sample test on maximum mean discrepancy (Gretton, Borgwardt, Rasch, Schölkopf,
// Smola: "A Kernel Two-Sample Test", JMLR 2012) with a linear kernel over hashed unigram+bigram
// vectors, so both mean embeddings are running sums and each update is O(dims + tokens); the
// unbiased MMD² estimate subtracts each sample mean's own variance.
//
// Catches: scripted clients and scheduled jobs, an account that suddenly becomes a pipeline.
// Misses: a pipeline throttled to look human; and it says nothing about *what* is sent: these are
// volume/behaviour signals, weighted so they can raise a review but never suspend on their own
// (the policy refuses a suspend rule that names only automation signals).
// Memory: a 24-bin hour histogram, a few running moments, window × dims floats for the MMD test.
import type { Detector, RequestView, Signal } from '../detector.js';
import { hashString, promptTokensOf } from '../text-tokens.js';

export interface AutomationOptions {
  /** Gaps longer than this end a session and are not counted for regularity. */
  sessionGapMs?: number;
  /** Dimensions of the hashed n-gram vectors. */
  dims?: number;
  /** Requests in the recent window of the shift test. */
  window?: number;
  /** History needed before the shift test speaks. */
  minHistory?: number;
}

export interface AutomationState {
  requests: number;
  firstTs: number;
  lastTs: number;
  gaps: number;
  logGapMean: number;
  logGapM2: number;
  hours: Int32Array;
  shortRate: number;
  longRate: number;
  maxBurst: number;
  historySum: Float64Array;
  historyN: number;
  windowVectors: Float64Array;
  windowSum: Float64Array;
  windowN: number;
  windowNext: number;
  maxShift: number;
}

const SHORT_TAU_MS = 10 * 60_000;
const LONG_TAU_MS = 7 * 24 * 3600_000;
/** Bursts are measured against a baseline only once the account is this old. */
const MIN_BASELINE_MS = 24 * 3600_000;

export function createAutomationDetector({
  sessionGapMs = 3600_000,
  dims = 128,
  window = 32,
  minHistory = 64,
}: AutomationOptions = {}): Detector<AutomationState> {
  function vectorize(view: RequestView, into: Float64Array, offset: number): void {
    const tokens = promptTokensOf(view);
    for (let i = 0; i < dims; i++) into[offset + i] = 0;
    let prev = -1;
    for (const t of tokens) {
      const h = hashString(t);
      into[offset + (h % dims)] += 1;
      if (prev >= 0) into[offset + (((Math.imul(prev, 0x9e3779b1) ^ h) >>> 0) % dims)] += 1;
      prev = h;
    }
    let norm = 0;
    for (let i = 0; i < dims; i++) norm += into[offset + i] * into[offset + i];
    norm = Math.sqrt(norm);
    if (norm > 0) for (let i = 0; i < dims; i++) into[offset + i] /= norm;
  }

  /** Unbiased linear-kernel MMD² between the recent window and the history. */
  function shift(s: AutomationState): number {
    if (s.historyN < minHistory || s.windowN < window) return 0;
    let diff = 0;
    let normW = 0;
    let normH = 0;
    for (let i = 0; i < dims; i++) {
      const w = s.windowSum[i] / s.windowN;
      const h = s.historySum[i] / s.historyN;
      diff += (w - h) * (w - h);
      normW += w * w;
      normH += h * h;
    }
    return diff - (1 - normW) / s.windowN - (1 - normH) / s.historyN;
  }

  function foldShift(s: AutomationState, view: RequestView): void {
    // Shift test: the oldest window vector moves into the history, the new one takes its slot.
    const offset = s.windowNext * dims;
    if (s.windowN === window) {
      for (let i = 0; i < dims; i++) {
        const v = s.windowVectors[offset + i];
        s.historySum[i] += v;
        s.windowSum[i] -= v;
      }
      s.historyN++;
    } else s.windowN++;
    vectorize(view, s.windowVectors, offset);
    for (let i = 0; i < dims; i++) s.windowSum[i] += s.windowVectors[offset + i];
    s.windowNext = (s.windowNext + 1) % window;
    s.maxShift = Math.max(s.maxShift, shift(s));
  }

  return {
    id: 'automation',
    create: () => ({
      requests: 0,
      firstTs: 0,
      lastTs: 0,
      gaps: 0,
      logGapMean: 0,
      logGapM2: 0,
      hours: new Int32Array(24),
      shortRate: 0,
      longRate: 0,
      maxBurst: 0,
      historySum: new Float64Array(dims),
      historyN: 0,
      windowVectors: new Float64Array(window * dims),
      windowSum: new Float64Array(dims),
      windowN: 0,
      windowNext: 0,
      maxShift: 0,
    }),
    update(s, view) {
      if (view.tsKnown === false) {
        // No time on this record: only the content (shift) test can use it.
        foldShift(s, view);
        return;
      }
      const ts = view.ts;
      if (s.requests === 0) s.firstTs = ts;
      else {
        const gap = Math.max(0, ts - s.lastTs);
        if (gap <= sessionGapMs) {
          // Welford's running variance of log gaps (seconds).
          const x = Math.log1p(gap / 1000);
          s.gaps++;
          const d = x - s.logGapMean;
          s.logGapMean += d / s.gaps;
          s.logGapM2 += d * (x - s.logGapMean);
        }
        s.shortRate *= Math.exp(-gap / SHORT_TAU_MS);
        s.longRate *= Math.exp(-gap / LONG_TAU_MS);
      }
      s.shortRate += 1;
      s.longRate += 1;
      s.requests++;
      s.lastTs = Math.max(s.lastTs, ts);
      s.hours[new Date(ts).getUTCHours()]++;
      const age = ts - s.firstTs;
      if (s.requests >= 200 && age >= MIN_BASELINE_MS) {
        // The decayed count over min(age, τ) estimates the baseline rate of a young account too.
        const ratio = s.shortRate / SHORT_TAU_MS / (s.longRate / Math.min(age, LONG_TAU_MS));
        s.maxBurst = Math.max(s.maxBurst, ratio);
      }
      foldShift(s, view);
    },
    signals(s): Signal[] {
      const out: Signal[] = [];
      if (s.gaps >= 20) {
        const sd = Math.sqrt(s.logGapM2 / (s.gaps - 1));
        // Humans: log-gap sd ≳ 1 (bursts, pauses); a scheduler: ≲ 0.3.
        const score = clamp01((1 - sd) / 0.7) * (1 - Math.exp(-s.gaps / 30));
        if (score > 0.01)
          out.push({
            id: 'automation.regularity',
            score,
            evidence: {
              gaps: s.gaps,
              log_gap_sd: round(sd),
              median_gap_s: round(Math.expm1(s.logGapMean)),
            },
          });
      }
      const spanH = (s.lastTs - s.firstTs) / 3600_000;
      if (s.requests >= 48 && spanH >= 20) {
        let entropy = 0;
        for (const c of s.hours) if (c > 0) entropy -= (c / s.requests) * Math.log(c / s.requests);
        const evenness = entropy / Math.log(24);
        const active = s.hours.filter((c) => c > 0).length;
        const score = clamp01((evenness - 0.85) / 0.12);
        if (score > 0.01)
          out.push({
            id: 'automation.round_the_clock',
            score,
            evidence: { active_hours: active, hour_evenness: round(evenness), span_hours: round(spanH) },
          });
      }
      if (s.maxBurst >= 10) {
        out.push({
          id: 'automation.burst',
          score: clamp01(Math.log10(s.maxBurst / 10)),
          evidence: { peak_rate_over_baseline: round(s.maxBurst) },
        });
      }
      if (s.maxShift > 0.05) {
        out.push({
          id: 'automation.shift',
          score: clamp01(s.maxShift / 0.3),
          evidence: {
            mmd2: round(s.maxShift),
            window: window,
            history: s.historyN,
            method: 'linear-kernel MMD² (Gretton et al. 2012), hashed n-grams',
          },
        });
      }
      return out;
    },
  };
}

function clamp01(x: number): number {
  return x < 0 ? 0 : Math.min(x, 1);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export const automationDetector = createAutomationDetector();
