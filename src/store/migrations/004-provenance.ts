// Provenance tables (owned by src/provenance/): one small row per served output, fingerprint
// postings packed into segment blobs (never a row per fingerprint), raw texts kept only until the
// retention horizon, and the sampled canary set for model audits.
import type { Kysely } from 'kysely';
import type { DialectName } from '../store.js';
import { blobType, serialType } from './column-types.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>, dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('provenance_outputs')
    .addColumn('ordinal', serialType(dialect), (c) =>
      dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
    )
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('end_customer', 'text')
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('fingerprints', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('provenance_segments')
    .addColumn('id', serialType(dialect), (c) =>
      dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
    )
    .addColumn('base_ordinal', 'bigint', (c) => c.notNull())
    .addColumn('outputs', 'integer', (c) => c.notNull())
    .addColumn('postings', 'integer', (c) => c.notNull())
    .addColumn('data', blobType(dialect), (c) => c.notNull())
    // JSON array of the segment ids a compaction merged into this one (null for an ingest batch)
    .addColumn('merged_from', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('provenance_texts')
    .addColumn('ordinal', 'bigint', (c) => c.primaryKey())
    .addColumn('prompt', 'text')
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('provenance_texts_expires')
    .on('provenance_texts')
    .column('expires_at')
    .execute();

  await db.schema
    .createTable('provenance_canaries')
    .addColumn('output_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('prompt', 'text', (c) => c.notNull())
    .addColumn('output', 'text', (c) => c.notNull())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('provenance_canaries_account')
    .on('provenance_canaries')
    .columns(['account_id', 'ts'])
    .execute();
}
