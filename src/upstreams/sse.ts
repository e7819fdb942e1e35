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
 *
 * It works on bytes first: only the complete lines of a chunk are decoded (a line end byte never occurs
 * inside a UTF-8 sequence, so they always decode whole), with one native Buffer#toString, and lines are
 * found with indexOf. That is several times cheaper than a streaming TextDecoder and a loop over every
 * character, and it runs for every chunk the gateway relays.
 */
export class SseDataReader {
  /** Bytes after the last line end seen: the start of a line that is not complete yet. */
  #pending: Buffer | null = null;
  /** The last line ended in \r: a \n at the start of the next chunk belongs to that line end. */
  #afterCarriageReturn = false;
  #atStreamStart = true;
  /** The data of the event being read; null until it has a data line. */
  #data: string | null = null;

  /** The data of each event completed by this chunk (`[DONE]` included, as it is). */
  push(chunk: Uint8Array): string[] {
    let bytes = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.#pending !== null) {
      bytes = Buffer.concat([this.#pending, bytes]);
      this.#pending = null;
    }
    let start = 0;
    if (this.#afterCarriageReturn && bytes.length > 0) {
      this.#afterCarriageReturn = false;
      if (bytes[0] === 10) start = 1;
    }
    const end = Math.max(bytes.lastIndexOf(10), bytes.lastIndexOf(13)) + 1;
    // A copy: the chunk itself is relayed to the client, and the rest may be held a while.
    if (end < bytes.length) this.#pending = Buffer.from(bytes.subarray(Math.max(start, end)));
    const events: string[] = [];
    if (end <= start) return events;
    this.#afterCarriageReturn = bytes[end - 1] === 13;
    let text = bytes.toString('utf8', start, end);
    if (this.#atStreamStart) {
      this.#atStreamStart = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark is not part of the stream
    }
    if (text.indexOf('\r') === -1) {
      for (let lineStart = 0; lineStart < text.length; ) {
        const lineEnd = text.indexOf('\n', lineStart);
        this.#line(text, lineStart, lineEnd, events);
        lineStart = lineEnd + 1;
      }
    } else {
      for (let lineStart = 0; lineStart < text.length; ) {
        let lineEnd = lineStart;
        for (let c = text.charCodeAt(lineEnd); c !== 10 && c !== 13; c = text.charCodeAt(++lineEnd));
        this.#line(text, lineStart, lineEnd, events);
        lineStart =
          lineEnd + (text.charCodeAt(lineEnd) === 13 && text.charCodeAt(lineEnd + 1) === 10 ? 2 : 1);
      }
    }
    return events;
  }

  /** The line text[start, end). */
  #line(text: string, start: number, end: number, events: string[]): void {
    if (start === end) {
      if (this.#data !== null) events.push(this.#data);
      this.#data = null;
      return;
    }
    if (!text.startsWith('data', start)) return; // comments (":…") and other fields
    let valueStart = start + 4;
    if (valueStart < end) {
      if (text.charCodeAt(valueStart) !== 58 /* : */) return; // another field, e.g. "database"
      valueStart += text.charCodeAt(valueStart + 1) === 32 ? 2 : 1;
    }
    const value = text.slice(valueStart, end);
    this.#data = this.#data === null ? value : `${this.#data}\n${value}`;
  }
}
