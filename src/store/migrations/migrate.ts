// Schema migrations through Kysely's Migrator (it serializes concurrent runs, so N nodes may start at
// once). Each concern owns one migration file; the list below is their order.
import { type Kysely, type Migration, Migrator } from 'kysely';
import type { DialectName, Store } from '../store.js';
import * as gateway from './001-gateway.js';
import * as enforce from './002-enforce.js';
import * as audit from './003-audit.js';
import * as provenance from './004-provenance.js';
import * as provenanceJobs from './005-provenance-jobs.js';

export interface WardenMigration {
  // biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
  up(db: Kysely<any>, dialect: DialectName): Promise<void>;
}

export const MIGRATIONS: Record<string, WardenMigration> = {
  '001-gateway': gateway,
  '002-enforce': enforce,
  '003-audit': audit,
  '004-provenance': provenance,
  '005-provenance-jobs': provenanceJobs,
};

export async function migrateToLatest(store: Store): Promise<void> {
  const migrations: Record<string, Migration> = {};
  for (const [name, migration] of Object.entries(MIGRATIONS)) {
    migrations[name] = { up: (db) => migration.up(db, store.dialect) };
  }
  const migrator = new Migrator({
    db: store.db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'warden_migrations',
    migrationLockTableName: 'warden_migrations_lock',
    // Named explicitly: Kysely looks its tables up across schemas, and another schema's would do.
    ...(store.dialect === 'postgres' ? { migrationTableSchema: store.schema } : {}),
  });
  let { error, results } = await migrator.migrateToLatest();
  // Kysely's introspection scans every schema (has_schema_privilege on each name): a schema that
  // another tenant or test suite drops during that scan fails it with "schema … does not exist".
  // That is not our schema's problem; try again.
  for (let attempt = 1; error && attempt <= 5 && droppedElsewhere(error, store); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    ({ error, results } = await migrator.migrateToLatest());
  }
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${(error as Error).message ?? error}`);
  }
}

function droppedElsewhere(error: unknown, store: Store): boolean {
  const match = /schema "([^"]+)" does not exist/.exec((error as Error)?.message ?? '');
  return match !== null && store.dialect === 'postgres' && match[1] !== store.schema;
}
