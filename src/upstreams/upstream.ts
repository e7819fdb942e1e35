// The one interface every upstream model server implements (OpenAI, Azure OpenAI, any
// OpenAI-compatible server, the built-in demo model). The gateway calls it on the request path.

export type UpstreamEndpoint = '/v1/chat/completions' | '/v1/completions' | '/v1/embeddings';

export interface UpstreamCall {
  endpoint: UpstreamEndpoint;
  /** The upstream's own model name (after the gateway's model mapping); azure picks the deployment by it. */
  model: string;
  /** The JSON body to send, as text (the gateway passes the client's body through unchanged when it can). */
  body: string;
  stream: boolean;
  /** Aborted when the client goes away; the upstream request must be aborted too. */
  signal?: AbortSignal;
}

export interface UpstreamResponse {
  status: number; // the upstream's HTTP status
  contentType: string;
  /** The body, chunk by chunk as it arrives. Errors mid-body throw UpstreamError from the iterator. */
  body: AsyncIterable<Uint8Array>;
  /** Discard the rest of the body (when the gateway will not read it). */
  discard(): void;
}

export type UpstreamErrorKind = 'timeout' | 'connect' | 'reset' | 'bad_response' | 'circuit_open';

/**
 * A failure to get (the rest of) a response from an upstream. An abort through `UpstreamCall.signal`
 * is not an upstream failure: it surfaces as the signal's own reason (an `AbortError`), not as this.
 */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  readonly kind: UpstreamErrorKind;
  /** For kind 'timeout': the limit that was exceeded, in ms (timeout_ms or idle_timeout_ms). */
  readonly timeoutMs?: number;

  constructor(
    kind: UpstreamErrorKind,
    message: string,
    options: { cause?: unknown; timeoutMs?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.kind = kind;
    if (options.timeoutMs !== undefined) this.timeoutMs = options.timeoutMs;
  }
}

export interface Upstream {
  readonly name: string; // the config key, e.g. "openai"
  readonly kind: 'openai' | 'azure' | 'compatible' | 'demo';
  /** Rejects with UpstreamError when no response headers arrive (connect failure, timeout, reset). */
  call(call: UpstreamCall): Promise<UpstreamResponse>;
  close(): Promise<void>;
}
