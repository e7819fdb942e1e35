// Runs one consumer of the event log: reads events in order after its cursor, lets the handler work on
// them (outside any transaction: analysis must not hold the write lock the gateway needs), then runs the
// handler's writes and advances the cursor in ONE transaction. Delivery is at-least-once; handlers are
// idempotent by event id. Scaled out, a PostgreSQL session advisory lock keeps one runner per consumer
// across all nodes; the others stand by and take over when it dies.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { PostgresClient, Store } from '../store/store.js';
import type { EventLog } from './event-log.js';
import type { StoredEvent } from './usage-event.js';

/** Writes a handler wants committed together with the cursor. */
export type ConsumerWrite = (trx: Kysely<Database>) => Promise<void>;

export interface ConsumerOptions {
  store: Store;
  log: EventLog;
  name: string;
  handle(events: StoredEvent[]): Promise<ConsumerWrite | undefined>;
  /** false: the cursor lives in memory and starts at 0 (state rebuilt from the log on start). */
  durable?: boolean;
  batchSize?: number;
  pollMs?: number;
  onError?: (error: Error) => void;
}

export interface RunningConsumer {
  readonly name: string;
  position(): number;
  /** Resolves once everything appended so far has been consumed. */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

export async function readCursor(db: Kysely<Database>, name: string): Promise<number> {
  const row = await db
    .selectFrom('consumer_cursors')
    .select('position')
    .where('name', '=', name)
    .executeTakeFirst();
  return row ? Number(row.position) : 0;
}

async function readCursorForUpdate(
  trx: Kysely<Database>,
  name: string,
  dialect: Store['dialect'],
): Promise<number> {
  const query = trx.selectFrom('consumer_cursors').select('position').where('name', '=', name);
  const row = await (dialect === 'postgres' ? query.forUpdate() : query).executeTakeFirst();
  return row ? Number(row.position) : 0;
}

async function saveCursor(db: Kysely<Database>, name: string, position: number): Promise<void> {
  await db
    .insertInto('consumer_cursors')
    .values({ name, position, updated_at: Date.now() })
    .onConflict((oc) => oc.column('name').doUpdateSet({ position, updated_at: Date.now() }))
    .execute();
}

export function startConsumer({
  store,
  log,
  name,
  handle,
  durable = true,
  batchSize = 500,
  pollMs = 100,
  onError = () => {},
}: ConsumerOptions): RunningConsumer {
  let position = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let lockClient: PostgresClient | null = null;
  const waiters: (() => void)[] = [];

  async function acquire(): Promise<boolean> {
    if (store.dialect !== 'postgres' || !durable) return true;
    if (lockClient) return true;
    const client = await store.pool.connect();
    const key = createHash('sha256').update(`consumer:${name}`).digest().readInt32BE(0);
    // The lock's connection sits idle between ticks: when the server drops it (a restart), pg emits
    // 'error' on it, which with no listener killed the consumer thread for good. Drop it instead; the
    // next tick takes the lock again on a fresh connection (the lock died with the old session).
    const onError = () => {
      client.off('error', onError);
      client.on('error', () => {});
      if (lockClient === client) {
        lockClient = null;
        client.release(true);
      }
    };
    client.on('error', onError);
    let ok = false;
    try {
      const { rows } = await client.query('SELECT pg_try_advisory_lock($1) AS ok', [key]);
      ok = Boolean(rows[0]?.ok);
    } catch (error) {
      client.off('error', onError);
      client.release(true);
      throw error;
    }
    if (ok) {
      lockClient = client;
      return true;
    }
    client.off('error', onError);
    client.release();
    return false;
  }

  async function tick(): Promise<void> {
    try {
      if (!(await acquire())) return;
      if (durable && position === 0) position = await readCursor(store.db, name);
      for (;;) {
        const events = await log.read(position, batchSize);
        if (events.length === 0) break;
        const write = await handle(events);
        const last = events[events.length - 1].seq;
        if (durable || write) {
          const from = position;
          await store.db.transaction().execute(async (trx) => {
            // Compare-and-set: if another runner moved the cursor meanwhile (this one lost its lock
            // with a dropped connection, and a standby took over), apply nothing and re-read.
            if (durable && (await readCursorForUpdate(trx, name, store.dialect)) !== from)
              throw new Error(`consumer ${name}: the cursor moved under this runner; re-reading it`);
            if (write) await write(trx);
            if (durable) await saveCursor(trx, name, last);
          });
        }
        position = last;
        if (stopped || events.length < batchSize) break;
      }
      for (const wake of waiters.splice(0)) wake();
    } catch (error) {
      if (lockClient) {
        lockClient.release(true);
        lockClient = null;
      }
      // Whatever failed, start the next tick from the committed cursor, never from memory.
      if (durable) position = 0;
      onError(error as Error);
    }
  }

  function loop(): void {
    if (stopped) return;
    running = tick().finally(() => {
      running = null;
      if (!stopped) timer = setTimeout(loop, pollMs);
    });
  }
  loop();

  return {
    name,
    position: () => position,
    async caughtUp() {
      await new Promise<void>((resolve) => waiters.push(resolve));
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (running) await running;
      if (lockClient) {
        await lockClient.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
        lockClient.release();
        lockClient = null;
      }
      for (const wake of waiters.splice(0)) wake();
    },
  };
}
