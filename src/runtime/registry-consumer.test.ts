import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../events/usage-event.js';
import { requestText, servedOutputs } from './registry-consumer.js';

const base = {
  seq: 1,
  id: 'evt_1',
  ts: 1,
  accountId: 'acct_1',
  keyId: 'key_1',
  channel: 'direct',
  endCustomer: null,
  model: 'demo',
  endpoint: '/v1/chat/completions',
  stream: false,
  status: 'ok',
  httpStatus: 200,
  errorCode: null,
  requestBody: '{}',
  output: 'an answer',
  promptTokens: null,
  completionTokens: null,
  totalTokens: null,
  latencyMs: 1,
  ttfbMs: 1,
  clientIp: null,
  upstream: 'demo',
} satisfies StoredEvent;

describe('registry consumer', () => {
  it('collects every text of a request, parts and prompts included', () => {
    const chat = {
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Summarize:' },
            { type: 'image_url', image_url: {} },
          ],
        },
      ],
    };
    expect(requestText(JSON.stringify(chat))).toBe('Be brief.\n\nSummarize:');
    expect(requestText(JSON.stringify({ prompt: ['a', 'b'] }))).toBe('a\n\nb');
    expect(requestText('not json')).toBeNull();
  });

  it('registers only generated text: successful, non-empty, not embeddings', () => {
    const events: StoredEvent[] = [
      { ...base, requestBody: JSON.stringify({ messages: [{ role: 'user', content: 'q' }] }) },
      { ...base, id: 'evt_2', status: 'error' },
      { ...base, id: 'evt_3', output: '' },
      { ...base, id: 'evt_4', endpoint: '/v1/embeddings', output: null },
      { ...base, id: 'evt_5', channel: 'partner:p', endCustomer: 'c7' },
    ];
    const outputs = servedOutputs(events);
    expect(outputs.map((o) => o.id)).toEqual(['evt_1', 'evt_5']);
    expect(outputs[0]).toMatchObject({ accountId: 'acct_1', prompt: 'q', text: 'an answer' });
    expect(outputs[1]).toMatchObject({ channel: 'partner:p', endCustomer: 'c7' });
  });
});
