import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type MockUpstreamServer, startMockUpstream } from '../mock-upstream-server.js';
import type { Upstream } from '../upstream.js';
import { createOpenAIUpstream } from './openai-upstream.js';

describe('openai upstream', () => {
  let mock: MockUpstreamServer;
  let upstream: Upstream;
  beforeEach(async () => {
    mock = await startMockUpstream();
  });
  afterEach(async () => {
    await upstream.close();
    await mock.close();
  });

  it('sends a Bearer key, the organization and the body unchanged to {base_url}/chat/completions', async () => {
    upstream = createOpenAIUpstream('openai', {
      kind: 'openai',
      api_key: 'sk-test-123',
      organization: 'org-42',
      base_url: `${mock.url}/v1`,
    });
    const body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"stream":false}';
    const response = await upstream.call({
      endpoint: '/v1/chat/completions',
      model: 'gpt-4o-mini',
      body,
      stream: false,
    });
    response.discard();
    expect(upstream.name).toBe('openai');
    expect(upstream.kind).toBe('openai');
    const [request] = mock.requests;
    expect(request.url).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe('Bearer sk-test-123');
    expect(request.headers['openai-organization']).toBe('org-42');
    expect(request.headers['api-key']).toBeUndefined();
    expect(request.body).toBe(body);
  });

  it('maps /v1/completions and /v1/embeddings under the base URL and omits an absent organization', async () => {
    upstream = createOpenAIUpstream('oa', { kind: 'openai', api_key: 'k', base_url: `${mock.url}/v1` });
    for (const endpoint of ['/v1/completions', '/v1/embeddings'] as const) {
      const response = await upstream.call({ endpoint, model: 'm', body: '{}', stream: false });
      response.discard();
    }
    expect(mock.requests.map((r) => r.url)).toEqual(['/v1/completions', '/v1/embeddings']);
    expect(mock.requests[0].headers['openai-organization']).toBeUndefined();
  });
});
