// The state-change feed: one row per change that a gateway's caches must drop (an account's status,
// a revoked key). Gateways poll it (and PostgreSQL/Redis pub/sub wakes them early), so a change made
// by the CLI on the database directly reaches every running node.
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { Store } from '../store/store.js';
import type { StateChange } from './types.js';

export type StateChangeKind = 'account' | 'key' | 'partner';

export async function recordStateChange(
  db: Kysely<Database>,
  kind: StateChangeKind,
  subjectId: string,
  ts: number = Date.now(),
): Promise<void> {
  await db.insertInto('state_changes').values({ kind, subject_id: subjectId, ts }).execute();
}

/** The highest sequence number of the feed (0 when empty). */
export async function latestStateChange(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom('state_changes')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst();
  return Number(row?.seq ?? 0);
}

/** Changes after `seq`, in order. */
export async function stateChangesSince(store: Store, seq: number): Promise<StateChange[]> {
  const rows = await store.db
    .selectFrom('state_changes')
    .select(['seq', 'kind', 'subject_id'])
    .where('seq', '>', seq)
    .orderBy('seq')
    .limit(10_000)
    .execute();
  return rows.map((r) => ({ seq: Number(r.seq), kind: r.kind, subject_id: r.subject_id }));
}
