// The HTTP server: OpenAI-compatible routes (the hot path, written straight to the socket), the admin
// API under /admin/v1, the dashboard under /dashboard, /healthz and /metrics. Every error a client sees
// has OpenAI's shape: {"error": {"message", "type", "param", "code"}}.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry } from 'prom-client';
import type { DeploymentSecret } from '../config/deployment-secret.js';
import { WardenError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { UpstreamEndpoint } from '../upstreams/upstream.js';
import { adminRoutes } from './admin/index.js';
import type { AdminPlugin } from './admin-plugin.js';
import { serveDashboard } from './dashboard-files.js';
import type { IdentityCache } from './identity-cache.js';
import type { ModelRoutes } from './model-routes.js';
import { admitOrRefuse, createProxy, type ProxyDeps } from './proxy.js';

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: string;
  }
}

export interface GatewayServerOptions extends Omit<ProxyDeps, 'routes' | 'observe'> {
  store: Store;
  secret: DeploymentSecret;
  identities: IdentityCache;
  routes: ModelRoutes;
  bodyLimitBytes: number;
  trustProxy?: boolean;
  /** Directory of the built dashboard (web/dist); the dashboard is not served when absent. */
  dashboardDir?: string | null;
  /** Extra admin routes registered by higher layers (enforce, audit, provenance, dashboard) under /admin/v1. */
  adminPlugins?: AdminPlugin[];
  /** Slow clients (slowloris): headers must arrive within `headersMs`, the whole request within `requestMs`. */
  slowClientTimeouts?: { headersMs: number; requestMs: number };
}

const PROXY_ROUTES: [string, UpstreamEndpoint][] = [
  ['/v1/chat/completions', '/v1/chat/completions'],
  ['/v1/completions', '/v1/completions'],
  ['/v1/embeddings', '/v1/embeddings'],
];

function sendJsonError(res: ServerResponse, error: WardenError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(error.toJSON());
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  };
  const retryAfter = error.extra.retry_after;
  if (typeof retryAfter === 'number') headers['retry-after'] = retryAfter;
  res.writeHead(error.status, headers);
  res.end(body);
}

/** Maps Fastify's own errors (body parsing, limits, validation) onto our stable codes. */
export function toWardenError(error: FastifyError | Error): WardenError {
  if (error instanceof WardenError) return error;
  const code = (error as FastifyError).code;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new WardenError('request_too_large', {
        limit: String((error as { limit?: number }).limit ?? ''),
      });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new WardenError('invalid_json', { detail: 'the body is empty' });
    case 'FST_ERR_VALIDATION':
      return new WardenError('invalid_request', { detail: error.message });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new WardenError('invalid_request', {
        detail: 'the Content-Length header does not match the body',
      });
  }
  const status = (error as FastifyError).statusCode;
  if (status && status >= 400 && status < 500)
    return new WardenError('invalid_request', { detail: error.message });
  return new WardenError('internal_error', { detail: 'see the server log' });
}

