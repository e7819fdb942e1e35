// Any OpenAI-compatible server (vLLM, llama.cpp server, Ollama, …): the OpenAI-compatible base with
// the configured base URL, an optional Bearer key and optional extra headers.

import { OpenAICompatibleUpstream } from '../openai-compatible/openai-compatible-upstream.js';
import type { Upstream } from '../upstream.js';
import type { CompatibleUpstreamConfig } from '../upstream-config.js';

export function createCompatibleUpstream(
  name: string,
  { kind, base_url, api_key, headers, ...http }: CompatibleUpstreamConfig,
): Upstream {
  return new OpenAICompatibleUpstream({ ...http, name, kind, baseUrl: base_url, apiKey: api_key, headers });
}
