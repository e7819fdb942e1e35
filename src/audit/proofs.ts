// Inclusion and consistency proofs over the stored log, in the wire shape an outside party checks
// (hex hashes), and the verifiers for that shape. The math is in merkle.ts (RFC 6962 / RFC 9162).
import type { Store } from '../store/store.js';
import { MerkleTree, verifyConsistencyPath, verifyInclusionPath } from './merkle.js';
import { readLeafHashes } from './read-log.js';

export interface InclusionProof {
  index: number;
  tree_size: number;
  /** Hex leaf hash of the entry (recompute it from the entry with `entryLeafHash`). */
  leaf_hash: string;
  /** RFC 6962 §2.1.1 PATH, hex, bottom to top. */
  audit_path: string[];
  /** Hex root of the tree of `tree_size` entries, as the log computes it. */
  root_hash: string;
}

export interface ConsistencyProof {
  first: number;
  second: number;
  /** RFC 6962 §2.1.2 PROOF, hex. */
  proof: string[];
}

async function currentSize(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom('audit_entries')
    .select((eb) => eb.fn.max('entry_index').as('last'))
    .executeTakeFirst();
  return row?.last === null || row?.last === undefined ? 0 : Number(row.last) + 1;
}

function checkTreeSize(name: string, value: number, size: number): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${name} must be an integer ≥ 0 (got ${value})`);
  if (value > size) throw new RangeError(`${name} ${value} exceeds the audit log's ${size} entries`);
}

/** The inclusion proof of entry `index` in the tree of the first `treeSize` entries (all by default). */
export async function inclusionProof(
  store: Store,
  index: number,
  treeSize?: number,
): Promise<InclusionProof> {
  const size = await currentSize(store);
  const treeSizeUsed = treeSize ?? size;
  checkTreeSize('tree size', treeSizeUsed, size);
  if (!Number.isSafeInteger(index) || index < 0 || index >= treeSizeUsed)
    throw new RangeError(`audit log entry ${index} is not in a tree of ${treeSizeUsed} entries`);
  const leaves = await readLeafHashes(store, treeSizeUsed);
  const tree = new MerkleTree(leaves);
  return {
    index,
    tree_size: treeSizeUsed,
    leaf_hash: leaves[index].toString('hex'),
    audit_path: tree.inclusionPath(index).map(hex),
    root_hash: tree.root().toString('hex'),
  };
}

/** The consistency proof that the tree of `first` entries is a prefix of the tree of `second`. */
export async function consistencyProof(
  store: Store,
  first: number,
  second: number,
): Promise<ConsistencyProof> {
  const size = await currentSize(store);
  checkTreeSize('second tree size', second, size);
  checkTreeSize('first tree size', first, second);
  const leaves = await readLeafHashes(store, second);
  return { first, second, proof: new MerkleTree(leaves).consistencyPath(first, second).map(hex) };
}

/**
 * Does `proof` show its entry is in the tree whose root is `rootHash`? Take `rootHash` from a signed
 * head you trust (checked with verifyTreeHeadSignature), not from the proof's own `root_hash`.
 */
export function verifyInclusion(
  proof: Pick<InclusionProof, 'index' | 'tree_size' | 'leaf_hash' | 'audit_path'>,
  rootHash: string,
): boolean {
  const leaf = fromHex(proof.leaf_hash);
  const root = fromHex(rootHash);
  const path = Array.isArray(proof.audit_path) ? proof.audit_path.map(fromHex) : null;
  if (!leaf || !root || !path || path.some((p) => p === null)) return false;
  return verifyInclusionPath(leaf, proof.index, proof.tree_size, path as Buffer[], root);
}

/** Does `proof` show the tree of `first` entries (root `firstRoot`) is a prefix of the tree of `second`? */
export function verifyConsistency(proof: ConsistencyProof, firstRoot: string, secondRoot: string): boolean {
  const a = fromHex(firstRoot);
  const b = fromHex(secondRoot);
  const path = Array.isArray(proof.proof) ? proof.proof.map(fromHex) : null;
  if (!a || !b || !path || path.some((p) => p === null)) return false;
  return verifyConsistencyPath(proof.first, proof.second, a, b, path as Buffer[]);
}

function hex(hash: Buffer): string {
  return hash.toString('hex');
}

function fromHex(value: unknown): Buffer | null {
  return typeof value === 'string' && /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : null;
}
