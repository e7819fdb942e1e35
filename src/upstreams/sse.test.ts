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

  it('drops a byte-order mark at the start of the stream only', () => {
    const bom = '\ufeff';
    expect(readAll([encoder.encode(`${bom}data: a\n\ndata: ${bom}b\n\n`)])).toEqual(['a', `${bom}b`]);
    expect(readAll([Buffer.from([0xef]), Buffer.from([0xbb, 0xbf]), encoder.encode('data: a\n\n')])).toEqual([
      'a',
    ]);
  });

  it('reads only the data field, not fields whose name starts with "data"', () => {
    expect(readAll([encoder.encode('database: x\ndata: y\ndata:\ndata: \n\n')])).toEqual(['y\n\n']);
  });

  it('keeps its own copy of a line split across chunks', () => {
    const reader = new SseDataReader();
    const first = Buffer.from('data: abc');
    expect(reader.push(first)).toEqual([]);
    first.fill(0x78); // the relayed chunk's memory may be reused once it is written
    expect(reader.push(Buffer.from('def\n\n'))).toEqual(['abcdef']);
  });

  it('ends a line at a chunk-final \\r, and takes a \\n starting the next chunk as part of it', () => {
    const reader = new SseDataReader();
    expect(reader.push(encoder.encode('data: a\r\n\r'))).toEqual(['a']);
    expect(reader.push(encoder.encode('\ndata: b\r'))).toEqual([]);
    expect(reader.push(encoder.encode('\r'))).toEqual(['b']);
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
