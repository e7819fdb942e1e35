// The provenance consumer: fingerprints every served output into the registry, off the request path,
// from a durable cursor (the registry is idempotent by output id, so at-least-once delivery is fine).
// The request's text goes along, so spans the model merely copied from it are not fingerprinted.
import type { Config } from '../config/config.js';
import type { DeploymentSecret } from '../config/deployment-secret.js';
import { type RunningConsumer, startConsumer } from '../events/consumer.js';
import type { EventLog } from '../events/event-log.js';
import type { StoredEvent } from '../events/usage-event.js';
import { openRegistry, type ServedOutput } from '../provenance/index.js';
import type { Store } from '../store/store.js';

export interface RegistryConsumerOptions {
  store: Store;
  log: EventLog;
  secret: DeploymentSecret;
  config: Config;
  pollMs?: number;
  onError?: (error: Error) => void;
}

/** All the text a request carried: every message's content (string or text parts) and any prompt. */
export function requestText(requestBody: string): string | null {
  let body: { messages?: unknown; prompt?: unknown };
  try {
    body = JSON.parse(requestBody);
  } catch {
    return null;
  }
  const parts: string[] = [];
  if (Array.isArray(body?.messages)) {
    for (const message of body.messages as { content?: unknown }[]) {
      const content = message?.content;
      if (typeof content === 'string') parts.push(content);
      else if (Array.isArray(content)) {
        for (const part of content as { type?: unknown; text?: unknown }[]) {
          if (part?.type === 'text' && typeof part.text === 'string') parts.push(part.text);
        }
      }
    }
  }
  if (typeof body?.prompt === 'string') parts.push(body.prompt);
  else if (Array.isArray(body?.prompt)) for (const p of body.prompt) if (typeof p === 'string') parts.push(p);
  return parts.length > 0 ? parts.join('\n\n') : null;
}

export function servedOutputs(events: StoredEvent[]): ServedOutput[] {
  const outputs: ServedOutput[] = [];
  for (const event of events) {
    if (event.status !== 'ok' || !event.output || event.endpoint === '/v1/embeddings') continue;
    outputs.push({
      id: event.id,
      accountId: event.accountId,
      keyId: event.keyId,
      channel: event.channel,
      endCustomer: event.endCustomer,
      ts: event.ts,
      prompt: requestText(event.requestBody),
      text: event.output,
    });
  }
  return outputs;
}

export async function startRegistryConsumer({
  store,
  log,
  secret,
  config,
  pollMs = 100,
  onError = () => {},
}: RegistryConsumerOptions): Promise<RunningConsumer> {
  const registry = await openRegistry(store, secret, { retentionDays: config.provenance.retention_days });
  const consumer = startConsumer({
    store,
    log,
    name: 'registry',
    pollMs,
    onError,
    handle: async (events) => {
      const outputs = servedOutputs(events);
      if (outputs.length > 0) await registry.ingest(outputs);
      return undefined;
    },
  });
  return {
    ...consumer,
    async stop() {
      await consumer.stop();
      await registry.close();
    },
  };
}
