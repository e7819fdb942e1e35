// Opens the store a `--db` URL names and brings its schema up to date.
import { resolve } from 'node:path';
import { migrateToLatest } from './migrations/migrate.js';
import { openPostgresStore } from './postgres/postgres-store.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import { DEFAULT_DB_URL, type Store } from './store.js';

export interface OpenStoreOptions {
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  /** PostgreSQL pool size. */
  poolSize?: number;
}

/** The database URL to use: the flag, then $WARDEN_DB, then the embedded default. */
export function resolveDbUrl(flag?: string): string {
  return flag ?? process.env.WARDEN_DB ?? DEFAULT_DB_URL;
}

export async function openStore(
  url: string,
  { migrate = true, poolSize }: OpenStoreOptions = {},
): Promise<Store> {
  let store: Store;
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (!path) throw new Error('the database URL "sqlite:" names no file; use sqlite:PATH');
    store = openSqliteStore({ path: path === ':memory:' ? path : resolve(path), url });
  } else if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    store = await openPostgresStore({ url, max: poolSize });
  } else {
    throw new Error(`unsupported database URL "${url}": use sqlite:PATH or postgres://…`);
  }
  if (migrate) {
    try {
      await migrateToLatest(store);
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  return store;
}
