// Publishing signed tree heads: sign the current tree and store the head, so consistency between any
// two published heads can be proven and checked later. Publish heads out of band too (see
// docs/audit-log.md): a head held by someone outside is what catches an insider's rewrite.
import type { DeploymentSecret } from '../config/deployment-secret.js';
import type { Store } from '../store/store.js';
import { MerkleTree } from './merkle.js';
import { readLogSnapshot } from './read-log.js';
import { type SignedTreeHead, signTreeHead } from './tree-head.js';

/**
 * Signs the head of the whole log as it stands and stores it in `audit_heads`. Refuses (throws) to
 * sign over a log that fails its own checks — an entry that does not match its hash, a missing entry,
 * or a tree that does not extend the last published head — so a signature never launders tampering.
 */
export async function signedTreeHead(store: Store, secret: DeploymentSecret): Promise<SignedTreeHead> {
  const snapshot = await readLogSnapshot(store);
  const problem = snapshot.gap ?? snapshot.mismatches[0];
  if (problem) throw new Error(`refusing to sign the audit log: ${problem.message}`);
  const last = await latestTreeHead(store);
  const tree = new MerkleTree(snapshot.storedLeaves);
  if (last) {
    if (last.tree_size > snapshot.denseSize)
      throw new Error(
        `refusing to sign the audit log: the last published head covers ${last.tree_size} entries ` +
          `but only ${snapshot.denseSize} are stored`,
      );
    if (tree.root(last.tree_size).toString('hex') !== last.root_hash)
      throw new Error(
        `refusing to sign the audit log: its first ${last.tree_size} entries no longer hash to the ` +
          `last published head; run \`warden audit verify\``,
      );
  }
  const head = signTreeHead(
    {
      tree_size: snapshot.denseSize,
      root_hash: tree.root().toString('hex'),
      timestamp: Math.max(Date.now(), last?.timestamp ?? 0),
    },
    secret.auditSigningKeys(),
  );
  await store.db.insertInto('audit_heads').values(head).execute();
  return head;
}

/** Every published head, smallest tree first (then oldest first). */
export async function listTreeHeads(store: Store): Promise<SignedTreeHead[]> {
  const rows = await store.db
    .selectFrom('audit_heads')
    .select(['tree_size', 'root_hash', 'timestamp', 'signature', 'public_key'])
    .orderBy('tree_size')
    .orderBy('id')
    .execute();
  return rows.map(toHead);
}

/** The most recently published head, or null. */
export async function latestTreeHead(store: Store): Promise<SignedTreeHead | null> {
  const row = await store.db
    .selectFrom('audit_heads')
    .select(['tree_size', 'root_hash', 'timestamp', 'signature', 'public_key'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? toHead(row) : null;
}

/** The most recently published head of exactly this tree size, or null. */
export async function publishedTreeHead(store: Store, treeSize: number): Promise<SignedTreeHead | null> {
  const row = await store.db
    .selectFrom('audit_heads')
    .select(['tree_size', 'root_hash', 'timestamp', 'signature', 'public_key'])
    .where('tree_size', '=', treeSize)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? toHead(row) : null;
}

function toHead(row: SignedTreeHead): SignedTreeHead {
  return { ...row, tree_size: Number(row.tree_size), timestamp: Number(row.timestamp) };
}
