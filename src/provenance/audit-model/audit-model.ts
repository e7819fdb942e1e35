// auditModel: probes a suspect OpenAI-compatible model (self-identification + canary prompts), or
// takes its answers collected earlier, runs the canary test against reference models and gives a
// verdict with its evidence. The CLI (`warden audit-model`) is a thin layer over this function.
import { checkOutboundUrl, OutboundError } from '../../outbound/index.js';
import {
  type Canary,
  type CanaryComparison,
  compareWithCanaries,
  type ModelAnswer,
  type ReferenceModel,
} from './canary-comparison.js';
import { createChatProber, endpointUrls, mapWithConcurrency } from './chat-prober.js';
import {
  DEFAULT_BRANDS,
  SELF_IDENTIFICATION_PROMPTS,
  type SelfIdentificationAnswer,
  type SelfIdentificationResult,
  scoreSelfIdentification,
} from './self-identification.js';
import { seededRandom } from './statistics.js';

export type AuditVerdict = 'likely_trained_on_outputs' | 'inconclusive' | 'no_evidence';

export interface AuditModelOptions {
  /** The suspect's base URL (…/v1); not needed with `answers`. */
  endpoint?: string;
  apiKey?: string;
  model?: string;
  /** The served canaries (prompt + output). */
  canaries: Canary[];
  /** The suspect's answers collected earlier: no network, no self-identification. */
  answers?: ModelAnswer[];
  references: ReferenceModel[];
  /** Canaries to use at most (a seeded sample when there are more; default all). */
  samples?: number;
  brands?: string[];
  allowPrivate?: boolean;
  /** Significance level of the verdict (default 0.01). */
  alpha?: number;
  seed?: number;
  permutations?: number;
  concurrency?: number;
  timeoutMs?: number;
  maxBytes?: number;
  maxTokens?: number;
  /** Skip the self-identification probes. */
  skipSelfIdentification?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** DNS resolver, for tests. */
  resolve?: (host: string) => Promise<string[]>;
}

export interface AuditModelResult {
  verdict: AuditVerdict;
  reasons: string[];
  alpha: number;
  endpoint: string | null;
  model: string | null;
  mode: 'probe' | 'answers';
  self_identification: SelfIdentificationResult | null;
  canary_test: CanaryComparison;
  probes: { sent: number; failed: number; first_error: string | null };
  /** The suspect's answers to the canaries (reusable with --answers). */
  answers: ModelAnswer[];
}

/** A problem with the audit's inputs (bad endpoint URL, refused address): the CLI exits 2. */
export class AuditUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditUsageError';
  }
}

/** At most `n` canaries, chosen by a seeded shuffle so a rerun asks the same ones. */
export function sampleCanaries(canaries: Canary[], n: number | undefined, seed: number): Canary[] {
  if (n === undefined || n >= canaries.length) return canaries;
  const random = seededRandom(seed);
  const order = canaries.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order
    .slice(0, n)
    .sort((a, b) => a - b)
    .map((i) => canaries[i]);
}

