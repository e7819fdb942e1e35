// Embedded event log on the WAL-mode SQLite file, with group commit: the appends made in one turn of
// the event loop are inserted in one transaction on the next (setImmediate), so under load many events
// share one WAL write, while a lone request waits for nothing but its own commit. append() resolves
// only after its transaction has committed, so a kill -9 right after cannot lose the event.
import type { SqliteStore } from '../../store/store.js';
import type { EventLog } from '../event-log.js';
import { EVENT_COLUMNS, eventFromRow, eventValues, READ_EVENTS_SQL } from '../event-row.js';
import type { UsageEvent } from '../usage-event.js';

interface Pending {
  event: UsageEvent;
  resolve(): void;
  reject(error: Error): void;
}

export function createSqliteEventLog(store: SqliteStore): EventLog {
  const insert = store.sqlite.prepare(
    `INSERT INTO events (${EVENT_COLUMNS.join(', ')}) VALUES (${EVENT_COLUMNS.map(() => '?').join(', ')})
     ON CONFLICT (id) DO NOTHING`,
  );
  const insertAll = store.sqlite.transaction((events: UsageEvent[]) => {
    for (const event of events) insert.run(...eventValues(event));
  });
  const select = store.sqlite.prepare(READ_EVENTS_SQL.replace('$1', '?').replace('$2', '?'));
  let queue: Pending[] = [];
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    const batch = queue;
    queue = [];
    try {
      insertAll(batch.map((p) => p.event));
      for (const p of batch) p.resolve();
    } catch (error) {
      for (const p of batch) p.reject(error as Error);
    }
  }

  return {
    append(event) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ event, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    async read(afterSeq, limit) {
      return (select.all(afterSeq, limit) as Record<string, unknown>[]).map(eventFromRow);
    },
    async close() {
      if (scheduled) flush();
    },
  };
}
