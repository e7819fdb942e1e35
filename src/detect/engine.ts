// The detection engine: one per process (inside `serve`) or per run (`warden detect`). It builds a
// RequestView per traffic record, feeds every detector's per-actor state, links accounts that share
// keys into actors (pooling their state), and turns the pooled signals into a risk score, a verdict
// and actions through the policy. `ingest` costs O(request size); `assess` is cheap.
//
// Risk combination (policy `combine`): noisy-OR, risk = 100 · (1 − Π (1 − w_s · score_s)), with a
// weight w_s per signal id prefix from the policy. Each signal is read as independent evidence that
// is right with probability w·score; one strong content signal is enough, weak behaviour signals add
// up slowly, and the top contributions (w·score) are what the assessment lists.
import type { TrafficRecord } from '../events/traffic-record.js';
import { applyPolicy, signalWeight } from '../policy/apply-policy.js';
import type { Policy, PolicyAction, Verdict } from '../policy/policy.js';
import { createAutomationDetector } from './automation/index.js';
import { createCoverageDetector } from './coverage/index.js';
import type { Detector, Signal } from './detector.js';
import { createHarvestingDetector } from './harvesting/index.js';
import { createIntentDetector } from './intent/index.js';
import { createLinker, type LinkEvidence, type LinkingOptions } from './linking/index.js';
import { buildRequestView, subjectOf } from './request-view.js';
import { createTemplatesDetector } from './templates/index.js';

export interface AccountAssessment {
  account: string;
  requests: number;
  risk: number;
  verdict: Verdict;
  detected_after: number | null;
  signals: { id: string; score: number; evidence: Record<string, unknown> }[];
  linked: string[];
  actions: PolicyAction[];
  /** Why the linked accounts are linked (shared key kind and a preview of the key). */
  link_evidence?: LinkEvidence[];
}

export interface DetectionEngine {
  ingest(record: TrafficRecord): void;
  assess(account: string): AccountAssessment;
  accounts(): string[];
  /** Accounts whose assessment may have changed since the last call (for serve to persist). */
  takeChanged(): string[];
}

/** A detector that can also fold another actor's state into its own (when accounts are linked). */
// biome-ignore lint/suspicious/noExplicitAny: states are opaque to the engine; each detector owns its type.
export type EngineDetector = Detector<any> & { merge?(into: any, from: any): void };

export interface DetectionEngineOptions {
  policy: Policy;
  /** Uses allowed to an account beyond the policy file (e.g. from the accounts table). */
  allowedUses?: (account: string) => string[];
  /** Detectors to run (default: all of `defaultDetectors()`). */
  detectors?: EngineDetector[];
  linking?: LinkingOptions;
  /** Signals listed per assessment. */
  maxSignals?: number;
}

interface SubjectState {
  requests: number;
  detectedAfter: number | null;
  lastTs: number;
}

interface ActorState {
  states: unknown[];
  /** Bumped on every change; the cached assessments are keyed by it. */
  version: number;
}

const EXACT_UNTIL = 256;
const CHECK_EVERY = 4;

/** The detectors the engine runs by default, in evidence order. */
export function defaultDetectors(): EngineDetector[] {
  return [
    // The intent classifier costs ~0.3 ms a request, far more than the rest together: it reads an
    // actor's first 32 requests, then every 16th (its signals are shares, so sampling keeps them).
    sampleRequests(createIntentDetector(), { first: 32, every: 16 }),
    createTemplatesDetector(),
    createHarvestingDetector(),
    createAutomationDetector(),
    createCoverageDetector(),
  ];
}

export interface SampleOptions {
  /** Every one of the first `first` requests of an actor is read… */
  first?: number;
  /** …then one in `every`. */
  every?: number;
}

/** Runs an expensive detector on a sample of an actor's requests (its state counts what it read). */
export function sampleRequests<S>(
  detector: Detector<S>,
  { first = 64, every = 8 }: SampleOptions = {},
): Detector<{ inner: S; seen: number }> {
  return {
    id: detector.id,
    create: () => ({ inner: detector.create(), seen: 0 }),
    update(state, view) {
      state.seen++;
      if (state.seen <= first || state.seen % every === 0) detector.update(state.inner, view);
    },
    signals: (state) => detector.signals(state.inner),
  };
}

