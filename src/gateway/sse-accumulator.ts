// Reads an OpenAI server-sent-event stream as it passes through (never delaying it): collects the
// generated text per choice and the usage chunk, and notices the final `data: [DONE]`.
import { SseDataReader } from '../upstreams/sse.js';

export interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

interface StreamChunk {
  choices?: { index?: number; delta?: { content?: unknown }; text?: unknown }[];
  usage?: Usage | null;
  error?: unknown;
}

export class SseAccumulator {
  readonly #reader = new SseDataReader();
  #texts: string[] = [];
  usage: Usage | null = null;
  done = false;
  /** An `error` object the upstream sent inside the stream, if any. */
  error: unknown = null;

  /** Feeds one chunk; returns true if this chunk completed the `[DONE]` event. */
  push(chunk: Uint8Array): boolean {
    const wasDone = this.done;
    for (const data of this.#reader.push(chunk)) this.#event(data);
    return !wasDone && this.done;
  }

  /** The generated text, choices joined by a blank line. */
  output(): string {
    return this.#texts.filter((t) => t !== undefined).join('\n\n');
  }

  #event(data: string): void {
    if (data === '[DONE]') {
      this.done = true;
      return;
    }
    let chunk: StreamChunk;
    try {
      chunk = JSON.parse(data) as StreamChunk;
    } catch {
      return;
    }
    if (chunk.usage) this.usage = chunk.usage;
    if (chunk.error) this.error = chunk.error;
    if (!Array.isArray(chunk.choices)) return;
    for (const choice of chunk.choices) {
      const piece = typeof choice.delta?.content === 'string' ? choice.delta.content : choice.text;
      if (typeof piece !== 'string') continue;
      const index = typeof choice.index === 'number' ? choice.index : 0;
      this.#texts[index] = (this.#texts[index] ?? '') + piece;
    }
  }
}

/** Output text and usage of a complete (non-streaming) OpenAI response body. */
export function readCompletion(body: unknown): { output: string | null; usage: Usage | null } {
  if (body === null || typeof body !== 'object') return { output: null, usage: null };
  const { choices, usage } = body as { choices?: unknown; usage?: Usage };
  let output: string | null = null;
  if (Array.isArray(choices)) {
    const texts: string[] = [];
    for (const choice of choices as { message?: { content?: unknown }; text?: unknown }[]) {
      const text = typeof choice?.message?.content === 'string' ? choice.message.content : choice?.text;
      if (typeof text === 'string') texts.push(text);
    }
    output = texts.join('\n\n');
  }
  return { output, usage: usage && typeof usage === 'object' ? usage : null };
}
