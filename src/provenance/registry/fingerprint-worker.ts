// Worker-thread entry for FingerprintPool: fingerprints the chunks it is sent under the deployment
// key it was started with and sends back packed, transferable arrays.
import { parentPort, workerData } from 'node:worker_threads';
import { KeyedHasher } from '../fingerprint/index.js';
import {
  fingerprintOne,
  packFingerprints,
  type WorkerReply,
  type WorkerRequest,
} from './fingerprint-pool.js';

const hasher = new KeyedHasher(Buffer.from((workerData as { key: Uint8Array }).key));

parentPort?.on('message', ({ id, inputs }: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    reply = { id, ...packFingerprints(inputs.map((input) => fingerprintOne(hasher, input))) };
  } catch (error) {
    parentPort?.postMessage({ id, error: (error as Error).message });
    return;
  }
  const buffers = [reply.keys.buffer, reply.positions.buffer, reply.ends.buffer] as ArrayBuffer[];
  parentPort?.postMessage(reply, buffers);
});
