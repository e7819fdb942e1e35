// OpenAI's own API: the OpenAI-compatible base with OpenAI's URL, a Bearer key and the optional
// `OpenAI-Organization` header.

import { OpenAICompatibleUpstream } from '../openai-compatible/openai-compatible-upstream.js';
import type { Upstream } from '../upstream.js';
import type { OpenAIUpstreamConfig } from '../upstream-config.js';

export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

export function createOpenAIUpstream(
  name: string,
  { kind, api_key, base_url = OPENAI_BASE_URL, organization, ...http }: OpenAIUpstreamConfig,
): Upstream {
  return new OpenAICompatibleUpstream({
    ...http,
    name,
    kind,
    baseUrl: base_url,
    apiKey: api_key,
    headers: organization === undefined ? {} : { 'openai-organization': organization },
  });
}
