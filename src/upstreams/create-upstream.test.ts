import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createUpstream } from './create-upstream.js';
import type { Upstream } from './upstream.js';
import { upstreamConfigSchema } from './upstream-config.js';

const YAML = `
openai:
  kind: openai
  api_key: sk-abc
  organization: org-1
  circuit_breaker: { failures: 5, reset_ms: 30000 }
azure:
  kind: azure
  endpoint: https://myres.openai.azure.com
  api_key: az
  api_version: 2024-10-21
  deployments: { gpt-4o: prod-4o }
  timeout_ms: 30000
local:
  kind: compatible
  base_url: http://127.0.0.1:8000/v1
  headers: { x-team: a }
  max_connections: 16
  idle_timeout_ms: 5000
demo:
  kind: demo
  latency_ms: 0
  chunk_words: 3
`;

describe('upstreamConfigSchema and createUpstream', () => {
  const created: Upstream[] = [];
  afterAll(async () => {
    await Promise.all(created.map((u) => u.close()));
  });

  it('parses every kind from YAML and builds an upstream of that kind and name', () => {
    const entries = Object.entries(parseYaml(YAML) as Record<string, unknown>);
    for (const [name, raw] of entries) {
      const config = upstreamConfigSchema.parse(raw);
      const upstream = createUpstream(name, config);
      created.push(upstream);
      expect(upstream.name).toBe(name);
      expect(upstream.kind).toBe(config.kind);
    }
    expect(created.map((u) => u.kind)).toEqual(['openai', 'azure', 'compatible', 'demo']);
  });

  it('builds from a config with every default left out', () => {
    const upstream = createUpstream('demo', { kind: 'demo' });
    expect(upstream.kind).toBe('demo');
    const openai = createUpstream('openai', { kind: 'openai', api_key: 'sk' });
    created.push(openai);
    expect(openai.kind).toBe('openai');
  });

  it.each([
    ['an unknown kind', { kind: 'bedrock' }, 'kind'],
    ['a missing api_key', { kind: 'openai' }, 'api_key'],
    ['a misspelt field', { kind: 'openai', api_key: 'k', apikey: 'k' }, ''],
    ['a non-http URL', { kind: 'compatible', base_url: 'ftp://host/v1' }, 'base_url'],
    [
      'an Azure config without deployments',
      { kind: 'azure', endpoint: 'https://x', api_key: 'k', api_version: 'v' },
      'deployments',
    ],
    [
      'a breaker without reset_ms',
      { kind: 'compatible', base_url: 'http://h/v1', circuit_breaker: { failures: 3 } },
      'circuit_breaker',
    ],
    ['a zero timeout', { kind: 'compatible', base_url: 'http://h/v1', timeout_ms: 0 }, 'timeout_ms'],
    ['a negative demo latency', { kind: 'demo', latency_ms: -1 }, 'latency_ms'],
  ])('rejects %s', (_what, raw, path) => {
    const result = upstreamConfigSchema.safeParse(raw);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].path.join('.')).toContain(path);
  });
});
