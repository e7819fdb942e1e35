// The consumers behind the event log — metering, detection, the provenance registry — started inside
// `serve` (in a worker thread, off the request path) or by `warden worker` on their own nodes.
import type { Config } from '../config/config.js';
import type { DeploymentSecret } from '../config/deployment-secret.js';
import { type RunningConsumer, startConsumer } from '../events/consumer.js';
import type { EventLog } from '../events/event-log.js';
import { meterEvents } from '../events/metering.js';
import type { Store } from '../store/store.js';

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
  pollMs = 100,
  onError = () => {},
}: ConsumersOptions): Promise<RunningConsumers> {
  const consumers: RunningConsumer[] = [
    startConsumer({
      store,
      log,
      name: 'metering',
      handle: async (events) => meterEvents(events),
      pollMs,
      onError: (error) => onError('metering', error),
    }),
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
