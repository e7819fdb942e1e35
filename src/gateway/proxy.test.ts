// The streaming relay, in process over real sockets against a mock upstream: the response headers do not
// wait for a slow upstream's first chunk, and a stream that arrives in one piece still reaches the client
// only after its usage event is durable (the loss-free guarantee), with the output and usage metered.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createApiKey } from '../accounts/index.js';
import { loadConfig } from '../config/config.js';
import { loadDeploymentSecret } from '../config/deployment-secret.js';
import { openEventLog } from '../events/open-event-log.js';
import { createMemoryRateLimiter } from '../ratelimit/memory/index.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { createUpstream } from '../upstreams/create-upstream.js';
import { gate, type MockUpstreamServer, startMockUpstream } from '../upstreams/mock-upstream-server.js';
import type { Upstream } from '../upstreams/upstream.js';
import { createIdentityCache } from './identity-cache.js';
import { createModelRoutes } from './model-routes.js';
import { closeGracefully, createGatewayServer } from './server.js';

let store: Store;
let mock: MockUpstreamServer;
let upstream: Upstream;
let app: FastifyInstance;
let url: string;
let key: string;

function sse(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

const WHOLE_STREAM =
  sse({ choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] }) +
  sse({ choices: [{ index: 0, delta: { content: 'one ' } }] }) +
  sse({ choices: [{ index: 0, delta: { content: 'piece' } }] }) +
  sse({ choices: [], usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 } }) +
  'data: [DONE]\n\n';

beforeAll(async () => {
  mock = await startMockUpstream();
  const db = `sqlite:${join(mkdtempSync(join(tmpdir(), 'warden-proxy-')), 'w.db')}`;
  store = await openStore(db);
  await createAccount(store, { name: 'relay' });
  key = (await createApiKey(store, { account: 'relay' })).key;
  const config = loadConfig(undefined, {});
  config.upstreams = { mock: { kind: 'compatible', base_url: `${mock.url}/v1` } } as never;
  config.models = { relay: { upstream: 'mock', fallback: [] } };
  upstream = createUpstream('mock', config.upstreams.mock);
  app = await createGatewayServer({
    store,
    secret: loadDeploymentSecret(db),
    identities: createIdentityCache({ store, defaultLimits: {} }),
    routes: createModelRoutes(config, new Map([['mock', upstream]])),
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
  await upstream.close();
  await mock.close();
  await store.close();
});

function streamChat() {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({
      model: 'relay',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    }),
  });
}

describe('streaming relay', () => {
  it('sends the response headers at once when the upstream is slow to send its first chunk', async () => {
    const release = gate();
    mock.handle(async (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      await release.opened;
      res.end(WHOLE_STREAM);
    });
    // Released after 2 s at the latest, so a relay that holds the headers back fails instead of hanging.
    const fallback = setTimeout(release.open, 2000);
    const started = performance.now();
    const response = await streamChat();
    const headersAfterMs = performance.now() - started;
    release.open();
    clearTimeout(fallback);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(headersAfterMs).toBeLessThan(1000);
    expect(await response.text()).toBe(WHOLE_STREAM);
  });

  it('relays a stream that arrives in one piece unchanged, its event durable before the client has the end', async () => {
    mock.handle((_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' }).end(WHOLE_STREAM);
    });
    const response = await streamChat();
    expect(await response.text()).toBe(WHOLE_STREAM);
    // No polling: the event was committed before the last chunk was written.
    const event = await store.db
      .selectFrom('events')
      .selectAll()
      .where('id', '=', response.headers.get('x-request-id') ?? '')
      .executeTakeFirst();
    expect(event).toMatchObject({ status: 'ok', stream: 1, output: 'one piece', total_tokens: 6 });
  });
});
