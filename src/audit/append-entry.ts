// Appending to the audit log inside the caller's transaction, and reading entries back.
//
// Dense indexes under concurrency (several processes, several nodes):
// - PostgreSQL: a transaction-scoped advisory lock (pg_advisory_xact_lock, keyed by the schema) is
//   taken before the next index is read, so writers queue until the holder commits or rolls back.
//   Under READ COMMITTED (PostgreSQL's default) the statement after the lock sees the holder's commit.
// - SQLite: the first statement of the append is a write — INSERT … SELECT COALESCE(MAX(index)+1, 0)
//   — so the connection takes the database write lock (waiting out busy_timeout) before it reads the
//   maximum, and no other writer can commit in between. Kysely starts SQLite transactions DEFERRED,
//   so a read-then-write would instead fail at once with SQLITE_BUSY when another writer got there
//   first. The leaf hash covers the index, so it is filled in by a second statement.
// The primary key on entry_index turns any race these miss into an error rather than a duplicate.
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../store/schema.js';
import type { DialectName, Store } from '../store/store.js';
import { type AuditEntry, type AuditEntryInput, entryLeafHash, normalizeEntryInput } from './audit-entry.js';
import { canonicalJson } from './canonical-json.js';

// Advisory lock key space: (class, hashtext(schema)). 0x57415544 is "WAUD".
const AUDIT_LOCK_CLASS = 0x57415544;
const MAX_ATTEMPTS = 5;

/**
 * Appends one entry inside `db`, which may be a Kysely Transaction: pass the transaction that makes
 * the state change, so the change and its audit entry commit together or not at all. Given a plain
 * Kysely handle, it runs in its own transaction and retries a lost race.
 */
export async function appendAuditEntry(
  db: Kysely<Database>,
  dialect: DialectName,
  entry: AuditEntryInput,
): Promise<AuditEntry> {
  const input = normalizeEntryInput(entry);
  const append = async (trx: Kysely<Database>): Promise<AuditEntry> => {
    if (dialect === 'postgres') {
      await sql`select pg_advisory_xact_lock(${sql.lit(AUDIT_LOCK_CLASS)}, hashtext(current_schema()))`.execute(
        trx,
      );
    }
    const details = canonicalJson(input.details);
    const inserted = await sql<{ entry_index: number | string }>`
      insert into audit_entries (entry_index, ts, actor, action, subject, details, leaf_hash)
      select coalesce(max(entry_index) + 1, 0), cast(${input.ts} as bigint), ${input.actor},
             ${input.action}, ${input.subject}, ${details}, ''
      from audit_entries
      returning entry_index`.execute(trx);
    const index = Number(inserted.rows[0].entry_index);
    const fields = { index, ...input };
    const leafHash = entryLeafHash(fields);
    await trx
      .updateTable('audit_entries')
      .set({ leaf_hash: leafHash })
      .where('entry_index', '=', index)
      .execute();
    return { ...fields, leafHash };
  };
  if (db.isTransaction) return append(db);
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(append);
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isLostRace(error)) throw error;
    }
  }
}

/**
 * Runs `work` in a transaction fit for a state change and its audit entry: on SQLite the transaction
 * takes the write lock before `work` runs (a no-op write, as BEGIN IMMEDIATE would), so `work` may
 * read, then write, then append without failing with SQLITE_BUSY when another process wrote in
 * between; on PostgreSQL it is a plain READ COMMITTED transaction. A transaction that lost a race is
 * retried from the start, so `work` must do nothing but database work (send webhooks after it).
 */
export async function auditedTransaction<T>(
  store: Store,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await store.db.transaction().execute(async (trx) => {
        if (store.dialect === 'sqlite') await sql`update audit_heads set id = id where 0 = 1`.execute(trx);
        return work(trx);
      });
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isLostRace(error)) throw error;
    }
  }
}

/** A unique-key conflict or a busy database: another writer took the index first. */
function isLostRace(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    code === '23505' || // PostgreSQL unique_violation
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === 'SQLITE_BUSY' ||
    code === 'SQLITE_BUSY_SNAPSHOT'
  );
}

export interface ListAuditEntriesOptions {
  /** Only entries with an index greater than this (a cursor: pass the last index you saw). */
  after?: number;
  /** At most this many entries (default 100, at most 10000). */
  limit?: number;
  /** Only entries about this subject, e.g. `account:acct_…`. */
  subject?: string;
}

/** Entries in index order, as stored (use verifyAuditLog to check them). */
export async function listAuditEntries(
  store: Store,
  { after, limit = 100, subject }: ListAuditEntriesOptions = {},
): Promise<AuditEntry[]> {
  let query = store.db
    .selectFrom('audit_entries')
    .selectAll()
    .orderBy('entry_index')
    .limit(Math.max(1, Math.min(limit, 10_000)));
  if (after !== undefined) query = query.where('entry_index', '>', after);
  if (subject !== undefined) query = query.where('subject', '=', subject);
  const rows = await query.execute();
  return rows.map(rowToEntry);
}

/** One entry by index, or null. */
export async function getAuditEntry(store: Store, index: number): Promise<AuditEntry | null> {
  const row = await store.db
    .selectFrom('audit_entries')
    .selectAll()
    .where('entry_index', '=', index)
    .executeTakeFirst();
  return row ? rowToEntry(row) : null;
}

export function rowToEntry(row: Database['audit_entries']): AuditEntry {
  return {
    index: Number(row.entry_index),
    ts: Number(row.ts),
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    details: JSON.parse(row.details) as Record<string, unknown>,
    leafHash: row.leaf_hash,
  };
}
