import { describe, expect, it } from 'vitest';
import { SseDataReader } from '../sse.js';
import type { UpstreamCall, UpstreamEndpoint } from '../upstream.js';
import { DEMO_SYSTEM_FINGERPRINT, topicPrefix } from './demo-replies.js';
import { DemoUpstream } from './demo-upstream.js';

const demo = new DemoUpstream('demo', { chunk_words: 2 });
const decoder = new TextDecoder();

async function call(
  endpoint: UpstreamEndpoint,
  body: object,
  stream = false,
  extra: Partial<UpstreamCall> = {},
) {
  const response = await demo.call({
    endpoint,
    model: 'demo-1',
    body: JSON.stringify(body),
    stream,
    ...extra,
  });
  let text = '';
  for await (const chunk of response.body) text += decoder.decode(chunk);
  return { status: response.status, contentType: response.contentType, text };
}

interface ChatCompletion {
  object: string;
  model: string;
  system_fingerprint: string;
  choices: { index: number; message: { role: string; content: string }; finish_reason: string }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

async function chat(body: object): Promise<ChatCompletion> {
  const { status, text } = await call('/v1/chat/completions', { model: 'demo', ...body });
  expect(status).toBe(200);
  return JSON.parse(text);
}

const ask = (content: string) => ({ messages: [{ role: 'user', content }] });
const wordCount = (text: string) => text.split(' ').length;

describe('demo upstream: chat completions', () => {
  it('answers the same request with the same text, and different prompts differently', async () => {
    const first = await chat(ask('Write a haiku about autumn leaves in Kyoto'));
    const again = await chat(ask('Write a haiku about autumn leaves in Kyoto'));
    const other = await chat(ask('Explain how vaccines train the immune system'));
    expect(again.choices).toEqual(first.choices);
    expect(other.choices[0].message.content).not.toBe(first.choices[0].message.content);
    expect(first.choices[0].message.content.startsWith('On haiku autumn leaves Kyoto: ')).toBe(true);
    expect(other.choices[0].message.content.startsWith('On vaccines train immune system: ')).toBe(true);
    const seeded = await chat({ ...ask('Write a haiku about autumn leaves in Kyoto'), seed: 7 });
    expect(seeded.choices[0].message.content).not.toBe(first.choices[0].message.content);
  });

  it('speaks chat.completion with usage counted in words', async () => {
    const response = await chat({
      messages: [{ role: 'system', content: 'Be brief.' }, ...ask('Tell me a story').messages],
    });
    expect(response).toMatchObject({ object: 'chat.completion', model: 'demo-1' });
    expect(response.system_fingerprint).toBe(DEMO_SYSTEM_FINGERPRINT);
    const [choice] = response.choices;
    expect(choice).toMatchObject({ index: 0, message: { role: 'assistant' }, finish_reason: 'stop' });
    expect(response.usage).toEqual({
      prompt_tokens: 6, // "Be brief." + "Tell me a story"
      completion_tokens: wordCount(choice.message.content),
      total_tokens: 6 + wordCount(choice.message.content),
    });
  });

  it('answers with about 80–150 words (up to 40 more to end the sentence) by default', async () => {
    for (const topic of ['tea', 'rockets', 'tax law', 'jazz piano', 'rust lifetimes', 'bees']) {
      const words = wordCount((await chat(ask(`Tell me about ${topic}`))).choices[0].message.content);
      expect(words).toBeGreaterThanOrEqual(80);
      expect(words).toBeLessThanOrEqual(190);
    }
  });

  it('honours max_tokens and max_completion_tokens (in words) with finish_reason length', async () => {
    const limits = [
      ['max_tokens', 12],
      ['max_completion_tokens', 3],
    ] as const;
    for (const [field, limit] of limits) {
      const response = await chat({ ...ask('Summarize the French revolution'), [field]: limit });
      expect(wordCount(response.choices[0].message.content)).toBe(limit);
      expect(response.choices[0].finish_reason).toBe('length');
      expect(response.usage.completion_tokens).toBe(limit);
    }
  });

  it('gives n different choices, the first one being the n=1 answer', async () => {
    const single = await chat(ask('Describe the ocean at night'));
    const three = await chat({ ...ask('Describe the ocean at night'), n: 3 });
    expect(three.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(three.choices[0].message.content).toBe(single.choices[0].message.content);
    expect(new Set(three.choices.map((c) => c.message.content)).size).toBe(3);
    const words = three.choices.reduce((sum, c) => sum + wordCount(c.message.content), 0);
    expect(three.usage.completion_tokens).toBe(words);
  });

  it('streams chat.completion.chunk events: role first, content deltas, finish_reason, usage, [DONE]', async () => {
    const request = {
      ...ask('Explain rainbows'),
      n: 2,
      stream: true,
      stream_options: { include_usage: true },
    };
    const { status, contentType, text } = await call('/v1/chat/completions', request, true);
    expect(status).toBe(200);
    expect(contentType).toMatch(/^text\/event-stream/);
    expect(text).toMatch(/^(data: [^\n]+\n\n)+$/);
    const events = new SseDataReader().push(new TextEncoder().encode(text));
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    const usageChunk = chunks.pop();
    expect(usageChunk.choices).toEqual([]);
    const expected = await chat({ ...ask('Explain rainbows'), n: 2 });
    expect(usageChunk.usage).toEqual(expected.usage);
    for (const index of [0, 1]) {
      const own = chunks.filter((c) => c.choices[0].index === index);
      expect(own[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
      expect(own.at(-1).choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
      const middle = own.slice(1, -1);
      expect(middle.every((c) => c.choices[0].finish_reason === null)).toBe(true);
      expect(middle.map((c) => c.choices[0].delta.content).join('')).toBe(
        expected.choices[index].message.content,
      );
    }
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ object: 'chat.completion.chunk', model: 'demo-1', usage: null });
      expect(chunk.id).toBe(chunks[0].id);
    }
  });

  it('streams without usage fields unless asked', async () => {
    const { text } = await call('/v1/chat/completions', ask('Hello there'), true);
    expect(text).not.toContain('"usage"');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('stops a stream when the signal aborts', async () => {
    const controller = new AbortController();
    const response = await demo.call({
      endpoint: '/v1/chat/completions',
      model: 'demo',
      body: JSON.stringify(ask('A long story')),
      stream: true,
      signal: controller.signal,
    });
    const iterator = response.body[Symbol.asyncIterator]();
    await iterator.next();
    controller.abort();
    const error = await iterator.next().catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
  });

  it('rejects an aborted call during its latency', async () => {
    const slow = new DemoUpstream('slow', { latency_ms: 60_000 });
    const controller = new AbortController();
    const pending = slow.call({
      endpoint: '/v1/embeddings',
      model: 'd',
      body: '{"input":"x"}',
      stream: false,
      signal: controller.signal,
    });
    controller.abort();
    expect(((await pending.catch((e: unknown) => e)) as Error).name).toBe('AbortError');
  });

  it('answers bad requests with 400 in the OpenAI error shape', async () => {
    const bad = await demo.call({
      endpoint: '/v1/chat/completions',
      model: 'd',
      body: '{"messages":',
      stream: false,
    });
    expect(bad.status).toBe(400);
    const missing = await call('/v1/chat/completions', { model: 'd' });
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.text)).toEqual({
      error: {
        message: expect.stringContaining('messages'),
        type: 'invalid_request_error',
        param: 'messages',
        code: null,
      },
    });
    expect((await call('/v1/chat/completions', { ...ask('x'), n: 0 })).status).toBe(400);
    expect((await call('/v1/embeddings', { input: 'x', dimensions: 1.5 })).status).toBe(400);
    expect((await call('/v1/embeddings', { input: Array(2049).fill('x') })).status).toBe(400);
    expect(
      (await call('/v1/completions', { prompt: Array(1025).fill('x'), n: 2, max_tokens: 1 })).status,
    ).toBe(400);
    expect(
      (await call('/v1/completions', { prompt: Array(1024).fill('x'), n: 2, max_tokens: 1 })).status,
    ).toBe(200);
  });
});

describe('demo upstream: completions', () => {
  it('speaks text_completion, one choice per prompt and n', async () => {
    const { text } = await call('/v1/completions', {
      prompt: ['Once upon a time', 'The stock market'],
      n: 2,
    });
    const response = JSON.parse(text);
    expect(response.object).toBe('text_completion');
    expect(response.choices.map((c: { index: number }) => c.index)).toEqual([0, 1, 2, 3]);
    expect(response.choices[0].text.startsWith('On Once upon time:')).toBe(true);
    expect(response.choices[2].text.startsWith('On stock market:')).toBe(true);
    expect(response.usage.prompt_tokens).toBe(7);
  });

  it('streams text_completion chunks ending in finish_reason, usage and [DONE]', async () => {
    const body = {
      prompt: 'Weather in Paris',
      max_tokens: 5,
      stream: true,
      stream_options: { include_usage: true },
    };
    const { text } = await call('/v1/completions', body, true);
    const events = new SseDataReader().push(new TextEncoder().encode(text));
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    const usage = chunks.pop();
    expect(usage).toMatchObject({ choices: [], usage: { completion_tokens: 5 } });
    expect(chunks.at(-1).choices[0]).toMatchObject({ text: '', finish_reason: 'length' });
    const joined = chunks.map((c) => c.choices[0].text).join('');
    expect(joined.split(' ')).toHaveLength(5);
    expect(chunks.every((c) => c.object === 'text_completion')).toBe(true);
  });
});

describe('demo upstream: embeddings', () => {
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const embed = async (body: object) => JSON.parse((await call('/v1/embeddings', body)).text);

  it('gives deterministic unit vectors of 256 dimensions, or `dimensions`', async () => {
    const first = await embed({ input: ['the cat sat on the mat', 'quarterly revenue grew', ''] });
    const again = await embed({ input: ['the cat sat on the mat', 'quarterly revenue grew', ''] });
    expect(again.data).toEqual(first.data);
    expect(first.object).toBe('list');
    expect(first.model).toBe('demo-1');
    for (const item of first.data) {
      expect(item.object).toBe('embedding');
      expect(item.embedding).toHaveLength(256);
      expect(norm(item.embedding)).toBeCloseTo(1, 12);
    }
    expect(first.data[0].embedding).not.toEqual(first.data[1].embedding);
    expect(first.usage).toEqual({ prompt_tokens: 9, total_tokens: 9 });
    const small = await embed({ input: 'the cat', dimensions: 64 });
    expect(small.data[0].embedding).toHaveLength(64);
    expect(norm(small.data[0].embedding)).toBeCloseTo(1, 12);
  });

  it('makes texts that share words closer than texts that do not', async () => {
    const { data } = await embed({
      input: ['the cat sat on the warm mat', 'a cat sat on a mat', 'interest rates rose sharply in march'],
    });
    const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
    expect(dot(data[0].embedding, data[1].embedding)).toBeGreaterThan(
      dot(data[0].embedding, data[2].embedding),
    );
  });

  it('encodes base64 float32 vectors when asked (the openai SDK asks by default)', async () => {
    const floats = await embed({ input: 'hello world again' });
    const base64 = await embed({ input: 'hello world again', encoding_format: 'base64' });
    const bytes = Buffer.from(base64.data[0].embedding, 'base64');
    const decoded = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
    expect(decoded).toHaveLength(256);
    for (const [i, x] of decoded.entries()) expect(x).toBeCloseTo(floats.data[0].embedding[i], 6);
  });
});

describe('topicPrefix', () => {
  it('keeps up to four distinct content words of the prompt', () => {
    expect(topicPrefix('Please write a poem about the sea, the SEA and the sky at dawn')).toEqual([
      'On',
      'poem',
      'sea',
      'sky',
      'dawn:',
    ]);
    expect(topicPrefix('is it?')).toEqual([]);
  });
});
