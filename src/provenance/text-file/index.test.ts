import { describe, expect, it } from 'vitest';
import { describeProblems, parseTextFile } from './index.js';

describe('parseTextFile', () => {
  it('reads every record shape of the text-file contract', () => {
    const lines = [
      JSON.stringify({ id: 'a', text: 'plain', prompt: 'q' }),
      JSON.stringify({
        id: 'chatcmpl-1',
        object: 'chat.completion',
        choices: [{ message: { role: 'assistant', content: 'from a response' } }],
      }),
      JSON.stringify({
        id: 'conv',
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'one' },
          { role: 'user', content: 'more' },
          { role: 'assistant', content: [{ type: 'text', text: 'two' }] },
        ],
      }),
      JSON.stringify({ instruction: 'Translate', input: 'hola', output: 'hello' }),
      '',
    ];
    const { documents, problems } = parseTextFile('data.jsonl', lines.join('\n'));
    expect(problems).toEqual([]);
    expect(documents).toEqual([
      { id: 'a', text: 'plain', prompt: 'q' },
      { id: 'chatcmpl-1', text: 'from a response', prompt: null },
      { id: 'conv#0', text: 'one', prompt: 'hi' },
      { id: 'conv#1', text: 'two', prompt: 'more' },
      { id: 'data.jsonl:4', text: 'hello', prompt: 'Translate\n\nhola' },
    ]);
  });

  it('reports malformed lines with their line numbers', () => {
    const { documents, problems } = parseTextFile(
      'x.jsonl',
      `${JSON.stringify({ text: 'ok' })}\n{broken\n[1,2]\n${JSON.stringify({ id: 'n', text: 'ok', prompt: 3 })}`,
    );
    expect(documents).toHaveLength(1);
    expect(problems.map((p) => p.line)).toEqual([2, 3, 4]);
    expect(describeProblems(problems)).toMatch(
      /^3 malformed inputs, nothing done: x\.jsonl:2: not valid JSON/,
    );
  });

  it('reads a JSON array and a plain text file', () => {
    const array = parseTextFile(
      'outputs.json',
      JSON.stringify([{ instruction: 'q', output: 'a' }, { nope: 1 }]),
    );
    expect(array.documents).toEqual([{ id: 'outputs.json:1', text: 'a', prompt: 'q' }]);
    expect(array.problems).toEqual([
      { file: 'outputs.json', line: 2, message: expect.stringContaining('expected') },
    ]);
    expect(parseTextFile('/tmp/essay.txt', 'Whole file.\nTwo lines.').documents).toEqual([
      { id: 'essay.txt', text: 'Whole file.\nTwo lines.', prompt: null },
    ]);
  });
});
