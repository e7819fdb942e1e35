// An in-process gateway for the security suites: the real server (createGatewayServer with every admin
// plugin the node registers), the built-in demo upstream and a mock upstream, a fresh SQLite file, an
// account with a key, a partner with a key and an end customer, and admin tokens of each role.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createAccount, createAdminToken, createApiKey, createPartner } from '../../src/accounts/index.js';
import type { AccountLimits } from '../../src/accounts/types.js';
import { type Config, loadConfig } from '../../src/config/config.js';
import { loadDeploymentSecret } from '../../src/config/deployment-secret.js';
import type { EventLog } from '../../src/events/event-log.js';
import { openEventLog } from '../../src/events/open-event-log.js';
import { createIdentityCache, type IdentityCache } from '../../src/gateway/identity-cache.js';
import { createModelRoutes } from '../../src/gateway/model-routes.js';
import { closeGracefully, createGatewayServer, type GatewayServerOptions } from '../../src/gateway/server.js';
import { createMemoryRateLimiter } from '../../src/ratelimit/memory/index.js';
import type { RateLimiter } from '../../src/ratelimit/rate-limiter.js';
import { ADMIN_PLUGINS } from '../../src/runtime/admin-plugins.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { createUpstream } from '../../src/upstreams/create-upstream.js';
import { type MockUpstreamServer, startMockUpstream } from '../../src/upstreams/mock-upstream-server.js';
import type { Upstream } from '../../src/upstreams/upstream.js';

export interface InProcessGateway {
  app: FastifyInstance;
  store: Store;
  events: EventLog;
  identities: IdentityCache;
  mock: MockUpstreamServer;
  dbUrl: string;
  /** Key of account `alice` (direct). */
  key: string;
  accountId: string;
  /** Key of partner `reseller`, acting for its end customer `ec-1` (account `bob`). */
  partnerKey: string;
  endCustomer: string;
  endCustomerAccountId: string;
  adminTokens: { viewer: string; analyst: string; admin: string };
  close(): Promise<void>;
}

export interface InProcessGatewayOptions {
  /** Limits of `alice` and of `bob` (the end customer). */
  limits?: AccountLimits;
  bodyLimitBytes?: number;
  limiter?: RateLimiter;
  server?: Partial<GatewayServerOptions>;
}

export async function startInProcessGateway({
  limits = { rpm: 1_000_000, tpm: 1_000_000_000 },
  bodyLimitBytes = 1 << 20,
  limiter = createMemoryRateLimiter(),
  server = {},
}: InProcessGatewayOptions = {}): Promise<InProcessGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-sec-'));
  const dbUrl = `sqlite:${join(dir, 'w.db')}`;
  const store = await openStore(dbUrl);
  const secret = loadDeploymentSecret(dbUrl);
  const alice = await createAccount(store, { name: 'alice', limits });
  const key = (await createApiKey(store, { account: 'alice' })).key;
  await createPartner(store, { name: 'reseller' });
  const bob = await createAccount(store, { name: 'bob', partner: 'reseller', externalId: 'ec-1', limits });
  const partnerKey = (await createApiKey(store, { partner: 'reseller' })).key;
  const adminTokens = {
    viewer: (await createAdminToken(store, { role: 'viewer', name: 'v' })).token,
    analyst: (await createAdminToken(store, { role: 'analyst', name: 'a' })).token,
    admin: (await createAdminToken(store, { role: 'admin', name: 'adm' })).token,
  };

  const mock = await startMockUpstream();
  const config: Config = loadConfig(undefined, {});
  config.upstreams = {
    demo: { kind: 'demo' },
    mock: { kind: 'compatible', base_url: `${mock.url}/v1`, timeout_ms: 2000, idle_timeout_ms: 2000 },
  } as never;
  config.models = {
    demo: { upstream: 'demo', fallback: [] },
    mock: { upstream: 'mock', fallback: [] },
  };
  const upstreams = new Map<string, Upstream>();
  for (const [name, c] of Object.entries(config.upstreams)) upstreams.set(name, createUpstream(name, c));
  const identities = createIdentityCache({ store, defaultLimits: {} });
  const events = openEventLog(store);
  const onStateChange = () => void identities.refresh().catch(() => undefined);
  const app = await createGatewayServer({
    store,
    secret,
    identities,
    routes: createModelRoutes(config, upstreams),
    limiter,
    events,
    bodyLimitBytes,
    responseLimitBytes: 1 << 20,
    onStoreFailure: 'open',
    adminPlugins: ADMIN_PLUGINS.map((factory) => factory({ store, secret, config, onStateChange })),
    ...server,
  });
  await app.ready();
  return {
    app,
    store,
    events,
    identities,
    mock,
    dbUrl,
    key,
    accountId: alice.id,
    partnerKey,
    endCustomer: 'ec-1',
    endCustomerAccountId: bob.id,
    adminTokens,
    async close() {
      await closeGracefully(app, 500);
      identities.close();
      await events.close();
      await limiter.close();
      for (const upstream of upstreams.values()) await upstream.close();
      await mock.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Row counts of the tables refused input must never write to. */
export async function writtenRows(store: Store): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of [
    'events',
    'accounts',
    'api_keys',
    'partners',
    'admin_tokens',
    'audit_entries',
  ] as const) {
    const row = await store.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    counts[table] = Number(row?.n ?? 0);
  }
  return counts;
}
