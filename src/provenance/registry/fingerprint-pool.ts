// Fingerprinting in worker threads, for ingest of large batches (backfills: `warden registry add`):
// normalization and keyed hashing are pure CPU work and take ~75% of ingest. The registry cuts a
// large batch into chunks and hands them to the workers in turn, then writes each chunk as soon as
// its fingerprints are back, while the workers go on with the next ones. Each worker holds its own
// KeyedHasher (and word cache) under the same key. Small batches (the live consumer's) stay on the
// calling thread (its batches of at most 500 events are below POOL_MIN_BATCH): handing them over would
// cost more than it saves.
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type Fingerprints, type KeyedHasher, outputFingerprints } from '../fingerprint/index.js';
import { normalizeText } from '../normalize/index.js';

/** What is fingerprinted: a served output's text and the request it answered. */
export interface FingerprintInput {
  text: string;
  prompt: string | null;
}

/** Batches smaller than this are fingerprinted on the calling thread. */
export const POOL_MIN_BATCH = 512;
/**
 * Outputs a worker is handed at a time (and the registry writes as one segment) in a large batch; at
 * least the registry's small-segment size, so these segments are never merged again.
 */
export const POOL_CHUNK = 2000;

export interface WorkerRequest {
  id: number;
  inputs: FingerprintInput[];
}

/** Every output's keys and positions back to back; `ends[i]` is where output i's end. */
export interface WorkerReply {
  id: number;
  keys: Uint32Array;
  positions: Uint32Array;
  ends: Uint32Array;
  error?: string;
}

/** Fingerprints of one output (the same on every thread). */
export function fingerprintOne(hasher: KeyedHasher, input: FingerprintInput): Fingerprints {
  const words = normalizeText(input.text).words;
  const promptWords = input.prompt ? normalizeText(input.prompt).words : null;
  return outputFingerprints(hasher, words, promptWords);
}

/** Packs a chunk's fingerprints into three transferable arrays. */
export function packFingerprints(all: Fingerprints[]): Omit<WorkerReply, 'id'> {
  let total = 0;
  for (const f of all) total += f.keys.length;
  const keys = new Uint32Array(total);
  const positions = new Uint32Array(total);
  const ends = new Uint32Array(all.length);
  let at = 0;
  all.forEach((f, i) => {
    keys.set(f.keys, at);
    positions.set(f.positions, at);
    at += f.keys.length;
    ends[i] = at;
  });
  return { keys, positions, ends };
}

function unpack(reply: WorkerReply): Fingerprints[] {
  const out: Fingerprints[] = [];
  let from = 0;
  for (const end of reply.ends) {
    out.push({ keys: reply.keys.subarray(from, end), positions: reply.positions.subarray(from, end) });
    from = end;
  }
  return out;
}

/** Worker threads to use by default: one per core (the calling thread mostly writes), at most 4. */
export function defaultFingerprintThreads(): number {
  const cores = availableParallelism();
  return cores < 2 ? 0 : Math.min(4, cores);
}

export class FingerprintPool {
  readonly #hasher: KeyedHasher;
  readonly #key: Buffer;
  readonly #threads: number;
  #workers: Worker[] | null = null;
  #nextWorker = 0;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>();
  /** Chunks each worker has in hand: it is referenced (keeps the process alive) only while it has some. */
  readonly #busy = new Map<Worker, number>();

  /** `threads` workers besides the calling thread (0: everything on the calling thread). */
  constructor(hasher: KeyedHasher, key: Buffer, threads: number) {
    this.#hasher = hasher;
    this.#key = key;
    this.#threads = threads;
  }

  #start(): Worker[] {
    if (this.#workers) return this.#workers;
    const self = fileURLToPath(import.meta.url);
    const entry = new URL(`./fingerprint-worker${extname(self)}`, import.meta.url).href;
    const workerData = { key: this.#key };
    this.#workers = Array.from({ length: this.#threads }, () => {
      // From source (tests, tsx), Node 20 does not carry tsx's loader into worker threads: register it.
      const worker =
        extname(self) === '.ts'
          ? new Worker(
              `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`,
              { eval: true, workerData },
            )
          : new Worker(new URL(entry), { workerData });
      worker.unref(); // referenced only while it has work (see #send), so it never holds a process open
      worker.on('message', (reply: WorkerReply) => {
        const busy = (this.#busy.get(worker) ?? 1) - 1;
        this.#busy.set(worker, busy);
        if (busy === 0) worker.unref();
        const pending = this.#pending.get(reply.id);
        if (!pending) return;
        this.#pending.delete(reply.id);
        if (reply.error) pending.reject(new Error(`fingerprint worker: ${reply.error}`));
        else pending.resolve(reply);
      });
      worker.on('error', (error) => this.#failAll(error));
      worker.on('exit', (code) => {
        if (code !== 0) this.#failAll(new Error(`fingerprint worker exited with code ${code}`));
      });
      return worker;
    });
    return this.#workers;
  }

  #failAll(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    const workers = this.#workers;
    this.#workers = null; // the next batch starts fresh workers
    for (const worker of workers ?? []) void worker.terminate();
  }

  #send(worker: Worker, inputs: FingerprintInput[]): Promise<WorkerReply> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#busy.set(worker, (this.#busy.get(worker) ?? 0) + 1);
      worker.ref();
      worker.postMessage({ id, inputs } satisfies WorkerRequest);
    });
  }

  /** Whether a batch of this many outputs goes to the workers (else: the calling thread). */
  uses(batch: number): boolean {
    return this.#threads > 0 && batch >= POOL_MIN_BATCH;
  }

  /**
   * Fingerprints of each input, in order: by the next worker in turn for a chunk the pool `uses`,
   * else right here.
   */
  async fingerprint(inputs: FingerprintInput[]): Promise<Fingerprints[]> {
    if (!this.uses(inputs.length)) return inputs.map((input) => fingerprintOne(this.#hasher, input));
    const workers = this.#start();
    const worker = workers[this.#nextWorker++ % workers.length];
    return unpack(await this.#send(worker, inputs));
  }

  async close(): Promise<void> {
    const workers = this.#workers;
    this.#workers = null;
    await Promise.all((workers ?? []).map((worker) => worker.terminate()));
  }
}
