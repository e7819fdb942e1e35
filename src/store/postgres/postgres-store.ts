// Scaled-out store: PostgreSQL through a pg pool. `?schema=NAME` in the URL selects (and creates) a
// schema, which lets test suites and tenants share one database without touching each other.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../schema.js';
import type { PostgresPool, PostgresStore } from '../store.js';

// int8 (bigint, bigserial, count(*)) as numbers: timestamps and sequence numbers stay far below 2^53.
pg.types.setTypeParser(20, (value: string) => Number.parseInt(value, 10));

export interface PostgresStoreOptions {
  url: string;
  /** Connections in the pool. */
  max?: number;
}

export async function openPostgresStore({ url, max = 10 }: PostgresStoreOptions): Promise<PostgresStore> {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? 'public';
  if (!/^[a-z_][a-z0-9_]*$/.test(schema))
    throw new Error(`invalid schema name "${schema}" in the database URL`);
  parsed.searchParams.delete('schema');
  const connectionString = parsed.toString();
  if (schema !== 'public') {
    const setup = new pg.Client({ connectionString });
    await setup.connect();
    try {
      await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      await setup.end();
    }
  }
  const pool = new pg.Pool({
    connectionString,
    max,
    options: `-c search_path=${schema}`,
    connectionTimeoutMillis: 5000,
  });
  // A dropped connection (server restart) must not crash the process; the pool reconnects. pg emits
  // 'error' on the pool for idle clients and on the client itself while it is checked out (a Kysely
  // transaction between two queries): without a listener either would kill the process.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    dialect: 'postgres',
    url,
    db,
    pool: pool as unknown as PostgresPool,
    schema,
    async close() {
      await db.destroy();
    },
  };
}
