// Asks an OpenAI-compatible endpoint one question at a time through safeFetch (SSRF-safe, bounded),
// a few requests in parallel.
import { OutboundError, safeFetch } from '../../outbound/index.js';

export interface ChatProberOptions {
  /** Base URL such as https://host/v1, or the full …/chat/completions URL. */
  endpoint: string;
  apiKey?: string;
  model?: string;
  allowPrivate?: boolean;
  timeoutMs?: number;
  maxBytes?: number;
  maxTokens?: number;
  resolve?: (host: string) => Promise<string[]>;
}

/** The chat-completions URL and the models URL of an endpoint given as a base or a full URL. */
export function endpointUrls(endpoint: string): { chat: string; models: string } {
  const base = endpoint.replace(/\/+$/, '').replace(/\/chat\/completions$/, '');
  return { chat: `${base}/chat/completions`, models: `${base}/models` };
}

/** A failed probe that is the endpoint's fault (HTTP error, bad JSON), not the network's. */
export class ProbeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProbeError';
  }
}

export interface ChatProber {
  ask(prompt: string): Promise<string>;
  listModels(): Promise<string[]>;
}

function snippet(text: string): string {
  return text.replace(/\s+/g, ' ').slice(0, 200);
}

export function createChatProber({
  endpoint,
  apiKey,
  model,
  allowPrivate = false,
  timeoutMs = 60_000,
  maxBytes = 1024 * 1024,
  maxTokens = 512,
  resolve,
}: ChatProberOptions): ChatProber {
  const urls = endpointUrls(endpoint);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  const fetchOptions = { allowPrivate, timeoutMs, maxBytes, resolve };

  async function getJson(url: string, body?: unknown): Promise<unknown> {
    const response = await safeFetch(url, {
      ...fetchOptions,
      method: body === undefined ? 'GET' : 'POST',
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status < 200 || response.status >= 300) {
      throw new ProbeError(`${url} answered HTTP ${response.status}: ${snippet(response.body)}`);
    }
    try {
      return JSON.parse(response.body);
    } catch {
      throw new ProbeError(`${url} answered with a body that is not JSON: ${snippet(response.body)}`);
    }
  }

  return {
    async ask(prompt: string): Promise<string> {
      const body: Record<string, unknown> = {
        messages: [{ role: 'user', content: prompt }],
        temperature: 0,
        max_tokens: maxTokens,
      };
      if (model) body.model = model;
      const json = (await getJson(urls.chat, body)) as { choices?: { message?: { content?: unknown } }[] };
      const content = json?.choices?.[0]?.message?.content;
      if (typeof content !== 'string')
        throw new ProbeError(`${urls.chat} answered without choices[0].message.content`);
      return content;
    },
    async listModels(): Promise<string[]> {
      const json = (await getJson(urls.models)) as { data?: { id?: unknown }[] };
      return (json?.data ?? []).map((m) => m?.id).filter((id): id is string => typeof id === 'string');
    },
  };
}

/** Runs `work` over `items` with at most `concurrency` in flight; keeps input order. */
export async function mapWithConcurrency<T, R>(
  items: T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return results;
}

export { OutboundError };
