// Server-sent events as OpenAI streams them: `data: <json>\n\n` events ending in `data: [DONE]\n\n`.
// The one place that writes and reads that framing (the demo model writes it; the gateway can read
// an upstream's stream with SseDataReader to meter it without copying the bytes it relays).

/** The event that ends every OpenAI stream. */
export const SSE_DONE: Uint8Array = Buffer.from('data: [DONE]\n\n');

/** One `data:` event holding `payload` (which must not contain a line break; JSON.stringify output never does). */
export function sseEvent(payload: string): Uint8Array {
  // Buffer.from encodes short strings faster than TextEncoder on Node 20.
  return Buffer.from(`data: ${payload}\n\n`);
}

/**
 * Incremental reader of an event stream (WHATWG HTML §9.2 "event stream interpretation", data field
 * only): push the body's chunks as they arrive, get the data of every event they complete. Lines may
 * end in \n, \r\n or \r, and chunks may split lines, line ends and UTF-8 characters anywhere.
 */
export class SseDataReader {
  readonly #decoder = new TextDecoder();
  #pending = '';
  #dataLines: string[] = [];

  /** The data of each event completed by this chunk (`[DONE]` included, as it is). */
  push(chunk: Uint8Array): string[] {
    const text = this.#pending + this.#decoder.decode(chunk, { stream: true });
    const events: string[] = [];
    let lineStart = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      if (c === 13 && i + 1 === text.length) break; // maybe the first half of a \r\n: wait for more
      this.#line(text.slice(lineStart, i), events);
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      lineStart = i + 1;
    }
    this.#pending = text.slice(lineStart);
    return events;
  }

  #line(line: string, events: string[]): void {
    if (line === '') {
      if (this.#dataLines.length > 0) events.push(this.#dataLines.join('\n'));
      this.#dataLines = [];
      return;
    }
    if (!line.startsWith('data')) return; // comments (":…") and other fields
    if (line.length === 4) this.#dataLines.push('');
    else if (line.charCodeAt(4) === 58 /* : */) {
      this.#dataLines.push(line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5));
    }
  }
}
