import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type MockUpstreamServer, startMockUpstream } from '../mock-upstream-server.js';
import type { Upstream } from '../upstream.js';
import { createCompatibleUpstream } from './compatible-upstream.js';

describe('compatible upstream', () => {
  let mock: MockUpstreamServer;
  let upstream: Upstream;
  beforeEach(async () => {
    mock = await startMockUpstream();
  });
  afterEach(async () => {
    await upstream.close();
    await mock.close();
  });

  it('sends a Bearer key and the extra headers to {base_url}/chat/completions', async () => {
    upstream = createCompatibleUpstream('vllm', {
      kind: 'compatible',
      base_url: `${mock.url}/v1`,
      api_key: 'local-key',
      headers: { 'X-Tenant': 'warden' },
    });
    const body = '{"model":"llama","prompt":"once"}';
    (await upstream.call({ endpoint: '/v1/completions', model: 'llama', body, stream: false })).discard();
    const [request] = mock.requests;
    expect(request.url).toBe('/v1/completions');
    expect(request.headers.authorization).toBe('Bearer local-key');
    expect(request.headers['x-tenant']).toBe('warden');
    expect(request.body).toBe(body);
    expect(upstream.kind).toBe('compatible');
  });

  it('sends no Authorization header without an api_key (e.g. Ollama)', async () => {
    upstream = createCompatibleUpstream('ollama', { kind: 'compatible', base_url: `${mock.url}/api/v1` });
    (
      await upstream.call({ endpoint: '/v1/embeddings', model: 'nomic', body: '{}', stream: false })
    ).discard();
    expect(mock.requests[0].url).toBe('/api/v1/embeddings');
    expect(mock.requests[0].headers.authorization).toBeUndefined();
  });
});
