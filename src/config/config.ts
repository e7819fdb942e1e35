// One validated Config from the YAML config file and the environment. Precedence: CLI flags (applied
// by the caller), then environment variables, then the config file, then defaults.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { upstreamConfigSchema } from '../upstreams/upstream-config.js';

const limitsSchema = z
  .object({
    rpm: z.number().int().positive().optional(),
    tpm: z.number().int().positive().optional(),
    daily_tokens: z.number().int().positive().optional(),
  })
  .strict();

const modelRouteSchema = z
  .object({
    /** The upstream (a key of `upstreams`) that serves this model. */
    upstream: z.string(),
    /** The model name the upstream knows it by (default: the same name). */
    upstream_model: z.string().optional(),
    /** Upstreams tried in order when the first fails before any byte reached the client. */
    fallback: z.array(z.string()).default([]),
  })
  .strict();

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8787),
        /** Largest request body accepted, in bytes. */
        body_limit_bytes: z
          .number()
          .int()
          .positive()
          .default(4 * 1024 * 1024),
        /** Largest non-streaming upstream response buffered, in bytes. */
        response_limit_bytes: z
          .number()
          .int()
          .positive()
          .default(32 * 1024 * 1024),
        /** Trust X-Forwarded-For for the client address (only behind a proxy you run). */
        trust_proxy: z.boolean().default(false),
      })
      .strict()
      .default({
        host: '127.0.0.1',
        port: 8787,
        body_limit_bytes: 4 * 1024 * 1024,
        response_limit_bytes: 32 * 1024 * 1024,
        trust_proxy: false,
      }),
    db: z.string().optional(),
    redis: z.string().optional(),
    upstreams: z.record(z.string(), upstreamConfigSchema).default({ demo: { kind: 'demo' } }),
    /** Model name → route. The key `*` routes any model not listed. */
    models: z.record(z.string(), modelRouteSchema).default({ demo: { upstream: 'demo', fallback: [] } }),
    limits: z
      .object({
        /** Limits of an account that has none of its own. */
        default: limitsSchema.default({ rpm: 600, tpm: 1_000_000 }),
        /** When Redis is unreachable: admit requests (open) or refuse them with 503 (closed). */
        on_store_failure: z.enum(['open', 'closed']).default('open'),
      })
      .strict()
      .default({ default: { rpm: 600, tpm: 1_000_000 }, on_store_failure: 'open' }),
    detection: z
      .object({
        policy: z.string().optional(),
      })
      .strict()
      .default({}),
    webhooks: z
      .object({
        /** Allow partner webhook targets on private, loopback or link-local addresses (tests, private networks). */
        allow_private: z.boolean().default(false),
        max_attempts: z.number().int().min(1).max(50).default(8),
        /** First retry delay; it doubles per attempt, with full jitter. */
        base_delay_ms: z.number().int().positive().default(1000),
      })
      .strict()
      .default({ allow_private: false, max_attempts: 8, base_delay_ms: 1000 }),
    enforcement: z
      .object({
        /** The limits a `throttle` policy action lowers an account to (never raises one). */
        throttle_limits: limitsSchema.default({ rpm: 10, tpm: 20_000 }),
      })
      .strict()
      .default({ throttle_limits: { rpm: 10, tpm: 20_000 } }),
    provenance: z
      .object({
        retention_days: z.number().int().positive().default(30),
      })
      .strict()
      .default({ retention_days: 30 }),
    /** Run the event consumers (metering, detection, registry) inside `serve` (default), or leave them to `warden worker`. */
    consumers: z.boolean().default(true),
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type Limits = z.infer<typeof limitsSchema>;
export type ModelRoute = z.infer<typeof modelRouteSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Loads the config file (if any) and applies the environment:
 * WARDEN_CONFIG (file), WARDEN_DB, WARDEN_REDIS, WARDEN_PORT, WARDEN_HOST, WARDEN_WEBHOOKS_ALLOW_PRIVATE=1,
 * WARDEN_UPSTREAM_URL (+ WARDEN_UPSTREAM_KEY): route every model to that OpenAI-compatible server,
 * OPENAI_API_KEY: add the `openai` upstream and route gpt-* / o* models to it.
 */
export function loadConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): Config {
  const file = path ?? env.WARDEN_CONFIG;
  let raw: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text);
    } catch (error) {
      throw new ConfigError(`${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
    }
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== 'object' || Array.isArray(parsed))
        throw new ConfigError(`${file}: must be a mapping`);
      raw = parsed as Record<string, unknown>;
    }
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(`${file ?? 'config'}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const config = result.data;
  applyEnv(config, env);
  for (const [model, route] of Object.entries(config.models)) {
    for (const name of [route.upstream, ...route.fallback]) {
      if (!config.upstreams[name]) {
        throw new ConfigError(
          `${file ?? 'config'}: models.${model} names upstream "${name}", which is not configured`,
        );
      }
    }
  }
  return config;
}

function applyEnv(config: Config, env: NodeJS.ProcessEnv): void {
  if (env.WARDEN_DB) config.db = env.WARDEN_DB;
  if (env.WARDEN_REDIS) config.redis = env.WARDEN_REDIS;
  if (env.WARDEN_WEBHOOKS_ALLOW_PRIVATE === '1') config.webhooks.allow_private = true;
  if (env.WARDEN_PORT) config.server.port = parsePort(env.WARDEN_PORT);
  if (env.WARDEN_HOST) config.server.host = env.WARDEN_HOST;
  if (env.OPENAI_API_KEY && !config.upstreams.openai) {
    config.upstreams.openai = { kind: 'openai', api_key: env.OPENAI_API_KEY } as Config['upstreams'][string];
    for (const model of [
      'gpt-4o',
      'gpt-4o-mini',
      'gpt-4.1',
      'gpt-4.1-mini',
      'o3',
      'o4-mini',
      'text-embedding-3-small',
    ]) {
      config.models[model] ??= { upstream: 'openai', fallback: [] };
    }
  }
  if (env.WARDEN_UPSTREAM_URL) {
    const upstream: Record<string, unknown> = { kind: 'compatible', base_url: env.WARDEN_UPSTREAM_URL };
    if (env.WARDEN_UPSTREAM_KEY) upstream.api_key = env.WARDEN_UPSTREAM_KEY;
    config.upstreams.default = upstreamConfigSchema.parse(upstream);
    config.models['*'] = { upstream: 'default', fallback: [] };
  }
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`WARDEN_PORT "${value}" is not a port`);
  return port;
}
