// Upstream faults seen through the gateway (in process, real sockets, a mock upstream): 5xx answered by
// a fallback, 5xx and garbage bodies and timeouts turned into OpenAI-shaped 502/504, a reset mid-stream
// ending in a final error event, a client that disconnects mid-stream aborting the upstream call — and
// every one of them recorded as a usage event with its status.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createApiKey } from '../../src/accounts/index.js';
import { loadConfig } from '../../src/config/config.js';
import { loadDeploymentSecret } from '../../src/config/deployment-secret.js';
import { openEventLog } from '../../src/events/open-event-log.js';
import { createIdentityCache } from '../../src/gateway/identity-cache.js';
import { createModelRoutes } from '../../src/gateway/model-routes.js';
import { closeGracefully, createGatewayServer } from '../../src/gateway/server.js';
import { createMemoryRateLimiter } from '../../src/ratelimit/memory/index.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { createUpstream } from '../../src/upstreams/create-upstream.js';
import { type MockUpstreamServer, startMockUpstream } from '../../src/upstreams/mock-upstream-server.js';
import type { Upstream } from '../../src/upstreams/upstream.js';

let store: Store;
let primary: MockUpstreamServer;
let backup: MockUpstreamServer;
let app: FastifyInstance;
let url: string;
let key: string;
const upstreams = new Map<string, Upstream>();

const OK_BODY = JSON.stringify({
  id: 'x',
  object: 'chat.completion',
  choices: [{ index: 0, message: { role: 'assistant', content: 'from backup' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
});

function sseChunk(content: string): string {
  return `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`;
}

beforeAll(async () => {
  primary = await startMockUpstream();
  backup = await startMockUpstream((_r, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(OK_BODY);
  });
  const db = `sqlite:${join(mkdtempSync(join(tmpdir(), 'warden-faults-')), 'w.db')}`;
  store = await openStore(db);
  await createAccount(store, { name: 'faults' });
  key = (await createApiKey(store, { account: 'faults' })).key;
  const config = loadConfig(undefined, {});
  config.upstreams = {
    primary: { kind: 'compatible', base_url: `${primary.url}/v1`, timeout_ms: 300, idle_timeout_ms: 300 },
    backup: { kind: 'compatible', base_url: `${backup.url}/v1` },
  } as never;
  config.models = {
    'with-fallback': { upstream: 'primary', fallback: ['backup'] },
    alone: { upstream: 'primary', fallback: [] },
  };
  for (const [name, c] of Object.entries(config.upstreams)) upstreams.set(name, createUpstream(name, c));
  app = await createGatewayServer({
    store,
    secret: loadDeploymentSecret(db),
    identities: createIdentityCache({ store, defaultLimits: {} }),
    routes: createModelRoutes(config, upstreams),
    limiter: createMemoryRateLimiter(),
    events: openEventLog(store),
    bodyLimitBytes: 1 << 20,
    responseLimitBytes: 1 << 20,
    onStoreFailure: 'open',
  });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await closeGracefully(app, 1000);
  for (const upstream of upstreams.values()) await upstream.close();
  await primary.close();
  await backup.close();
  await store.close();
});

function chat(model: string, extra: Record<string, unknown> = {}, signal?: AbortSignal) {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...extra }),
    signal,
  });
}

async function lastEvent() {
  return store.db.selectFrom('events').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
}

describe('upstream faults through the gateway', () => {
  it('answers from the fallback when the primary fails with 5xx before any byte', async () => {
    primary.handle((_r, res) => {
      res.writeHead(503).end('overloaded');
    });
    const response = await chat('with-fallback');
    expect(response.status).toBe(200);
    expect(
      ((await response.json()) as { choices: { message: { content: string } }[] }).choices[0].message.content,
    ).toBe('from backup');
    expect(await lastEvent()).toMatchObject({ status: 'ok', upstream: 'backup', total_tokens: 3 });
  });

  it('turns a 5xx without fallback into an OpenAI-shaped 502, recorded', async () => {
    primary.handle((_r, res) => {
      res.writeHead(500).end('boom');
    });
    const response = await chat('alone');
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('upstream_error');
    expect(await lastEvent()).toMatchObject({
      status: 'error',
      http_status: 502,
      error_code: 'upstream_error',
    });
  });

  it('turns a garbage body into a 502', async () => {
    primary.handle((_r, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('<html>oops');
    });
    const response = await chat('alone');
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/not JSON/);
  });

  it('turns an upstream that never answers into a 504', async () => {
    primary.handle(() => {});
    const response = await chat('alone');
    expect(response.status).toBe(504);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('upstream_timeout');
    expect(body.error.message).toMatch(/300 ms/);
  });

  it('passes an upstream 4xx through as it is, recorded as an error', async () => {
    const error = {
      error: { message: 'bad temperature', type: 'invalid_request_error', param: 'temperature', code: null },
    };
    primary.handle((_r, res) => {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify(error));
    });
    const response = await chat('alone');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(error);
    expect(await lastEvent()).toMatchObject({ status: 'error', http_status: 400 });
  });

  it('ends a stream reset mid-way with a final error event', async () => {
    primary.handle((_r, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sseChunk('partial '));
      setTimeout(() => res.socket?.destroy(), 50);
    });
    const response = await chat('alone', { stream: true });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('partial');
    const last = text.trim().split('\n\n').at(-1) ?? '';
    expect(JSON.parse(last.replace(/^data: /, ''))).toMatchObject({ error: { code: 'upstream_error' } });
    expect(await lastEvent()).toMatchObject({ status: 'error', output: 'partial ' });
  });

  it('aborts the upstream call when the client disconnects mid-stream, and records it', async () => {
    let upstreamClosedEarly: Promise<boolean> = Promise.resolve(false);
    primary.handle((request, res) => {
      upstreamClosedEarly = request.closedEarly;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sseChunk('first '));
      const timer = setInterval(() => res.write(sseChunk('more ')), 50);
      res.on('close', () => clearInterval(timer));
    });
    const controller = new AbortController();
    const response = await chat('alone', { stream: true }, controller.signal);
    const reader = response.body?.getReader();
    await reader?.read();
    controller.abort();
    expect(await upstreamClosedEarly).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    const event = await lastEvent();
    expect(event.status).toBe('aborted');
    expect(event.output).toMatch(/^first /);
  });
});
