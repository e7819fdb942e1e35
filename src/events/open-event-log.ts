// The event log of a store: SQLite's or PostgreSQL's.
import type { Store } from '../store/store.js';
import type { EventLog } from './event-log.js';
import { createPostgresEventLog } from './postgres/index.js';
import { createSqliteEventLog } from './sqlite/index.js';

export function openEventLog(store: Store): EventLog {
  return store.dialect === 'sqlite' ? createSqliteEventLog(store) : createPostgresEventLog(store);
}
