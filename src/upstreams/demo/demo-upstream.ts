// The built-in `demo` upstream: a deterministic, offline stand-in for a model, so that Warden runs
// end to end without any model server. It answers with text from an order-2 word Markov chain over
// chapters of "Pride and Prejudice" (assets/demo), opened by a few topic words of the prompt, and
// with hashed bag-of-words embeddings. It is clearly not a model: every response carries
// `system_fingerprint: "warden-demo-markov2"`. `call()` never touches the network.

import { setTimeout as sleep } from 'node:timers/promises';
import { SSE_DONE, sseEvent } from '../sse.js';
import type { Upstream, UpstreamCall, UpstreamResponse } from '../upstream.js';
import type { DemoUpstreamConfig } from '../upstream-config.js';
import { type DemoReplyOptions, demoReply } from './demo-replies.js';
import { demoMarkovChain } from './demo-text.js';

export class DemoUpstream implements Upstream {
  readonly kind = 'demo';
  readonly name: string;
  readonly #latencyMs: number;
  readonly #options: DemoReplyOptions;

  constructor(name: string, { latency_ms = 0, chunk_words = 1 }: Omit<DemoUpstreamConfig, 'kind'> = {}) {
    this.name = name;
    this.#latencyMs = latency_ms;
    // Built at startup, not on the first request.
    this.#options = { chain: demoMarkovChain(), chunkWords: chunk_words };
  }

  async call({ endpoint, model, body, stream, signal }: UpstreamCall): Promise<UpstreamResponse> {
    signal?.throwIfAborted();
    if (this.#latencyMs > 0) await sleep(this.#latencyMs, undefined, { signal });
    const reply = demoReply(endpoint, model, body, stream, this.#options);
    if ('json' in reply) {
      return {
        status: reply.status,
        contentType: 'application/json',
        body: once(Buffer.from(reply.json)),
        discard() {},
      };
    }
    const events = sseStream(reply.events, signal);
    return {
      status: 200,
      contentType: 'text/event-stream; charset=utf-8',
      body: events,
      discard() {
        void events.return(undefined);
      },
    };
  }

  async close(): Promise<void> {}
}

export function createDemoUpstream(name: string, config: Omit<DemoUpstreamConfig, 'kind'> = {}): Upstream {
  return new DemoUpstream(name, config);
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

async function* sseStream(
  payloads: Iterable<string>,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  for (const payload of payloads) {
    signal?.throwIfAborted();
    yield sseEvent(payload);
  }
  yield SSE_DONE;
}
