// The `upstreams:` entries of the config file, one shape per upstream kind (snake_case as in YAML).
// Defaults are applied by the factories, not here, so a hand-written config object (or a zod
// `.default({ kind: 'demo' })` upstream of this schema) means the same as a parsed one.

import { z } from 'zod';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

/**
 * Options every HTTP upstream (openai, azure, compatible) shares. undici checks both timeouts on a
 * coarse clock (about 0.5 s ticks), so a timeout fires up to about a second late.
 */
const httpUpstreamFields = {
  /** Time to the response headers, in ms (default 60000). */
  timeout_ms: z.number().int().positive().optional(),
  /** Longest silence between two body chunks, in ms (default 60000). */
  idle_timeout_ms: z.number().int().positive().optional(),
  /** Connections kept to the upstream's origin (default 128). */
  max_connections: z.number().int().positive().optional(),
  circuit_breaker: z
    .strictObject({
      /** Consecutive failures that open the circuit. */
      failures: z.number().int().positive(),
      /** How long calls fail fast before one trial call, in ms. */
      reset_ms: z.number().int().positive(),
    })
    .optional(),
};

export const openaiUpstreamConfigSchema = z.strictObject({
  kind: z.literal('openai'),
  api_key: z.string().min(1),
  /** Default https://api.openai.com/v1. */
  base_url: httpUrl.optional(),
  organization: z.string().min(1).optional(),
  ...httpUpstreamFields,
});

export const azureUpstreamConfigSchema = z.strictObject({
  kind: z.literal('azure'),
  /** https://RESOURCE.openai.azure.com */
  endpoint: httpUrl,
  api_key: z.string().min(1),
  api_version: z.string().min(1),
  /** Model name (as the gateway passes it) → Azure deployment name. */
  deployments: z.record(z.string(), z.string().min(1)),
  ...httpUpstreamFields,
});

export const compatibleUpstreamConfigSchema = z.strictObject({
  kind: z.literal('compatible'),
  /** The server's OpenAI-compatible base, including its `/v1` (e.g. http://127.0.0.1:8000/v1). */
  base_url: httpUrl,
  api_key: z.string().min(1).optional(),
  /** Extra headers sent with every request. */
  headers: z.record(z.string(), z.string()).optional(),
  ...httpUpstreamFields,
});

export const demoUpstreamConfigSchema = z.strictObject({
  kind: z.literal('demo'),
  /** Delay before the response headers, in ms (default 0). */
  latency_ms: z.number().int().nonnegative().optional(),
  /** Words per streamed content delta (default 1). */
  chunk_words: z.number().int().positive().optional(),
});

export const upstreamConfigSchema = z.discriminatedUnion('kind', [
  openaiUpstreamConfigSchema,
  azureUpstreamConfigSchema,
  compatibleUpstreamConfigSchema,
  demoUpstreamConfigSchema,
]);

export type UpstreamConfig = z.infer<typeof upstreamConfigSchema>;
export type OpenAIUpstreamConfig = z.infer<typeof openaiUpstreamConfigSchema>;
export type AzureUpstreamConfig = z.infer<typeof azureUpstreamConfigSchema>;
export type CompatibleUpstreamConfig = z.infer<typeof compatibleUpstreamConfigSchema>;
export type DemoUpstreamConfig = z.infer<typeof demoUpstreamConfigSchema>;
/** The options every HTTP upstream kind shares. */
export type HttpUpstreamConfig = Pick<
  CompatibleUpstreamConfig,
  'timeout_ms' | 'idle_timeout_ms' | 'max_connections' | 'circuit_breaker'
>;
