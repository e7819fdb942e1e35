// Where an OpenAI-style API lives: the origin (one connection pool each) and the path prefix that
// replaces the `/v1` of Warden's endpoints (`https://host/openai/v1` + `/v1/embeddings` →
// `/openai/v1/embeddings`).

import type { UpstreamEndpoint } from '../upstream.js';

export interface ApiBase {
  /** scheme://host[:port] */
  origin: string;
  /** The base URL's path without a trailing slash ('' for the root). */
  basePath: string;
}

export function parseApiBase(baseUrl: string): ApiBase {
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`upstream base URL ${baseUrl} must be http:// or https://`);
  }
  if (url.search || url.hash) {
    throw new Error(`upstream base URL ${baseUrl} must not carry a query or fragment`);
  }
  return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') };
}

const ENDPOINT_SUFFIX: Record<UpstreamEndpoint, string> = {
  '/v1/chat/completions': '/chat/completions',
  '/v1/completions': '/completions',
  '/v1/embeddings': '/embeddings',
};

/** The request path (and `query`, if any) of each endpoint under a base path, computed once. */
export function endpointPaths(basePath: string, query = ''): Record<UpstreamEndpoint, string> {
  return {
    '/v1/chat/completions': `${basePath}${ENDPOINT_SUFFIX['/v1/chat/completions']}${query}`,
    '/v1/completions': `${basePath}${ENDPOINT_SUFFIX['/v1/completions']}${query}`,
    '/v1/embeddings': `${basePath}${ENDPOINT_SUFFIX['/v1/embeddings']}${query}`,
  };
}
