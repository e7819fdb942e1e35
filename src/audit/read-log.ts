// Reading the whole log back for hashing: every entry's stored leaf hash beside the one recomputed
// from its stored fields. Everything is held in memory, which is fine to ~10^5 entries (a few MB, a
// fraction of a second of hashing); beyond that, store the roots of complete subtrees (2^k-aligned)
// as they fill, so a root or a proof needs O(log n) stored nodes, not every leaf.

import type { Store } from '../store/store.js';
import type { AuditEntriesTable } from '../store/tables/audit.js';
import { entryLeafHash } from './audit-entry.js';

export interface EntryProblem {
  index: number;
  /** One line, "audit log entry N …". */
  message: string;
}

export interface LogSnapshot {
  /** Rows in index order. */
  rows: AuditEntriesTable[];
  /** How many rows from index 0 on are dense (index i at position i). */
  denseSize: number;
  /** Stored leaf hashes of the dense prefix. */
  storedLeaves: Buffer[];
  /** Leaf hashes recomputed from the fields of the dense prefix (a zero hash where unreadable). */
  recomputedLeaves: Buffer[];
  /** The first row whose index is not its position (a deleted row), if any. */
  gap: EntryProblem | null;
  /** Rows of the dense prefix whose fields do not hash to their stored leaf hash. */
  mismatches: EntryProblem[];
}

const ZERO_HASH = Buffer.alloc(32);

export async function readLogSnapshot(store: Store, size?: number): Promise<LogSnapshot> {
  let query = store.db.selectFrom('audit_entries').selectAll().orderBy('entry_index');
  if (size !== undefined) query = query.where('entry_index', '<', size);
  const rows = (await query.execute()).map((row) => ({
    ...row,
    entry_index: Number(row.entry_index),
    ts: Number(row.ts),
  }));
  const storedLeaves: Buffer[] = [];
  const recomputedLeaves: Buffer[] = [];
  const mismatches: EntryProblem[] = [];
  let gap: EntryProblem | null = null;
  for (const [position, row] of rows.entries()) {
    if (row.entry_index !== position) {
      gap = {
        index: position,
        message:
          `audit log entry ${position} does not match its hash: it is missing ` +
          `(the stored indexes jump from ${position - 1} to ${row.entry_index})`,
      };
      break;
    }
    const stored = /^[0-9a-f]{64}$/.test(row.leaf_hash) ? Buffer.from(row.leaf_hash, 'hex') : ZERO_HASH;
    storedLeaves.push(stored);
    const recomputed = recomputeLeaf(row);
    recomputedLeaves.push(recomputed.hash ? Buffer.from(recomputed.hash, 'hex') : ZERO_HASH);
    if (recomputed.hash !== row.leaf_hash) {
      const why =
        recomputed.error ??
        `its fields hash to ${recomputed.hash} but the stored leaf hash is ${row.leaf_hash || '(empty)'}`;
      mismatches.push({
        index: position,
        message: `audit log entry ${position} does not match its hash: ${why}`,
      });
    }
  }
  return { rows, denseSize: storedLeaves.length, storedLeaves, recomputedLeaves, gap, mismatches };
}

function recomputeLeaf(row: AuditEntriesTable): { hash: string | null; error?: string } {
  let details: Record<string, unknown>;
  try {
    details = JSON.parse(row.details) as Record<string, unknown>;
  } catch {
    return { hash: null, error: 'its details are not valid JSON' };
  }
  if (details === null || typeof details !== 'object' || Array.isArray(details))
    return { hash: null, error: 'its details are not a JSON object' };
  return {
    hash: entryLeafHash({
      index: row.entry_index,
      ts: row.ts,
      actor: row.actor,
      action: row.action,
      subject: row.subject,
      details,
    }),
  };
}

/** Stored leaf hashes of the first `size` entries (all by default); throws when one is missing. */
export async function readLeafHashes(store: Store, size?: number): Promise<Buffer[]> {
  let query = store.db
    .selectFrom('audit_entries')
    .select(['entry_index', 'leaf_hash'])
    .orderBy('entry_index');
  if (size !== undefined) query = query.where('entry_index', '<', size);
  const rows = await query.execute();
  return rows.map((row, position) => {
    if (Number(row.entry_index) !== position)
      throw new Error(`audit log entry ${position} is missing; run \`warden audit verify\``);
    if (!/^[0-9a-f]{64}$/.test(row.leaf_hash))
      throw new Error(`audit log entry ${position} has a malformed leaf hash; run \`warden audit verify\``);
    return Buffer.from(row.leaf_hash, 'hex');
  });
}
