// Scaled-out event log on PostgreSQL with group commit: appends that arrive together are written in
// one multi-row insert, and each append resolves when its batch has committed. Batches take a
// transaction-scoped advisory lock, so seq order equals commit order across every node and a
// consumer's cursor never skips an event that committed late. While the database is unreachable,
// batches are retried with backoff; an append that cannot commit within `appendTimeoutMs` rejects
// (the client's response then ends in an error: nothing acknowledged is lost).
import type { PostgresStore } from '../../store/store.js';
import type { EventLog } from '../event-log.js';
import { EVENT_COLUMNS, eventFromRow, eventValues, READ_EVENTS_SQL } from '../event-row.js';
import type { UsageEvent } from '../usage-event.js';

export interface PostgresEventLogOptions {
  maxBatch?: number;
  appendTimeoutMs?: number;
}

interface Pending {
  event: UsageEvent;
  deadline: number;
  resolve(): void;
  reject(error: Error): void;
}

const EVENT_LOCK_ID = 727_001;

export function createPostgresEventLog(
  store: PostgresStore,
  { maxBatch = 256, appendTimeoutMs = 10_000 }: PostgresEventLogOptions = {},
): EventLog {
  const queue: Pending[] = [];
  let flushing = false;
  let closed = false;
  const idle: (() => void)[] = [];

  function schedule(): void {
    if (!flushing && queue.length > 0) {
      flushing = true;
      setImmediate(flush);
    }
  }

  async function flush(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, maxBatch);
      try {
        await insertBatch(batch.map((p) => p.event));
        for (const p of batch) p.resolve();
      } catch (error) {
        const now = Date.now();
        const keep = batch.filter((p) => {
          if (p.deadline > now && !closed) return true;
          p.reject(new Error(`event log unavailable: ${(error as Error).message}`));
          return false;
        });
        queue.unshift(...keep);
        if (keep.length > 0) await new Promise((r) => setTimeout(r, 200));
      }
    }
    flushing = false;
    for (const wake of idle.splice(0)) wake();
  }

  async function insertBatch(events: UsageEvent[]): Promise<void> {
    const values: unknown[] = [];
    const rows: string[] = [];
    for (const event of events) {
      const base = values.length;
      values.push(...eventValues(event));
      rows.push(`(${EVENT_COLUMNS.map((_, i) => `$${base + i + 1}`).join(', ')})`);
    }
    const client = await store.pool.connect();
    // A checked-out client between two queries has no one to hand a dropped connection to: pg emits
    // 'error' on it, and with no listener that kills the process (seen on a PostgreSQL restart under load).
    let lost: Error | null = null;
    const onError = (error: Error) => {
      lost = error;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [EVENT_LOCK_ID]);
      await client.query(
        `INSERT INTO events (${EVENT_COLUMNS.join(', ')}) VALUES ${rows.join(', ')} ON CONFLICT (id) DO NOTHING`,
        values,
      );
      await client.query('COMMIT');
      client.off('error', onError);
      client.release(lost ?? undefined);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.off('error', onError);
      client.release(true);
      throw error;
    }
  }

  return {
    append(event) {
      if (closed) return Promise.reject(new Error('event log is closed'));
      return new Promise<void>((resolve, reject) => {
        queue.push({ event, deadline: Date.now() + appendTimeoutMs, resolve, reject });
        schedule();
      });
    },
    async read(afterSeq, limit) {
      const result = await store.pool.query(READ_EVENTS_SQL, [afterSeq, limit]);
      return result.rows.map(eventFromRow);
    },
    async close() {
      if (flushing) await new Promise<void>((resolve) => idle.push(resolve));
      closed = true;
    },
  };
}
