// Audit tables (owned by src/audit/): the append-only entries, whose dense `entry_index` is the leaf
// position in the Merkle tree, and the signed tree heads published over them.
import type { Kysely } from 'kysely';
import type { DialectName } from '../store.js';
import { serialType } from './column-types.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>, dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('audit_entries')
    // The primary key is also what keeps indexes unique when two writers race (see append-entry.ts).
    .addColumn('entry_index', 'bigint', (c) => c.primaryKey())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('leaf_hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('audit_entries_subject')
    .on('audit_entries')
    .columns(['subject', 'entry_index'])
    .execute();

  await db.schema
    .createTable('audit_heads')
    .addColumn('id', serialType(dialect), (c) =>
      dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
    )
    .addColumn('tree_size', 'bigint', (c) => c.notNull())
    .addColumn('root_hash', 'text', (c) => c.notNull())
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_heads_tree_size').on('audit_heads').columns(['tree_size']).execute();
}
