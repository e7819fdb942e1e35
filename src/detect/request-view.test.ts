import { describe, expect, it } from 'vitest';
import { buildRequestView, subjectOf } from './request-view.js';

describe('buildRequestView', () => {
  it('reads the last user turn, the system prompt and the turn count of a chat', () => {
    const v = buildRequestView(
      {
        account: 'a',
        ts: '2026-01-05T10:00:00Z',
        request: {
          messages: [
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: 'first' },
            { role: 'assistant', content: 'ok' },
            { role: 'user', content: [{ type: 'text', text: 'second part one' }, { type: 'image_url' }] },
          ],
        },
        response: { choices: [{ message: { content: 'answer' } }] },
      },
      3,
      0,
    );
    expect(v).toMatchObject({
      index: 3,
      ts: Date.parse('2026-01-05T10:00:00Z'),
      promptText: 'second part one',
      systemPrompt: 'Be brief.',
      userTurns: 2,
      outputText: 'answer',
      endpoint: '/v1/chat/completions',
      channel: 'direct',
    });
    expect(v.promptTokens).toEqual(['second', 'part', 'one']);
  });

  it('reads a completions prompt, and nothing from embeddings', () => {
    expect(buildRequestView({ account: 'a', request: { prompt: 'Once upon' } }, 1, 5).promptText).toBe(
      'Once upon',
    );
    const e = buildRequestView({ account: 'a', endpoint: '/v1/embeddings', request: { input: 'x' } }, 1, 5);
    expect(e.promptText).toBe('');
    expect(e.ts).toBe(5);
  });

  it('names partner end customers account/customer', () => {
    expect(subjectOf({ account: 'reseller', endCustomer: 'c9', request: {} })).toBe('reseller/c9');
    expect(subjectOf({ account: 'acme', request: {} })).toBe('acme');
  });
});
