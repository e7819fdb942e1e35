// Builds the upstream a config entry describes.

import { createAzureUpstream } from './azure/azure-upstream.js';
import { createCompatibleUpstream } from './compatible/compatible-upstream.js';
import { createDemoUpstream } from './demo/demo-upstream.js';
import { createOpenAIUpstream } from './openai/openai-upstream.js';
import type { Upstream } from './upstream.js';
import type { UpstreamConfig } from './upstream-config.js';

export function createUpstream(name: string, config: UpstreamConfig): Upstream {
  switch (config.kind) {
    case 'openai':
      return createOpenAIUpstream(name, config);
    case 'azure':
      return createAzureUpstream(name, config);
    case 'compatible':
      return createCompatibleUpstream(name, config);
    case 'demo':
      return createDemoUpstream(name, config);
  }
}
