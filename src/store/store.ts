// The one storage interface: a Kysely handle over SQLite (embedded) or PostgreSQL (scaled out),
// opened from a URL and migrated on open. Concerns write their queries against `db`.
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

/** The slice of better-sqlite3 that Warden uses directly (the embedded event log's hot path). */
export interface SqliteDatabase {
  prepare(sql: string): {
    run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
    get(...params: unknown[]): unknown;
    all(...params: unknown[]): unknown[];
  };
  exec(sql: string): unknown;
  pragma(sql: string, options?: { simple?: boolean }): unknown;
  transaction<F extends (...args: never[]) => unknown>(fn: F): F;
  close(): unknown;
}

/** The slice of pg's Pool that Warden uses directly (batched event inserts, LISTEN/NOTIFY). */
export interface PostgresPool {
  query(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
  connect(): Promise<PostgresClient>;
  end(): Promise<void>;
}

/** One connection checked out of the pool (transactions, session advisory locks). */
export interface PostgresClient {
  query(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
  release(error?: Error | boolean): void;
  /** pg emits 'error' on a checked-out client whose connection drops. */
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
}

export interface StoreBase {
  readonly url: string;
  readonly db: Kysely<Database>;
  close(): Promise<void>;
}

export interface SqliteStore extends StoreBase {
  readonly dialect: 'sqlite';
  readonly sqlite: SqliteDatabase;
}

export interface PostgresStore extends StoreBase {
  readonly dialect: 'postgres';
  readonly pool: PostgresPool;
  /** The schema (search_path) this store works in; `public` unless the URL says `?schema=`. */
  readonly schema: string;
}

export type Store = SqliteStore | PostgresStore;

export const DEFAULT_DB_URL = 'sqlite:./data/warden.db';
