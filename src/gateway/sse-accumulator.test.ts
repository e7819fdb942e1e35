import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCompletion, SseAccumulator } from './sse-accumulator.js';

function sse(parts: string[], usage = true): string {
  let out = `data: ${JSON.stringify({ choices: [{ index: 0, delta: { role: 'assistant' } }] })}\n\n`;
  for (const p of parts)
    out += `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: p } }] })}\n\n`;
  if (usage)
    out += `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 } })}\n\n`;
  return `${out}data: [DONE]\n\n`;
}

describe('SseAccumulator', () => {
  it('collects text and usage however the stream is cut into chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (parts, cuts) => {
          const bytes = Buffer.from(sse(parts));
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const acc = new SseAccumulator();
          let completedAt = -1;
          let previous = 0;
          for (const [i, point] of [...points, bytes.length].entries()) {
            if (acc.push(bytes.subarray(previous, point))) completedAt = i;
            previous = point;
          }
          expect(acc.output()).toBe(parts.join(''));
          expect(acc.usage?.total_tokens).toBe(8);
          expect(acc.done).toBe(true);
          expect(completedAt).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });

  it('reports [DONE] only on the chunk that completes the event (its blank line)', () => {
    const acc = new SseAccumulator();
    expect(acc.push(Buffer.from('data: [DO'))).toBe(false);
    expect(acc.push(Buffer.from('NE]\n'))).toBe(false);
    expect(acc.push(Buffer.from('\n'))).toBe(true);
    expect(acc.push(Buffer.from('\n'))).toBe(false);
  });

  it('keeps choices apart and reads legacy completions', () => {
    const acc = new SseAccumulator();
    acc.push(
      Buffer.from('data: {"choices":[{"index":1,"delta":{"content":"b"}},{"index":0,"text":"a"}]}\n\n'),
    );
    expect(acc.output()).toBe('a\n\nb');
  });
});

describe('readCompletion', () => {
  it('reads chat and text completions', () => {
    expect(readCompletion({ choices: [{ message: { content: 'hi' } }], usage: { total_tokens: 2 } })).toEqual(
      {
        output: 'hi',
        usage: { total_tokens: 2 },
      },
    );
    expect(readCompletion({ choices: [{ text: 'x' }, { text: 'y' }] }).output).toBe('x\n\ny');
    expect(readCompletion({ data: [{ embedding: [0.1] }] })).toEqual({ output: null, usage: null });
  });
});
