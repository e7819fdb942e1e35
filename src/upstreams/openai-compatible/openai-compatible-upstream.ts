// The base of every HTTP upstream: an OpenAI-compatible server reached through one undici Pool
// (keep-alive) per upstream. `openai`, `azure` and `compatible` are configurations of this class:
// they state the base URL, the auth headers and (azure) the request path; everything else is here.

import { Pool } from 'undici';
import { CircuitBreaker } from '../circuit-breaker.js';
import type {
  Upstream,
  UpstreamCall,
  UpstreamEndpoint,
  UpstreamErrorKind,
  UpstreamResponse,
} from '../upstream.js';
import { UpstreamError } from '../upstream.js';
import type { HttpUpstreamConfig } from '../upstream-config.js';
import { endpointPaths, parseApiBase } from './api-base.js';

export interface OpenAICompatibleUpstreamOptions extends HttpUpstreamConfig {
  name: string;
  kind: 'openai' | 'azure' | 'compatible';
  /** The API base including its version segment, e.g. https://api.openai.com/v1. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>` when given. */
  apiKey?: string;
  /** Further headers sent with every request (names are matched case-insensitively). */
  headers?: Record<string, string>;
  /** The request path (with query) of a call; by default the base path + the endpoint below `/v1`. */
  pathFor?: (endpoint: UpstreamEndpoint, model: string) => string;
}

/** The slice of undici's response body this class uses. */
interface ResponseBody extends AsyncIterable<Uint8Array> {
  dump(options?: { limit?: number }): Promise<unknown>;
}

export class OpenAICompatibleUpstream implements Upstream {
  readonly name: string;
  readonly kind: 'openai' | 'azure' | 'compatible';
  readonly #pool: Pool;
  readonly #headers: Record<string, string>;
  readonly #pathFor: (endpoint: UpstreamEndpoint, model: string) => string;
  readonly #breaker: CircuitBreaker | null;
  readonly #timeoutMs: number;
  readonly #idleTimeoutMs: number;

  constructor({
    name,
    kind,
    baseUrl,
    apiKey,
    headers = {},
    pathFor,
    timeout_ms = 60_000,
    idle_timeout_ms = 60_000,
    max_connections = 128,
    circuit_breaker,
  }: OpenAICompatibleUpstreamOptions) {
    this.name = name;
    this.kind = kind;
    const { origin, basePath } = parseApiBase(baseUrl);
    const paths = endpointPaths(basePath);
    this.#pathFor = pathFor ?? ((endpoint) => paths[endpoint]);
    // Built once: every request of this upstream sends the same header object.
    this.#headers = { 'content-type': 'application/json' };
    for (const [key, value] of Object.entries(headers)) this.#headers[key.toLowerCase()] = value;
    if (apiKey !== undefined) this.#headers.authorization = `Bearer ${apiKey}`;
    this.#timeoutMs = timeout_ms;
    this.#idleTimeoutMs = idle_timeout_ms;
    this.#breaker = circuit_breaker
      ? new CircuitBreaker({ failures: circuit_breaker.failures, resetMs: circuit_breaker.reset_ms })
      : null;
    this.#pool = new Pool(origin, {
      connections: max_connections,
      headersTimeout: timeout_ms,
      bodyTimeout: idle_timeout_ms,
      connect: { timeout: timeout_ms },
    });
  }

  async call({ endpoint, model, body, signal }: UpstreamCall): Promise<UpstreamResponse> {
    const breaker = this.#breaker;
    breaker?.admit(this.name);
    let response: Awaited<ReturnType<Pool['request']>>;
    try {
      response = await this.#pool.request({
        method: 'POST',
        path: this.#pathFor(endpoint, model),
        headers: this.#headers,
        body,
        signal,
      });
    } catch (error) {
      throw this.#failed(error, signal, 'before its response headers');
    }
    if (response.statusCode >= 500) breaker?.failure();
    else breaker?.success();
    const contentType = response.headers['content-type'];
    const responseBody = response.body as ResponseBody;
    return {
      status: response.statusCode,
      contentType: typeof contentType === 'string' ? contentType : 'application/octet-stream',
      body: this.#relay(responseBody, signal),
      discard: () => {
        // Reads a small rest so the connection can be reused; a large one closes the connection.
        responseBody.dump().catch(ignore);
      },
    };
  }

  close(): Promise<void> {
    return this.#pool.close();
  }

  /** The body as it arrives, with transport errors turned into UpstreamError. */
  async *#relay(body: ResponseBody, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
    try {
      yield* body;
    } catch (error) {
      throw this.#failed(error, signal, 'in the middle of its response body');
    }
  }

  /** Records the failure and says what happened; a client abort passes through as it is. */
  #failed(error: unknown, signal: AbortSignal | undefined, when: string): unknown {
    if (signal?.aborted) {
      this.#breaker?.abandon();
      return error;
    }
    const upstreamError = toUpstreamError(error, this.name, when, this.#timeoutMs, this.#idleTimeoutMs);
    this.#breaker?.failure();
    return upstreamError;
  }
}

function ignore(): void {}

const KIND_BY_CODE: Record<string, UpstreamErrorKind> = {
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'connect',
  ECONNREFUSED: 'connect',
  ENOTFOUND: 'connect',
  EAI_AGAIN: 'connect',
  EHOSTUNREACH: 'connect',
  ENETUNREACH: 'connect',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  UND_ERR_SOCKET: 'reset',
  UND_ERR_CLOSED: 'reset',
  UND_ERR_DESTROYED: 'reset',
};

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, errors } = error as { code?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  // Happy-eyeballs connects (several addresses) fail with an AggregateError of the attempts.
  if (Array.isArray(errors) && errors.length > 0) return errorCode(errors[0]);
  return undefined;
}

export function toUpstreamError(
  error: unknown,
  upstreamName: string,
  when: string,
  timeoutMs: number,
  idleTimeoutMs: number,
): UpstreamError {
  if (error instanceof UpstreamError) return error;
  const code = errorCode(error) ?? '';
  // HPE_* are llhttp parse errors; anything unrecognised is treated as a malformed response too.
  const kind = KIND_BY_CODE[code] ?? 'bad_response';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    const limitMs = code === 'UND_ERR_HEADERS_TIMEOUT' ? timeoutMs : idleTimeoutMs;
    const what = code === 'UND_ERR_HEADERS_TIMEOUT' ? 'no response headers' : `nothing ${when}`;
    return new UpstreamError(kind, `upstream ${upstreamName} sent ${what} for ${limitMs} ms`, {
      cause: error,
      timeoutMs: limitMs,
    });
  }
  const detail = error instanceof Error ? error.message : String(error);
  const message = `upstream ${upstreamName} failed ${when}: ${detail}${code ? ` (${code})` : ''}`;
  return new UpstreamError(kind, message, { cause: error });
}
