// `warden audit verify`: recompute every leaf hash from the stored fields and the tree from the
// leaves, check every published head's signature and root against it, and name the first entry that
// does not match.
import type { DeploymentSecret } from '../config/deployment-secret.js';
import type { Store } from '../store/store.js';
import { MerkleTree } from './merkle.js';
import { listTreeHeads } from './publish-head.js';
import { type EntryProblem, readLogSnapshot } from './read-log.js';
import {
  rawPublicKeyBase64,
  type SignedTreeHead,
  signTreeHead,
  verifyTreeHeadSignature,
} from './tree-head.js';

export interface AuditLogVerification {
  ok: boolean;
  /** Entries stored. */
  entries: number;
  /** Published heads checked. */
  heads: number;
  /** The first entry that does not match (for a rewrite only a signed head reveals, the first entry
   * of the range that head covers beyond the last head that still matches); null when ok or when the
   * fault is in a head, not an entry. */
  firstBadIndex: number | null;
  /** One line saying what is wrong ("audit log entry N does not match its hash: …"); null when ok. */
  reason: string | null;
  /** A head signed now over the verified tree (not stored; `warden audit head` publishes one). */
  head: SignedTreeHead | null;
}

interface Problem {
  /** Entry index the problem starts at, or null for a fault in a head itself. */
  index: number | null;
  message: string;
  /** Names one entry exactly (rather than a range). */
  exact: boolean;
}

export async function verifyAuditLog(store: Store, secret: DeploymentSecret): Promise<AuditLogVerification> {
  const snapshot = await readLogSnapshot(store);
  const heads = await listTreeHeads(store);
  const keys = secret.auditSigningKeys();
  const problems: Problem[] = [];
  const exact = (p: EntryProblem): Problem => ({ index: p.index, message: p.message, exact: true });
  if (snapshot.gap) problems.push(exact(snapshot.gap));
  for (const mismatch of snapshot.mismatches) problems.push(exact(mismatch));

  // A head vouches for a prefix if its root matches either the stored leaf hashes (then an entry
  // whose fields were edited is named exactly by its mismatch) or the recomputed ones (then a stored
  // leaf hash was edited, also named exactly). When neither matches, an entry was rewritten together
  // with its leaf hash: the signed head only says it lies beyond the last head that still matches.
  let vouchedSize = 0;
  const storedTree = new MerkleTree(snapshot.storedLeaves);
  // Fields and stored hashes agree unless some entry mismatched: then build the second tree too.
  const recomputedTree = snapshot.mismatches.length ? new MerkleTree(snapshot.recomputedLeaves) : storedTree;
  for (const head of heads) {
    if (!verifyTreeHeadSignature(head, keys.publicKey)) {
      const other = head.public_key !== rawPublicKeyBase64(keys.publicKey) ? ' (signed by another key)' : '';
      problems.push({
        index: null,
        message: `audit log head of tree size ${head.tree_size} (timestamp ${head.timestamp}) has a signature that does not verify${other}`,
        exact: false,
      });
      continue;
    }
    if (head.tree_size > snapshot.rows.length) {
      const missing = snapshot.rows.length;
      problems.push({
        index: missing,
        message:
          `audit log entry ${missing} does not match its hash: it is missing (a signed head covers ` +
          `${head.tree_size} entries, ${snapshot.rows.length} are stored)`,
        exact: true,
      });
      continue;
    }
    if (head.tree_size > snapshot.denseSize) continue; // the gap above already explains it
    const storedRoot = storedTree.root(head.tree_size).toString('hex');
    const recomputedRoot = recomputedTree.root(head.tree_size).toString('hex');
    if (storedRoot === head.root_hash || recomputedRoot === head.root_hash) {
      vouchedSize = Math.max(vouchedSize, head.tree_size);
      continue;
    }
    const from = vouchedSize;
    const to = head.tree_size - 1;
    problems.push({
      index: from,
      message:
        from === to
          ? `audit log entry ${from} does not match its hash: the signed head of tree size ${head.tree_size} ` +
            `does not match the stored tree (the entry was rewritten with its leaf hash recomputed)`
          : `audit log entries ${from}–${to} do not match the signed head of tree size ${head.tree_size}: ` +
            `one of them was rewritten with its leaf hash recomputed`,
      exact: from === to,
    });
  }

  const first = firstProblem(problems);
  if (first) {
    return {
      ok: false,
      entries: snapshot.rows.length,
      heads: heads.length,
      firstBadIndex: first.index,
      reason: first.message,
      head: null,
    };
  }
  const head = signTreeHead(
    {
      tree_size: snapshot.denseSize,
      root_hash: storedTree.root().toString('hex'),
      timestamp: Date.now(),
    },
    keys,
  );
  return {
    ok: true,
    entries: snapshot.rows.length,
    heads: heads.length,
    firstBadIndex: null,
    reason: null,
    head,
  };
}

/** The problem at the lowest entry index (an exact one on a tie); head-only faults come last. */
function firstProblem(problems: Problem[]): Problem | null {
  let best: Problem | null = null;
  for (const p of problems) {
    if (!best) best = p;
    else if (p.index === null) continue;
    else if (
      best.index === null ||
      p.index < best.index ||
      (p.index === best.index && p.exact && !best.exact)
    )
      best = p;
  }
  return best;
}
