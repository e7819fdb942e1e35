// Test databases: every suite gets its own SQLite file or its own PostgreSQL schema, so suites run in
// parallel against the real servers without seeing each other. WARDEN_TEST_BACKENDS picks the backends
// (default: sqlite,postgres).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const POSTGRES_URL = process.env.WARDEN_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.WARDEN_TEST_REDIS ?? 'redis://127.0.0.1:6379';

export type Backend = 'sqlite' | 'postgres';

export function testBackends(): Backend[] {
  const raw = process.env.WARDEN_TEST_BACKENDS ?? 'sqlite,postgres';
  return raw.split(',').map((b) => b.trim()) as Backend[];
}

export interface TestDatabase {
  url: string;
  backend: Backend;
  /** Removes the file or drops the schema. */
  drop(): Promise<void>;
}

export async function createTestDatabase(backend: Backend): Promise<TestDatabase> {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'warden-test-'));
    return {
      url: `sqlite:${join(dir, 'warden.db')}`,
      backend,
      async drop() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  // Random, not pid/time based: pids are reused across the suite's worker processes.
  const schema = `t_${randomBytes(8).toString('hex')}`;
  const url = `${POSTGRES_URL}?schema=${schema}`;
  return {
    url,
    backend,
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
