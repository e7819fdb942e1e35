// Embedded store: one SQLite file in WAL mode, shared safely by `serve` and CLI processes.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from '../schema.js';
import type { SqliteDatabase, SqliteStore } from '../store.js';

export interface SqliteStoreOptions {
  /** File path, or ':memory:'. */
  path: string;
  url: string;
}

export function openSqliteStore({ path, url }: SqliteStoreOptions): SqliteStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new BetterSqlite3(path);
  // WAL: readers never block the writer; NORMAL sync survives a process crash (kill -9), which is
  // the durability the event log promises (an OS crash may lose the last transactions).
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return {
    dialect: 'sqlite',
    url,
    db,
    sqlite: sqlite as unknown as SqliteDatabase,
    async close() {
      await db.destroy();
    },
  };
}
