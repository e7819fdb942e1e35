import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SSE_DONE, SseDataReader, sseEvent } from './sse.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function readAll(chunks: Uint8Array[]): string[] {
  const reader = new SseDataReader();
  return chunks.flatMap((chunk) => reader.push(chunk));
}

describe('sse', () => {
  it('writes data events and the [DONE] terminator', () => {
    expect(decoder.decode(sseEvent('{"a":1}'))).toBe('data: {"a":1}\n\n');
    expect(decoder.decode(SSE_DONE)).toBe('data: [DONE]\n\n');
  });

  it('reads what it writes', () => {
    const payloads = ['{"id":1}', '{"content":"héllo 👋"}', '[DONE]'];
    const bytes = payloads.map((p) => (p === '[DONE]' ? SSE_DONE : sseEvent(p)));
    expect(readAll(bytes)).toEqual(payloads);
  });

  it('handles comments, other fields, multi-line data and every line ending', () => {
    const stream = ': keep-alive\r\nevent: x\r\ndata: a\r\ndata:b\r\n\r\ndata: c\r\rid: 7\ndata\n\n';
    expect(readAll([encoder.encode(stream)])).toEqual(['a\nb', 'c', '']);
  });

  it('gives the same events however the bytes are split', () => {
    const stream = encoder.encode(': hi\r\ndata: {"x":"ü€😀"}\r\n\r\ndata: 2\n\ndata: 3\r\rdata: [DONE]\n\n');
    const expected = ['{"x":"ü€😀"}', '2', '3', '[DONE]'];
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }),
        (cuts) => {
          const points = [0, ...cuts.sort((a, b) => a - b), stream.length];
          const chunks = points.slice(1).map((end, i) => stream.subarray(points[i], end));
          expect(readAll(chunks)).toEqual(expected);
        },
      ),
    );
  });
});
