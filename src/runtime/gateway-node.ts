// Composes one gateway node: store, secret, event log, rate limiter, upstreams, identity cache, HTTP
// server, and (unless disabled) the event consumers in a worker thread. `warden serve` runs this.
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createAccount, createAdminToken, createApiKey, touchKeys } from '../accounts/index.js';
import type { Config } from '../config/config.js';
import { loadDeploymentSecret } from '../config/deployment-secret.js';
import { openEventLog } from '../events/open-event-log.js';
import { createIdentityCache } from '../gateway/identity-cache.js';
import { createModelRoutes } from '../gateway/model-routes.js';
import { closeGracefully, createGatewayServer } from '../gateway/server.js';
import { createMemoryRateLimiter } from '../ratelimit/memory/index.js';
import { createRedisRateLimiter } from '../ratelimit/redis/index.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { createUpstream } from '../upstreams/create-upstream.js';
import type { Upstream } from '../upstreams/upstream.js';
import { ADMIN_PLUGINS } from './admin-plugins.js';

export interface GatewayNodeOptions {
  config: Config;
  dbUrl: string;
  logger: Logger;
  /** Run the consumers in a worker thread of this process (default: config.consumers). */
  consumers?: boolean;
}

export interface Bootstrap {
  adminToken: string;
  account: string;
  apiKey: string;
}

export interface GatewayNode {
  url: string;
  app: FastifyInstance;
  store: Store;
  /** Set on the first start of a fresh database: credentials to print once. */
  bootstrap: Bootstrap | null;
  close(): Promise<void>;
}

const DASHBOARD_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** On a fresh database: an admin token, and a `demo` account with a key, so a newcomer can try it at once. */
async function bootstrapIfEmpty(store: Store): Promise<Bootstrap | null> {
  const anyToken = await store.db.selectFrom('admin_tokens').select('id').limit(1).executeTakeFirst();
  if (anyToken) return null;
  const admin = await createAdminToken(store, { role: 'admin', name: 'bootstrap' });
  const existing = await store.db
    .selectFrom('accounts')
    .select('name')
    .where('name', '=', 'demo')
    .executeTakeFirst();
  if (!existing) await createAccount(store, { name: 'demo' });
  const key = await createApiKey(store, { account: 'demo', name: 'bootstrap' });
  return { adminToken: admin.token, account: 'demo', apiKey: key.key };
}

export async function startGatewayNode({
  config,
  dbUrl,
  logger,
  consumers = config.consumers,
}: GatewayNodeOptions): Promise<GatewayNode> {
  const store = await openStore(dbUrl);
  const secret = loadDeploymentSecret(dbUrl);
  const bootstrap = await bootstrapIfEmpty(store);
  const events = openEventLog(store);
  const limiter = config.redis
    ? createRedisRateLimiter({ url: config.redis, onStoreFailure: config.limits.on_store_failure })
    : createMemoryRateLimiter();
  const upstreams = new Map<string, Upstream>();
  for (const [name, upstreamConfig] of Object.entries(config.upstreams))
    upstreams.set(name, createUpstream(name, upstreamConfig));
  const routes = createModelRoutes(config, upstreams);
  const identities = createIdentityCache({ store, defaultLimits: config.limits.default });

  const app = await createGatewayServer({
    store,
    secret,
    identities,
    routes,
    limiter,
    events,
    bodyLimitBytes: config.server.body_limit_bytes,
    responseLimitBytes: config.server.response_limit_bytes,
    onStoreFailure: config.limits.on_store_failure,
    trustProxy: config.server.trust_proxy,
    dashboardDir: existsSync(DASHBOARD_DIR) ? DASHBOARD_DIR : null,
    adminPlugins: ADMIN_PLUGINS.map((factory) =>
      factory({
        store,
        secret,
        config,
        onStateChange: () => void identities.refresh().catch(() => undefined),
      }),
    ),
  });

  // Key last-used times are written in batches, never per request.
  const touchTimer = setInterval(() => {
    const used = identities.takeUsedKeys();
    if (used.size > 0)
      touchKeys(store, used).catch((error) => logger.warn({ err: error }, 'could not record key use'));
  }, 5000);
  touchTimer.unref();

  let worker: Worker | null = null;
  if (consumers) {
    const self = fileURLToPath(import.meta.url);
    const entry = new URL(`./consumer-thread${extname(self)}`, import.meta.url).href;
    // From source (tests, tsx), Node 20 does not carry tsx's loader into worker threads: register it there.
    worker =
      extname(self) === '.ts'
        ? new Worker(
            `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`,
            { eval: true, workerData: { dbUrl, config } },
          )
        : new Worker(new URL(entry), { workerData: { dbUrl, config } });
    worker.on('message', (message: { type: string; consumer?: string; message?: string }) => {
      if (message.type === 'error')
        logger.warn({ consumer: message.consumer }, `consumer error: ${message.message}`);
    });
    worker.on('error', (error) => logger.error({ err: error }, 'consumer thread failed'));
  }

  const address = await app.listen({ host: config.server.host, port: config.server.port });
  logger.info({ url: address }, 'warden is serving');

  return {
    url: address,
    app,
    store,
    bootstrap,
    async close() {
      clearInterval(touchTimer);
      await closeGracefully(app);
      identities.close();
      if (worker) {
        const w = worker;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 5000);
          w.on('message', (m: { type: string }) => {
            if (m.type === 'stopped') {
              clearTimeout(timer);
              resolve();
            }
          });
          w.postMessage('stop');
        });
        await w.terminate();
      }
      const used = identities.takeUsedKeys();
      if (used.size > 0) await touchKeys(store, used).catch(() => undefined);
      await events.close();
      await limiter.close();
      await Promise.all([...upstreams.values()].map((u) => u.close()));
      await store.close();
    },
  };
}
