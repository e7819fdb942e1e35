import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type MockUpstreamServer, startMockUpstream } from '../mock-upstream-server.js';
import type { Upstream } from '../upstream.js';
import { createAzureUpstream } from './azure-upstream.js';

describe('azure upstream', () => {
  let mock: MockUpstreamServer;
  let upstream: Upstream;
  beforeEach(async () => {
    mock = await startMockUpstream();
    upstream = createAzureUpstream('azure-eu', {
      kind: 'azure',
      endpoint: mock.url,
      api_key: 'azure-key-1',
      api_version: '2024-10-21',
      deployments: { 'gpt-4o': 'prod-gpt4o', 'text-embedding-3-small': 'emb small' },
    });
  });
  afterEach(async () => {
    await upstream.close();
    await mock.close();
  });

  it('posts to the deployment URL with api-version and the api-key header (no Bearer)', async () => {
    const body = '{"messages":[{"role":"user","content":"hi"}]}';
    const response = await upstream.call({
      endpoint: '/v1/chat/completions',
      model: 'gpt-4o',
      body,
      stream: true,
    });
    response.discard();
    const [request] = mock.requests;
    expect(request.url).toBe('/openai/deployments/prod-gpt4o/chat/completions?api-version=2024-10-21');
    expect(request.headers['api-key']).toBe('azure-key-1');
    expect(request.headers.authorization).toBeUndefined();
    expect(request.body).toBe(body);
    expect(upstream.kind).toBe('azure');
  });

  it('picks the deployment by model for every endpoint; an unmapped model names its own deployment', async () => {
    const calls = [
      ['/v1/embeddings', 'text-embedding-3-small'],
      ['/v1/completions', 'gpt-4o'],
      ['/v1/chat/completions', 'gpt-35-turbo'],
    ] as const;
    for (const [endpoint, model] of calls) {
      (await upstream.call({ endpoint, model, body: '{}', stream: false })).discard();
    }
    expect(mock.requests.map((r) => r.url)).toEqual([
      '/openai/deployments/emb%20small/embeddings?api-version=2024-10-21',
      '/openai/deployments/prod-gpt4o/completions?api-version=2024-10-21',
      '/openai/deployments/gpt-35-turbo/chat/completions?api-version=2024-10-21',
    ]);
  });
});
