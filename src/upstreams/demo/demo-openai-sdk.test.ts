// The demo model's wire format, read by the official openai SDK through a minimal node:http relay.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UpstreamEndpoint } from '../upstream.js';
import { DemoUpstream } from './demo-upstream.js';

describe('demo upstream through the openai SDK', () => {
  const demo = new DemoUpstream('demo');
  let server: Server;
  let client: OpenAI;

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      const parsed = JSON.parse(body);
      const response = await demo.call({
        endpoint: req.url as UpstreamEndpoint,
        model: parsed.model,
        body,
        stream: parsed.stream === true,
      });
      res.writeHead(response.status, { 'content-type': response.contentType });
      for await (const chunk of response.body) res.write(chunk);
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = new OpenAI({ apiKey: 'unused', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('chat completions, whole and streamed, say the same thing', async () => {
    const messages = [{ role: 'user' as const, content: 'Tell me about lighthouses' }];
    const whole = await client.chat.completions.create({ model: 'demo', messages });
    expect(whole.choices[0].message.content).toMatch(/^On lighthouses: /);
    const stream = await client.chat.completions.create({
      model: 'demo',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(whole.choices[0].message.content);
    expect(usage).toEqual(whole.usage);
  });

  it('completions and (base64-encoded by default) embeddings', async () => {
    const completion = await client.completions.create({
      model: 'demo',
      prompt: 'Ships at sea',
      max_tokens: 9,
    });
    expect(completion.choices[0].text.split(' ')).toHaveLength(9);
    const embedding = await client.embeddings.create({ model: 'demo', input: 'ships at sea' });
    const vector = embedding.data[0].embedding;
    expect(vector).toHaveLength(256);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
  });
});
