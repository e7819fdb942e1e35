// Worker-thread entry: runs the event consumers for an embedded `serve`, so analysis never shares the
// event loop with the request path. The parent sends 'stop' and waits for 'stopped'.
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config/config.js';
import { runConsumersOn } from './consumers.js';

interface ThreadData {
  dbUrl: string;
  config: Config;
}

const { dbUrl, config } = workerData as ThreadData;
const running = await runConsumersOn(dbUrl, config, {
  migrate: false,
  onError: (consumer, error) => parentPort?.postMessage({ type: 'error', consumer, message: error.message }),
});
parentPort?.postMessage({ type: 'ready' });
parentPort?.on('message', async (message) => {
  if (message === 'stop') {
    await running.stop();
    parentPort?.postMessage({ type: 'stopped' });
  }
});
