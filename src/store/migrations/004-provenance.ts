// provenance tables (owned by src/provenance/). Empty until that concern lands.
import type { Kysely } from 'kysely';
import type { DialectName } from '../store.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(_db: Kysely<any>, _dialect: DialectName): Promise<void> {}
