import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gate, type MockUpstreamServer, startMockUpstream } from '../mock-upstream-server.js';
import { UpstreamError, type UpstreamErrorKind } from '../upstream.js';
import {
  OpenAICompatibleUpstream,
  type OpenAICompatibleUpstreamOptions,
} from './openai-compatible-upstream.js';

const decoder = new TextDecoder();
const chatCall = {
  endpoint: '/v1/chat/completions' as const,
  model: 'm',
  body: '{"model":"m"}',
  stream: true,
};

async function readAll(body: AsyncIterable<Uint8Array>): Promise<string> {
  let text = '';
  for await (const chunk of body) text += decoder.decode(chunk, { stream: true });
  return text;
}

async function expectUpstreamError(
  promise: Promise<unknown>,
  kind: UpstreamErrorKind,
): Promise<UpstreamError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  expect((error as UpstreamError).kind).toBe(kind);
  return error as UpstreamError;
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('OpenAICompatibleUpstream', () => {
  let mock: MockUpstreamServer;
  const upstreams: OpenAICompatibleUpstream[] = [];
  const upstream = (options: Partial<OpenAICompatibleUpstreamOptions> = {}) => {
    const created = new OpenAICompatibleUpstream({
      name: 'local',
      kind: 'compatible',
      baseUrl: `${mock.url}/v1`,
      ...options,
    });
    upstreams.push(created);
    return created;
  };

  beforeEach(async () => {
    mock = await startMockUpstream();
  });
  afterEach(async () => {
    await Promise.all(upstreams.splice(0).map((u) => u.close().catch(() => {})));
    await mock.close();
  });

  it('posts the body unchanged to base path + endpoint and reuses the connection', async () => {
    const body = '{ "model":"m",  "messages":[{"role":"user","content":"héllo 👋 \\n"}] }';
    const u = upstream({ baseUrl: `${mock.url}/proxy/v1/`, max_connections: 1 });
    const first = await u.call({ ...chatCall, body });
    expect(first.status).toBe(200);
    expect(first.contentType).toBe('application/json');
    expect(await readAll(first.body)).toBe('{"ok":true}');
    const second = await u.call({ ...chatCall, endpoint: '/v1/embeddings', body });
    await readAll(second.body);
    expect(mock.requests.map((r) => [r.method, r.url])).toEqual([
      ['POST', '/proxy/v1/chat/completions'],
      ['POST', '/proxy/v1/embeddings'],
    ]);
    expect(mock.requests[0].body).toBe(body);
    expect(mock.requests[0].headers['content-type']).toBe('application/json');
    expect(mock.requests[0].headers.authorization).toBeUndefined();
    expect(mock.requests[1].remotePort).toBe(mock.requests[0].remotePort);
  });

  it('passes error statuses and their bodies through', async () => {
    mock.handle((_r, res) => {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"bad"}}');
    });
    const response = await upstream().call(chatCall);
    expect(response.status).toBe(400);
    expect(await readAll(response.body)).toBe('{"error":{"message":"bad"}}');
  });

  it('streams the body chunk by chunk, as it arrives', async () => {
    const firstReceived = gate();
    mock.handle(async (_r, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"n":1}\n\n');
      await firstReceived.opened; // the second chunk is sent only once the client has the first
      res.end('data: [DONE]\n\n');
    });
    const response = await upstream().call(chatCall);
    expect(response.contentType).toBe('text/event-stream');
    const chunks: string[] = [];
    for await (const chunk of response.body) {
      chunks.push(decoder.decode(chunk));
      firstReceived.open();
    }
    expect(chunks).toEqual(['data: {"n":1}\n\n', 'data: [DONE]\n\n']);
  });

  it('rejects with connect when the connection is refused', async () => {
    const u = upstream({ baseUrl: `http://127.0.0.1:${await closedPort()}/v1` });
    const error = await expectUpstreamError(u.call(chatCall), 'connect');
    expect(error.message).toContain('local');
  });

  it('rejects with timeout when no headers arrive within timeout_ms', async () => {
    mock.handle(() => {}); // never answers
    const error = await expectUpstreamError(upstream({ timeout_ms: 150 }).call(chatCall), 'timeout');
    expect(error.message).toBe('upstream local sent no response headers for 150 ms');
    expect(error.timeoutMs).toBe(150);
  });

  it('rejects with reset when the connection drops before the headers', async () => {
    mock.handle((_r, res) => {
      res.socket?.destroy();
    });
    await expectUpstreamError(upstream().call(chatCall), 'reset');
  });

  it('throws reset from the body iterator when the connection drops mid-stream', async () => {
    mock.handle((_r, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"n":1}\n\n', () => setImmediate(() => res.socket?.destroy()));
    });
    const response = await upstream().call(chatCall);
    const received: string[] = [];
    const error = await expectUpstreamError(
      (async () => {
        for await (const chunk of response.body) received.push(decoder.decode(chunk));
      })(),
      'reset',
    );
    expect(received).toEqual(['data: {"n":1}\n\n']);
    expect(error.message).toContain('middle of its response body');
  });

  it('throws timeout from the body iterator when the body stalls longer than idle_timeout_ms', async () => {
    mock.handle((_r, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"n":1}\n\n'); // and nothing more, ever
    });
    const response = await upstream({ idle_timeout_ms: 150 }).call(chatCall);
    const error = await expectUpstreamError(readAll(response.body), 'timeout');
    expect(error.timeoutMs).toBe(150);
    expect(error.message).toContain('nothing in the middle of its response body for 150 ms');
  });

  it('throws bad_response when the upstream does not speak HTTP', async () => {
    mock.handle((_r, res) => {
      res.socket?.end('this is not HTTP\r\n\r\n');
    });
    await expectUpstreamError(upstream().call(chatCall), 'bad_response');
  });

  it('aborts the upstream request when the signal aborts before the headers', async () => {
    mock.handle(() => {});
    const controller = new AbortController();
    const pending = upstream().call({ ...chatCall, signal: controller.signal });
    while (mock.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    const error = await pending.catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(UpstreamError);
    expect((error as Error).name).toBe('AbortError');
    expect(await mock.requests[0].closedEarly).toBe(true);
  });

  it('aborts the upstream request when the signal aborts mid-stream', async () => {
    mock.handle((_r, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"n":1}\n\n');
    });
    const controller = new AbortController();
    const response = await upstream().call({ ...chatCall, signal: controller.signal });
    const iterator = response.body[Symbol.asyncIterator]();
    await iterator.next();
    controller.abort();
    expect(await mock.requests[0].closedEarly).toBe(true);
    const error = await iterator.next().catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
  });

  it('discard() drops the rest of a body the gateway will not read', async () => {
    mock.handle((_r, res) => {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.write('x'.repeat(200_000)); // more than a dump keeps: the connection is closed
    });
    const response = await upstream().call(chatCall);
    response.discard();
    expect(await mock.requests[0].closedEarly).toBe(true);
  });

  it('fails fast once the circuit opens and lets a trial call through after reset_ms', async () => {
    let healthy = false;
    mock.handle((_r, res) => {
      if (healthy) res.writeHead(200).end('{}');
      else res.writeHead(502).end('{}');
    });
    const u = upstream({ circuit_breaker: { failures: 2, reset_ms: 100 } });
    expect((await u.call(chatCall)).status).toBe(502);
    expect((await u.call(chatCall)).status).toBe(502);
    await expectUpstreamError(u.call(chatCall), 'circuit_open');
    expect(mock.requests).toHaveLength(2); // the open circuit did not reach the upstream
    healthy = true;
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect((await u.call(chatCall)).status).toBe(200);
    expect((await u.call(chatCall)).status).toBe(200);
    expect(mock.requests).toHaveLength(4);
  });
});
