// The streaming relay, in process over real sockets against a mock upstream: the response headers do not
// wait for a slow upstream's first chunk, a stream that arrives in one piece still reaches the client
// only after its usage event is durable (the loss-free guarantee), with the output and usage metered,
// and a client that leaves while the last chunk waits for that commit does not leave the relay hanging.
import { mkdtempSync } from 'node:fs';
import { createServer, request as httpRequest, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createApiKey } from '../accounts/index.js';
import { loadConfig } from '../config/config.js';
import { loadDeploymentSecret } from '../config/deployment-secret.js';
import type { EventLog } from '../events/event-log.js';
import { openEventLog } from '../events/open-event-log.js';
import type { UsageEvent } from '../events/usage-event.js';
import { createMemoryRateLimiter } from '../ratelimit/memory/index.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { createUpstream } from '../upstreams/create-upstream.js';
import { gate, type MockUpstreamServer, startMockUpstream } from '../upstreams/mock-upstream-server.js';
import type { Upstream } from '../upstreams/upstream.js';
import { createIdentityCache } from './identity-cache.js';
import { createModelRoutes, type ModelRoutes } from './model-routes.js';
import { createProxy } from './proxy.js';
import { closeGracefully, createGatewayServer } from './server.js';

let store: Store;
let mock: MockUpstreamServer;
let upstream: Upstream;
let app: FastifyInstance;
let url: string;
let key: string;
let routes: ModelRoutes;

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
  routes = createModelRoutes(config, new Map([['mock', upstream]]));
  app = await createGatewayServer({
    store,
    secret: loadDeploymentSecret(db),
    identities: createIdentityCache({ store, defaultLimits: {} }),
    routes,
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

describe('a client that leaves while the last chunk waits for the commit', () => {
  it('ends the relay instead of waiting for a drain that never comes', async () => {
    mock.handle((_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' }).end(WHOLE_STREAM);
    });
    const committing = gate();
    const commit = gate();
    const appended: UsageEvent[] = [];
    const events: EventLog = {
      async append(event) {
        committing.open();
        await commit.opened;
        appended.push(event);
      },
      read: async () => [],
      close: async () => {},
    };
    const proxy = createProxy({
      routes,
      limiter: createMemoryRateLimiter(),
      events,
      responseLimitBytes: 1 << 20,
      onStoreFailure: 'open',
    });
    const body = JSON.stringify({
      model: 'relay',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let relayed: Promise<void> = Promise.resolve();
    let serverSide: ServerResponse | undefined;
    const server = createServer((_req, res) => {
      serverSide = res;
      relayed = proxy(
        {
          endpoint: '/v1/chat/completions',
          identity: {
            keyId: 'key_1',
            accountId: 'acct_1',
            accountName: 'relay',
            channel: 'direct',
            endCustomer: null,
            rules: [],
          },
          rawBody: body,
          body: JSON.parse(body),
          clientIp: null,
          receivedAt: Date.now(),
          started: performance.now(),
        },
        res,
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = httpRequest({
        host: '127.0.0.1',
        port: (server.address() as AddressInfo).port,
        method: 'POST',
      });
      client.on('error', () => {});
      client.end(body);
      await committing.opened;
      const closed = new Promise((resolve) => serverSide?.on('close', resolve));
      client.destroy();
      await closed;
      commit.open();
      const outcome = await Promise.race([
        relayed.then(() => 'ended'),
        new Promise((resolve) => setTimeout(resolve, 2000, 'still waiting')),
      ]);
      expect(outcome).toBe('ended');
      expect(appended).toMatchObject([{ status: 'ok', output: 'one piece' }]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