/** The verdict rule: the canary test decides; self-identification alone can only make it inconclusive. */
export function decideVerdict(
  test: CanaryComparison,
  selfId: SelfIdentificationResult | null,
  alpha: number,
): { verdict: AuditVerdict; reasons: string[] } {
  const reasons: string[] = [];
  const suggestive = 0.05;
  if (test.ran) {
    reasons.push(
      `canary test on ${test.n} canaries: p = ${test.p_value.toPrecision(3)} (across canaries ${test.p_canary.toPrecision(3)}, across models ${test.p_model.toPrecision(3)})`,
    );
  } else {
    reasons.push(`canary test not run: ${test.reason}`);
  }
  if (selfId && selfId.hits.length > 0) {
    reasons.push(
      `${selfId.hits.length} of ${selfId.answered} self-identification answers name ${[...new Set(selfId.hits.flatMap((h) => h.brands))].join(', ')} (languages: ${selfId.languages.join(', ')})`,
    );
  }
  if (test.ran && test.p_value < alpha) return { verdict: 'likely_trained_on_outputs', reasons };
  const brandHits = (selfId?.hits.length ?? 0) > 0;
  if (test.ran && test.p_value >= suggestive && !brandHits) return { verdict: 'no_evidence', reasons };
  return { verdict: 'inconclusive', reasons };
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function auditModel(options: AuditModelOptions): Promise<AuditModelResult> {
  const {
    endpoint,
    apiKey,
    canaries: allCanaries,
    references,
    samples,
    brands = DEFAULT_BRANDS,
    allowPrivate = false,
    alpha = 0.01,
    seed = 1,
    permutations = 10_000,
    concurrency = 4,
    timeoutMs = 60_000,
    maxBytes = 1024 * 1024,
    maxTokens = 512,
    skipSelfIdentification = false,
    onProgress,
    resolve,
  } = options;
  let model = options.model ?? null;
  const canaries = sampleCanaries(allCanaries, samples, seed);
  const probes = { sent: 0, failed: 0, first_error: null as string | null };
  let selfId: SelfIdentificationResult | null = null;
  let answers: ModelAnswer[];
  let unprobeable = 0;

  if (options.answers) {
    answers = options.answers;
  } else {
    if (!endpoint) throw new AuditUsageError('pass --endpoint URL (the suspect model) or --answers FILE');
    const urls = endpointUrls(endpoint);
    try {
      await checkOutboundUrl(urls.chat, { allowPrivate, resolve });
    } catch (error) {
      if (error instanceof OutboundError && error.code !== 'OUTBOUND_DNS') {
        throw new AuditUsageError(
          error.code === 'OUTBOUND_PRIVATE_ADDRESS'
            ? `endpoint refused: ${error.message.replace('pass allowPrivate (--allow-private)', 'pass --allow-private')}`
            : `endpoint refused: ${error.message}`,
        );
      }
      throw error;
    }
    const prober = createChatProber({
      endpoint,
      apiKey,
      model: model ?? undefined,
      allowPrivate,
      timeoutMs,
      maxBytes,
      maxTokens,
      resolve,
    });
    if (!model) {
      const listed = await prober.listModels().catch(() => []);
      if (listed.length === 0) throw new AuditUsageError(`${urls.models} lists no model; pass --model NAME`);
      model = listed[0];
    }
    const asker = createChatProber({
      endpoint,
      apiKey,
      model,
      allowPrivate,
      timeoutMs,
      maxBytes,
      maxTokens,
      resolve,
    });
    const probeable = canaries.filter((c) => c.prompt !== undefined && c.prompt !== '');
    unprobeable = canaries.length - probeable.length;
    const selfPrompts = skipSelfIdentification ? [] : SELF_IDENTIFICATION_PROMPTS;
    const total = selfPrompts.length + probeable.length;
    let done = 0;
    const ask = async (prompt: string): Promise<string | null> => {
      probes.sent++;
      try {
        return await asker.ask(prompt);
      } catch (error) {
        probes.failed++;
        probes.first_error ??= describeError(error);
        return null;
      } finally {
        done++;
        onProgress?.(done, total);
      }
    };
    const selfAnswers: SelfIdentificationAnswer[] = await mapWithConcurrency(
      selfPrompts,
      concurrency,
      async (p) => ({
        ...p,
        answer: await ask(p.prompt),
      }),
    );
    const canaryAnswers = await mapWithConcurrency(probeable, concurrency, async (c) => ({
      id: c.id,
      output: await ask(c.prompt as string),
    }));
    if (probes.sent > 0 && probes.failed === probes.sent) {
      throw new Error(`every probe of ${urls.chat} failed; the first: ${probes.first_error}`);
    }
    if (!skipSelfIdentification) selfId = scoreSelfIdentification(selfAnswers, brands);
    answers = canaryAnswers.filter((a): a is ModelAnswer => a.output !== null);
  }

  const canaryTest = compareWithCanaries(canaries, answers, references, { seed, permutations });
  const { verdict, reasons } = decideVerdict(canaryTest, selfId, alpha);
  if (unprobeable > 0) reasons.push(`${unprobeable} canaries have no prompt and could not be asked`);
  if (probes.failed > 0)
    reasons.push(`${probes.failed} of ${probes.sent} probes failed (first: ${probes.first_error})`);
  return {
    verdict,
    reasons,
    alpha,
    endpoint: endpoint ?? null,
    model,
    mode: options.answers ? 'answers' : 'probe',
    self_identification: selfId,
    canary_test: canaryTest,
    probes,
    answers,
  };
}
