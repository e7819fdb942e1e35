// The OpenAI-compatible proxy: the hot path. Auth (cached) → status → validation → route → rate limit →
// upstream (with fallback before any byte reached the client) → stream back → one usage event, committed
// before the client receives the end of its response. No analysis happens here.
import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { WardenError } from '../errors.js';
import type { EventLog } from '../events/event-log.js';
import { type EventStatus, newId, type UsageEvent } from '../events/usage-event.js';
import {
  type Denial,
  type LimitRule,
  type RateLimiter,
  RateLimitStoreError,
} from '../ratelimit/rate-limiter.js';
import { type UpstreamEndpoint, UpstreamError, type UpstreamResponse } from '../upstreams/upstream.js';
import type { Identity } from './identity-cache.js';
import type { ModelRoutes } from './model-routes.js';
import { readCompletion, SseAccumulator, type Usage } from './sse-accumulator.js';

export interface ProxyDeps {
  routes: ModelRoutes;
  limiter: RateLimiter;
  events: EventLog;
  responseLimitBytes: number;
  onStoreFailure: 'open' | 'closed';
  /** Called for each finished request (metrics). */
  observe?: (endpoint: string, status: number, latencyMs: number) => void;
}

export interface ProxyRequest {
  endpoint: UpstreamEndpoint;
  identity: Identity;
  rawBody: string;
  body: unknown;
  clientIp: string | null;
  receivedAt: number;
  started: number;
}

/** Validates an OpenAI request body just enough to route it; the upstream checks the rest. */
export function validateBody(endpoint: UpstreamEndpoint, body: unknown): { model: string; stream: boolean } {
  const invalid = (detail: string, param: string | null = null) =>
    new WardenError('invalid_request', { detail }, { param });
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw invalid('The request body must be a JSON object.');
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model.length === 0)
    throw invalid('`model` must be a non-empty string.', 'model');
  if (b.stream !== undefined && b.stream !== null && typeof b.stream !== 'boolean')
    throw invalid('`stream` must be a boolean.', 'stream');
  if (
    b.n !== undefined &&
    b.n !== null &&
    (!Number.isInteger(b.n) || (b.n as number) < 1 || (b.n as number) > 128)
  ) {
    throw invalid('`n` must be an integer from 1 to 128.', 'n');
  }
  if (endpoint === '/v1/chat/completions') {
    if (!Array.isArray(b.messages) || b.messages.length === 0)
      throw invalid('`messages` must be a non-empty array.', 'messages');
    for (const [i, m] of b.messages.entries()) {
      if (m === null || typeof m !== 'object' || typeof (m as { role?: unknown }).role !== 'string') {
        throw invalid(`messages[${i}] must be an object with a string \`role\`.`, `messages[${i}]`);
      }
    }
  } else if (endpoint === '/v1/completions') {
    if (typeof b.prompt !== 'string' && !Array.isArray(b.prompt))
      throw invalid('`prompt` must be a string or an array.', 'prompt');
  } else {
    if (b.input === undefined || b.input === null) throw invalid('`input` is required.', 'input');
    if (b.stream === true) throw invalid('Embeddings cannot be streamed.', 'stream');
  }
  return { model: b.model, stream: b.stream === true };
}

/**
 * Takes the caller's rate-limit tokens, or throws what the client must see: 429 (with the retry time)
 * when a limit is spent, 503 when the shared store is unreachable and the choice is to fail closed.
 */
export async function admitOrRefuse(
  limiter: RateLimiter,
  rules: LimitRule[],
  onStoreFailure: 'open' | 'closed',
): Promise<void> {
  let denial: Denial | null;
  try {
    denial = await limiter.admit(rules);
  } catch (error) {
    if (!(error instanceof RateLimitStoreError) || onStoreFailure === 'closed') {
      throw new WardenError('service_unavailable', { detail: 'the rate-limit store is unreachable' });
    }
    denial = null;
  }
  if (!denial) return;
  const retryAfter = Math.ceil(denial.retryAfterMs / 1000);
  const { rule } = denial;
  throw new WardenError(
    rule.kind === 'daily_tokens' ? 'quota_exceeded' : 'rate_limit_exceeded',
    {
      scope: rule.scope,
      limit: `${rule.limit} ${rule.kind}`,
      retry_after: retryAfter,
      period: 'daily token',
    },
    { extra: { retry_after: retryAfter } },
  );
}

