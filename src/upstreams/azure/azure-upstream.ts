// Azure OpenAI: the OpenAI-compatible base with Azure's deployment URLs
// (`{endpoint}/openai/deployments/{deployment}/{chat/completions|completions|embeddings}?api-version=…`)
// and the `api-key` header instead of a Bearer token.

import { endpointPaths } from '../openai-compatible/api-base.js';
import { OpenAICompatibleUpstream } from '../openai-compatible/openai-compatible-upstream.js';
import type { Upstream, UpstreamEndpoint } from '../upstream.js';
import type { AzureUpstreamConfig } from '../upstream-config.js';

export function createAzureUpstream(
  name: string,
  { kind, endpoint, api_key, api_version, deployments, ...http }: AzureUpstreamConfig,
): Upstream {
  const { origin, pathname } = new URL(endpoint);
  const deploymentsPath = `${pathname.replace(/\/+$/, '')}/openai/deployments/`;
  const query = `?api-version=${encodeURIComponent(api_version)}`;
  const pathsOf = (deployment: string) =>
    endpointPaths(deploymentsPath + encodeURIComponent(deployment), query);
  // Paths of the configured deployments are built once; a model without a mapping goes to the
  // deployment of the same name (Azure names a deployment after its model unless told otherwise).
  const pathsByModel = new Map<string, Record<UpstreamEndpoint, string>>();
  for (const [model, deployment] of Object.entries(deployments)) pathsByModel.set(model, pathsOf(deployment));
  return new OpenAICompatibleUpstream({
    ...http,
    name,
    kind,
    baseUrl: origin,
    headers: { 'api-key': api_key },
    pathFor: (endpoint, model) => (pathsByModel.get(model) ?? pathsOf(model))[endpoint],
  });
}