export async function createGatewayServer(options: GatewayServerOptions): Promise<FastifyInstance> {
  const { identities, routes, store, secret, bodyLimitBytes } = options;
  const { headersMs, requestMs } = options.slowClientTimeouts ?? { headersMs: 10_000, requestMs: 30_000 };
  const registry = new Registry();
  const requests = new Counter({
    name: 'warden_requests_total',
    help: 'Proxied requests by endpoint and HTTP status',
    labelNames: ['endpoint', 'status'],
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'warden_refusals_total',
    help: 'Requests refused before reaching an upstream, by error code',
    labelNames: ['code'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'warden_request_duration_seconds',
    help: 'Time from request to the end of the response',
    labelNames: ['endpoint'],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });

  const proxy = createProxy({
    ...options,
    routes,
    observe(endpoint, status, ms) {
      requests.inc({ endpoint, status });
      latency.observe({ endpoint }, ms / 1000);
    },
  });

  const app = Fastify({
    logger: false,
    bodyLimit: bodyLimitBytes,
    trustProxy: options.trustProxy ?? false,
    return503OnClosing: true,
    // Errors the router raises before any route runs (a path parameter over 100 characters, a badly
    // percent-encoded URL) bypass the error handler; without this they had Fastify's own body shape.
    frameworkErrors(error, _request, reply) {
      const wardenError = new WardenError('invalid_request', {
        detail:
          error.code === 'FST_ERR_MAX_PARAM_LENGTH'
            ? 'a path parameter is longer than 100 characters'
            : 'the URL is not valid (bad percent-encoding)',
      });
      // The route generics of a framework error's reply are unknown; only code and send are used.
      const raw = reply as unknown as { code(status: number): { send(body: unknown): void } };
      raw.code(error.statusCode ?? 400).send(wardenError.toJSON());
    },
    // Slow clients (slowloris) are cut off: headers within 10 s, the whole request within 30 s.
    connectionTimeout: 0,
    requestTimeout: requestMs,
    // Longer than clients' and load balancers' idle timeouts, so the server never closes a socket a client is reusing.
    keepAliveTimeout: 65_000,
    // Node checks both timeouts only every connectionsCheckingInterval (30 s by default), which let a
    // slow-header client hold a socket for 30-40 s; check often enough that the timeouts mean what they say.
    http: {
      headersTimeout: headersMs,
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(headersMs / 4))),
    } as never,
  });

  // Bodies are read as text once: the proxy forwards the exact bytes and parses them once. Any content
  // type is read as JSON (curl -d sends form encoding; OpenAI accepts it all the same).
  const parseJson = (
    request: { rawBody?: string },
    body: string,
    done: (err: Error | null, value?: unknown) => void,
  ) => {
    request.rawBody = body;
    if (body.length === 0) {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(body));
    } catch (error) {
      done(new WardenError('invalid_json', { detail: (error as Error).message }));
    }
  };
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, parseJson as never);

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const wardenError = toWardenError(error);
    if (wardenError.code === 'internal_error') process.emitWarning(`warden: ${error.stack ?? error.message}`);
    refusals.inc({ code: wardenError.code });
    const headers =
      typeof wardenError.extra.retry_after === 'number'
        ? { 'retry-after': wardenError.extra.retry_after }
        : {};
    void reply.code(wardenError.status).headers(headers).send(wardenError.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new WardenError('not_found', { method: request.method, path: request.url.split('?')[0] });
    void reply.code(404).send(error.toJSON());
  });

  for (const [path, endpoint] of PROXY_ROUTES) {
    // The body is validated by validateBody (cheaper than a JSON schema on the hot path; it checks only
    // what routing needs and leaves the rest to the upstream, as OpenAI's own API does).
    app.post(path, async (request, reply) => {
      const started = performance.now();
      const receivedAt = Date.now();
      reply.hijack();
      const res = reply.raw;
      try {
        const endCustomer = request.headers['x-warden-end-customer'];
        const identity = await identities.resolve(
          request.headers.authorization,
          Array.isArray(endCustomer) ? endCustomer[0] : endCustomer,
        );
        if (request.rawBody === undefined || request.rawBody.length === 0) {
          throw new WardenError('invalid_json', { detail: 'the body is empty' });
        }
        await proxy(
          {
            endpoint,
            identity,
            rawBody: request.rawBody,
            body: request.body,
            clientIp: request.ip ?? null,
            receivedAt,
            started,
          },
          res,
        );
      } catch (error) {
        const wardenError = toWardenError(error as Error);
        if (wardenError.code === 'internal_error') process.emitWarning(`warden: ${(error as Error).stack}`);
        refusals.inc({ code: wardenError.code });
        sendJsonError(res, wardenError);
      }
    });
  }

  app.get('/v1/models', async (request, reply) => {
    const identity = await identities.resolve(
      request.headers.authorization,
      request.headers['x-warden-end-customer'] as string | undefined,
    );
    // Listing models counts against the same per-minute limits: no route is free of them.
    await admitOrRefuse(options.limiter, identity.rules, options.onStoreFailure);
    const created = Math.floor(Date.now() / 1000);
    return reply.send({
      object: 'list',
      data: routes.names().map((id) => ({ id, object: 'model', created, owned_by: 'warden' })),
    });
  });

  app.get('/healthz', async () => ({ ok: true }));
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });

  await app.register(
    async (admin) => {
      // Admin answers carry account data and evidence: never cached by a browser or a proxy.
      admin.addHook('onSend', async (_request, reply, payload) => {
        reply.header('cache-control', 'no-store');
        return payload;
      });
      await adminRoutes(admin, {
        store,
        secret,
        onStateChange: () => void identities.refresh().catch(() => undefined),
      });
      for (const plugin of options.adminPlugins ?? []) await plugin(admin);
    },
    { prefix: '/admin/v1' },
  );

  if (options.dashboardDir) serveDashboard(app, options.dashboardDir);
  return app;
}

export type { IncomingMessage };

/**
 * Stops accepting connections, lets requests in flight finish for up to `graceMs` (streams included),
 * then closes whatever connections remain, so a shutdown never waits on an idle keep-alive socket.
 */
export async function closeGracefully(app: FastifyInstance, graceMs = 10_000): Promise<void> {
  const closing = app.close();
  app.server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs);
  });
  await Promise.race([closing, grace]);
  clearTimeout(timer);
  app.server.closeAllConnections();
  await closing;
}
