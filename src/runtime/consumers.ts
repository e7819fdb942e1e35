// The consumers behind the event log — metering, detection, the provenance registry — started inside
// `serve` (in a worker thread, off the request path) or by `warden worker` on their own nodes.
import type { Config } from '../config/config.js';
import type { DeploymentSecret } from '../config/deployment-secret.js';
import { loadDeploymentSecret } from '../config/deployment-secret.js';
import { createWebhookDelivery } from '../enforce/webhooks/delivery.js';
import { type RunningConsumer, startConsumer } from '../events/consumer.js';
import type { EventLog } from '../events/event-log.js';
import { meterEvents } from '../events/metering.js';
import { openEventLog } from '../events/open-event-log.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { startDetectionConsumer } from './detection-consumer.js';
import { startRegistryConsumer } from './registry-consumer.js';

export interface ConsumersOptions {
  store: Store;
  log: EventLog;
  secret: DeploymentSecret;
  config: Config;
  pollMs?: number;
  onError?: (consumer: string, error: Error) => void;
}

export interface RunningConsumers {
  consumers: RunningConsumer[];
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

export async function startConsumers({
  store,
  log,
  secret,
  config,
  pollMs = 100,
  onError = () => {},
}: ConsumersOptions): Promise<RunningConsumers> {
  const webhooks = createWebhookDelivery({
    store,
    secret,
    allowPrivate: config.webhooks.allow_private,
    maxAttempts: config.webhooks.max_attempts,
    baseDelayMs: config.webhooks.base_delay_ms,
    pollMs: Math.max(pollMs, 250),
    onError: (error) => onError('webhooks', error),
  });
  const consumers: RunningConsumer[] = [
    startConsumer({
      store,
      log,
      name: 'metering',
      handle: async (events) => meterEvents(events),
      pollMs,
      onError: (error) => onError('metering', error),
    }),
    startDetectionConsumer({
      store,
      log,
      config,
      throttleLimits: config.enforcement.throttle_limits,
      pollMs,
      onError: (error) => onError('detection', error),
    }),
    await startRegistryConsumer({
      store,
      log,
      secret,
      config,
      pollMs,
      onError: (error) => onError('registry', error),
    }),
    {
      name: 'webhooks',
      position: () => 0,
      caughtUp: async () => {
        await webhooks.runOnce();
      },
      stop: () => webhooks.stop(),
    },
  ];
  return {
    consumers,
    async caughtUp() {
      await Promise.all(consumers.map((c) => c.caughtUp()));
    },
    async stop() {
      await Promise.all(consumers.map((c) => c.stop()));
    },
  };
}

/**
 * Opens the database named by `dbUrl` and runs every consumer on it; `stop()` also closes what it
 * opened. Used by `warden worker` and by `serve`'s consumer thread.
 */
export async function runConsumersOn(
  dbUrl: string,
  config: Config,
  { migrate = true, onError }: { migrate?: boolean; onError?: (consumer: string, error: Error) => void } = {},
): Promise<RunningConsumers> {
  const store = await openStore(dbUrl, { migrate });
  const log = openEventLog(store);
  const running = await startConsumers({ store, log, secret: loadDeploymentSecret(dbUrl), config, onError });
  return {
    ...running,
    async stop() {
      await running.stop();
      await log.close();
      await store.close();
    },
  };
}