function sendError(res: ServerResponse, error: WardenError, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const body = JSON.stringify(error.toJSON());
  res.writeHead(error.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

function upstreamFailure(error: UpstreamError): WardenError {
  return error.kind === 'timeout'
    ? new WardenError('upstream_timeout', { ms: error.timeoutMs ?? '?' })
    : new WardenError('upstream_error', { detail: error.message });
}

function write(res: ServerResponse, chunk: Uint8Array): Promise<void> | undefined {
  // A response whose client has gone answers false and never drains nor closes again: do not wait on it.
  if (res.write(chunk) || res.destroyed) return undefined;
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export function createProxy({
  routes,
  limiter,
  events,
  responseLimitBytes,
  onStoreFailure,
  observe,
}: ProxyDeps) {
  return async function proxyRequest(request: ProxyRequest, res: ServerResponse): Promise<void> {
    const { endpoint, identity } = request;
    const { model, stream } = validateBody(endpoint, request.body);
    const route = routes.resolve(model);

    await admitOrRefuse(limiter, identity.rules, onStoreFailure);

    const body =
      route.upstreamModel === model
        ? request.rawBody
        : JSON.stringify({ ...(request.body as object), model: route.upstreamModel });
    const abort = new AbortController();
    let clientGone = false;
    res.on('close', () => {
      if (!res.writableFinished) {
        clientGone = true;
        abort.abort();
      }
    });

    const event: UsageEvent = {
      id: newId('evt'),
      ts: request.receivedAt,
      accountId: identity.accountId,
      keyId: identity.keyId,
      channel: identity.channel,
      endCustomer: identity.endCustomer,
      model,
      endpoint,
      stream,
      status: 'ok',
      httpStatus: 200,
      errorCode: null,
      requestBody: request.rawBody,
      output: null,
      promptTokens: null,
      completionTokens: null,
      totalTokens: null,
      latencyMs: 0,
      ttfbMs: null,
      clientIp: request.clientIp,
      upstream: null,
    };
    const finish: Finish = async (status, httpStatus, errorCode, usage, output = null) => {
      event.status = status;
      event.output = output;
      event.httpStatus = httpStatus;
      event.errorCode = errorCode;
      event.promptTokens = usage?.prompt_tokens ?? null;
      event.completionTokens = usage?.completion_tokens ?? null;
      event.totalTokens = usage?.total_tokens ?? null;
      event.latencyMs = performance.now() - request.started;
      try {
        await events.append(event);
      } catch {
        // Never a silent success: a request whose event cannot be committed ends in a clear 503.
        throw new WardenError('service_unavailable', {
          detail: 'the event log is unavailable, so the request could not be recorded; retry shortly',
        });
      }
      // Token limits are charged with the upstream's usage; a stream without `include_usage` (or an
      // upstream that reports none) was charged nothing, so streaming bypassed tpm and daily quotas.
      // Charge an estimate then (≈ 4 characters a token, request JSON included: it errs high);
      // metering counts the exact figure behind the event log.
      const charged = event.totalTokens ?? estimateTokens(event);
      if (charged > 0) void limiter.charge(identity.rules, charged).catch(() => undefined);
      observe?.(endpoint, httpStatus, event.latencyMs);
    };

    // Upstream call with fallback: only failures before any byte reached the client are retried.
    let response: UpstreamResponse | null = null;
    let lastError: WardenError | null = null;
    for (const upstream of route.upstreams) {
      event.upstream = upstream.name;
      try {
        const candidate = await upstream.call({
          endpoint,
          model: route.upstreamModel,
          body,
          stream,
          signal: abort.signal,
        });
        if (candidate.status >= 500) {
          candidate.discard();
          lastError = new WardenError('upstream_error', {
            detail: `${upstream.name} answered HTTP ${candidate.status}`,
          });
          continue;
        }
        response = candidate;
        break;
      } catch (error) {
        if (clientGone) break;
        if (!(error instanceof UpstreamError)) throw error;
        lastError = upstreamFailure(error);
      }
    }
    if (!response) {
      const failure = lastError ?? new WardenError('upstream_error', { detail: 'no upstream answered' });
      await finish(clientGone ? 'aborted' : 'error', clientGone ? 499 : failure.status, failure.code, null);
      if (!clientGone) sendError(res, failure);
      return;
    }
    event.ttfbMs = performance.now() - request.started;

    if (stream && response.status < 300 && response.contentType.includes('text/event-stream')) {
      await relayStream(response, res, event.id, finish);
    } else {
      await relayWhole(response, res, finish, responseLimitBytes, clientGone);
    }
  };
}

/** A cheap upper-side token estimate for limits when the upstream reported no usage. */
export function estimateTokens(event: Pick<UsageEvent, 'requestBody' | 'output'>): number {
  return Math.ceil((event.requestBody.length + (event.output?.length ?? 0)) / 4);
}

type Finish = (
  status: EventStatus,
  httpStatus: number,
  errorCode: string | null,
  usage: Usage | null,
  output?: string | null,
) => Promise<void>;

async function relayStream(response: UpstreamResponse, res: ServerResponse, eventId: string, finish: Finish) {
  res.writeHead(response.status, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-request-id': eventId,
  });
  // The headers leave with the first chunk, in one write instead of two (usually that chunk is already
  // here: undici hands over the response with the bytes that came in with its headers). If the upstream
  // has sent no body yet, they leave on their own at the end of this turn of the event loop.
  let flushHeaders: NodeJS.Immediate | null = setImmediate(() => {
    flushHeaders = null;
    if (!res.destroyed) res.flushHeaders();
  });
  const acc = new SseAccumulator();
  let finished = false;
  try {
    for await (const chunk of response.body) {
      if (flushHeaders) {
        clearImmediate(flushHeaders);
        flushHeaders = null;
      }
      if (acc.push(chunk)) {
        // The chunk that ends the stream waits until the event is durable (and so do the headers
        // when it is also the first).
        await finish('ok', response.status, null, acc.usage, acc.output());
        finished = true;
      }
      const wait = write(res, chunk);
      if (wait) await wait;
    }
    if (!finished) {
      const gone = res.destroyed;
      await finish(gone ? 'aborted' : 'ok', gone ? 499 : response.status, null, acc.usage, acc.output());
      finished = true;
    }
    res.end();
  } catch (error) {
    // finish() itself failed: the event log is down; say so, and do not wait on it a second time.
    const unrecorded = error instanceof WardenError && error.code === 'service_unavailable';
    if (res.destroyed) {
      if (!finished && !unrecorded)
        await finish('aborted', 499, 'client_disconnected', acc.usage, acc.output());
      return;
    }
    const failure =
      error instanceof WardenError
        ? error
        : error instanceof UpstreamError
          ? upstreamFailure(error)
          : new WardenError('upstream_error', { detail: String(error) });
    if (!finished && !unrecorded)
      await finish('error', failure.status, failure.code, acc.usage, acc.output());
    res.end(`data: ${JSON.stringify(failure.toJSON())}\n\n`);
  } finally {
    if (flushHeaders) clearImmediate(flushHeaders);
  }
}

async function relayWhole(
  response: UpstreamResponse,
  res: ServerResponse,
  finish: Finish,
  limit: number,
  clientGone: boolean,
) {
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body) {
      size += chunk.length;
      if (size > limit) {
        response.discard();
        throw new UpstreamError('bad_response', `the response exceeded ${limit} bytes`);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (res.destroyed || clientGone) {
      await finish('aborted', 499, 'client_disconnected', null);
      return;
    }
    const failure =
      error instanceof UpstreamError
        ? upstreamFailure(error)
        : new WardenError('upstream_error', { detail: String(error) });
    await finish('error', failure.status, failure.code, null);
    sendError(res, failure);
    return;
  }
  const buffer = Buffer.concat(chunks);
  let parsed: unknown;
  try {
    parsed = JSON.parse(buffer.toString('utf8'));
  } catch {
    const failure = new WardenError('upstream_error', {
      detail: 'the upstream returned a body that is not JSON',
    });
    await finish('error', failure.status, failure.code, null);
    sendError(res, failure);
    return;
  }
  const { output, usage } = readCompletion(parsed);
  const ok = response.status < 400;
  const errorCode = ok
    ? null
    : String((parsed as { error?: { code?: unknown } })?.error?.code ?? `upstream_${response.status}`);
  await finish(ok ? 'ok' : 'error', response.status, errorCode, usage, output);
  if (res.destroyed) return;
  res.writeHead(response.status, {
    'content-type': response.contentType || 'application/json',
    'content-length': buffer.length,
  });
  res.end(buffer);
}