export function createDetectionEngine({
  policy,
  allowedUses = () => [],
  detectors = defaultDetectors(),
  linking,
  maxSignals = 6,
}: DetectionEngineOptions): DetectionEngine {
  const subjects = new Map<string, SubjectState>();
  const actors = new Map<string, ActorState>();
  const linker = createLinker(linking);
  const changed = new Set<string>();
  const signalCache = new Map<string, { version: number; signals: Signal[] }>();

  function actorOf(account: string): ActorState {
    const root = linker.find(account);
    let actor = actors.get(root);
    if (!actor) {
      actor = { states: detectors.map((d) => d.create()), version: 0 };
      actors.set(root, actor);
    }
    return actor;
  }

  function pooledSignals(account: string): Signal[] {
    const root = linker.find(account);
    const actor = actorOf(account);
    const cached = signalCache.get(root);
    if (cached && cached.version === actor.version) return cached.signals;
    const signals = detectors.flatMap((d, i) => d.signals(actor.states[i]));
    signalCache.set(root, { version: actor.version, signals });
    return signals;
  }

  function decide(account: string) {
    const subject = subjects.get(account);
    return applyPolicy(policy, {
      account,
      requests: subject?.requests ?? 0,
      // An account never seen has no state (and asking about it must not create one).
      signals: subject ? pooledSignals(account) : [],
      allowed: allowedUses(account),
    });
  }

  function join(big: string, small: string): void {
    const into = actors.get(big) ?? actorOf(big);
    const from = actors.get(small);
    actors.delete(small);
    signalCache.delete(small);
    if (from) {
      detectors.forEach((d, i) => {
        // Detectors that cannot merge keep the larger actor's state (a few early requests are lost).
        if (d.merge) d.merge(into.states[i], from.states[i]);
      });
    }
    into.version++;
  }

  /**
   * Sets `detected_after` of the actor's members whose verdict just left ok. Checked on every
   * request of a subject's first EXACT_UNTIL, then on every CHECK_EVERY-th (the check reads every
   * detector's signals): `detected_after` is exact up to request 256 and at most 3 late after it.
   */
  function markDetections(account: string, requests: number): void {
    if (requests > EXACT_UNTIL && requests % CHECK_EVERY !== 0) return;
    const members = linker.members(account);
    if (members.every((m) => subjects.get(m)?.detectedAfter !== null)) return;
    for (const m of members) {
      const s = subjects.get(m);
      if (!s || s.detectedAfter !== null || s.requests === 0) continue;
      if (decide(m).verdict !== 'ok') s.detectedAfter = s.requests;
    }
  }

  return {
    ingest(record) {
      const account = subjectOf(record);
      let subject = subjects.get(account);
      if (!subject) {
        subject = { requests: 0, detectedAfter: null, lastTs: Date.now() };
        subjects.set(account, subject);
      }
      subject.requests++;
      const view = buildRequestView(record, subject.requests, subject.lastTs);
      subject.lastTs = view.ts;
      const actor = actorOf(account);
      detectors.forEach((d, i) => {
        d.update(actor.states[i], view);
      });
      actor.version++;
      for (const [big, small] of linker.observe(view)) join(big, small);
      for (const m of linker.members(account)) changed.add(m);
      markDetections(account, subject.requests);
    },
    assess(account) {
      const subject = subjects.get(account);
      const decision = decide(account);
      const linked = linker.members(account).filter((m) => m !== account);
      const assessment: AccountAssessment = {
        account,
        requests: subject?.requests ?? 0,
        risk: decision.risk,
        verdict: decision.verdict,
        detected_after: subject?.detectedAfter ?? null,
        signals: decision.signals
          .filter((s) => signalWeight(policy, s.id) * s.score >= 0.01)
          .slice(0, maxSignals)
          .map((s) => ({ id: s.id, score: Math.round(s.score * 1000) / 1000, evidence: s.evidence })),
        linked,
        actions: decision.actions,
      };
      if (linked.length > 0) assessment.link_evidence = linker.evidence(account);
      return assessment;
    },
    accounts: () => [...subjects.keys()],
    takeChanged() {
      const out = [...changed];
      changed.clear();
      return out;
    },
  };
}
