// Worker-thread entry: runs the event consumers for an embedded `serve`, so analysis never shares the
// event loop with the request path. The parent sends 'stop' and waits for 'stopped'.
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config/config.js';
import { loadDeploymentSecret } from '../config/deployment-secret.js';
import { openEventLog } from '../events/open-event-log.js';
import { openStore } from '../store/open-store.js';
import { startConsumers } from './consumers.js';

interface ThreadData {
  dbUrl: string;
  config: Config;
}

const { dbUrl, config } = workerData as ThreadData;
const store = await openStore(dbUrl, { migrate: false });
const log = openEventLog(store);
const running = await startConsumers({
  store,
  log,
  secret: loadDeploymentSecret(dbUrl),
  config,
  onError: (consumer, error) => parentPort?.postMessage({ type: 'error', consumer, message: error.message }),
});
parentPort?.postMessage({ type: 'ready' });
parentPort?.on('message', async (message) => {
  if (message === 'stop') {
    await running.stop();
    await log.close();
    await store.close();
    parentPort?.postMessage({ type: 'stopped' });
  }
});
