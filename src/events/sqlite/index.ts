// Embedded event log: one synchronous insert per event into the WAL-mode SQLite file. The insert is
// committed when append() returns, so a kill -9 right after cannot lose it.
import type { SqliteStore } from '../../store/store.js';
import type { EventLog } from '../event-log.js';
import { EVENT_COLUMNS, eventFromRow, eventValues, READ_EVENTS_SQL } from '../event-row.js';

export function createSqliteEventLog(store: SqliteStore): EventLog {
  const insert = store.sqlite.prepare(
    `INSERT INTO events (${EVENT_COLUMNS.join(', ')}) VALUES (${EVENT_COLUMNS.map(() => '?').join(', ')})
     ON CONFLICT (id) DO NOTHING`,
  );
  const select = store.sqlite.prepare(READ_EVENTS_SQL.replace('$1', '?').replace('$2', '?'));
  return {
    async append(event) {
      insert.run(...eventValues(event));
    },
    async read(afterSeq, limit) {
      return (select.all(afterSeq, limit) as Record<string, unknown>[]).map(eventFromRow);
    },
    async close() {},
  };
}
