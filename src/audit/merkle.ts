// Merkle tree math of Certificate Transparency, pure and dependency-free but for node:crypto, so an
// outside party can copy this one file to check Warden's proofs.
//
// Hashes, tree shape, audit paths and consistency proofs follow RFC 6962 §2.1 (Laurie, Langley,
// Kasper, 2013): leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right), MTH of n > 1
// leaves splits at k = the largest power of two smaller than n. The verifiers follow the algorithms of
// RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) (Laurie, Messeri, Stradling, 2021).
import { createHash } from 'node:crypto';

export const HASH_SIZE = 32;

/** MTH({}) = SHA-256() — the root of the empty tree (RFC 6962 §2.1). */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

/** RFC 6962 leaf hash: SHA-256(0x00 || data). */
export function leafHash(data: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.of(0x00)).update(data).digest();
}

/** RFC 6962 interior node hash: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  // One update of one buffer: a tree of n leaves takes n - 1 of these, so call overhead counts.
  const input = Buffer.allocUnsafe(1 + left.length + right.length);
  input[0] = 0x01;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return createHash('sha256').update(input).digest();
}

/** The largest power of two strictly smaller than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function checkLeaves(leaves: readonly Uint8Array[]): void {
  if (!Array.isArray(leaves)) throw new TypeError('leaves must be an array of 32-byte leaf hashes');
  for (const leaf of leaves) {
    if (!(leaf instanceof Uint8Array) || leaf.length !== HASH_SIZE)
      throw new TypeError('every leaf must be a 32-byte leaf hash');
  }
}

function checkSize(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be an integer ≥ 0`);
}

/**
 * A tree over leaf hashes with every complete, aligned subtree (2^j leaves starting at a multiple of
 * 2^j) hashed once: n - 1 hashes to build, then any prefix root or proof is O(log² n) lookups and
 * hashes. RFC 6962's recursion only ever needs such subtrees plus the nodes joining them.
 */
export class MerkleTree {
  readonly #levels: Uint8Array[][];

  constructor(leaves: readonly Uint8Array[]) {
    checkLeaves(leaves);
    this.#levels = [leaves.slice()];
    for (let below = this.#levels[0]; below.length >= 2; ) {
      const level: Buffer[] = new Array(Math.floor(below.length / 2));
      for (let i = 0; i < level.length; i++) level[i] = nodeHash(below[2 * i], below[2 * i + 1]);
      this.#levels.push(level);
      below = level;
    }
  }

  get size(): number {
    return this.#levels[0].length;
  }

  #checkTreeSize(size: number): void {
    checkSize('tree size', size);
    if (size > this.size) throw new RangeError(`tree size ${size} exceeds the ${this.size} leaves`);
  }

  /** MTH(D[start:end]) of RFC 6962 §2.1. */
  #subtree(start: number, end: number): Buffer {
    const n = end - start;
    if (n === 0) return EMPTY_ROOT;
    const level = Math.log2(n);
    if (Number.isInteger(level) && start % n === 0) return Buffer.from(this.#levels[level][start / n]);
    const k = splitPoint(n);
    return nodeHash(this.#subtree(start, start + k), this.#subtree(start + k, end));
  }

  /** The Merkle Tree Hash of the first `size` leaves (all by default). */
  root(size: number = this.size): Buffer {
    this.#checkTreeSize(size);
    return this.#subtree(0, size);
  }

  /** PATH(m, D[n]) of RFC 6962 §2.1.1 for leaf `index` in the tree of the first `size` leaves, bottom up. */
  inclusionPath(index: number, size: number = this.size): Buffer[] {
    this.#checkTreeSize(size);
    checkSize('index', index);
    if (index >= size) throw new RangeError(`leaf ${index} is not in a tree of size ${size}`);
    const path: Buffer[] = [];
    // Walk down from the root, collecting the sibling subtree at each split; reversed, bottom up.
    let start = 0;
    let end = size;
    let m = index;
    while (end - start > 1) {
      const k = splitPoint(end - start);
      if (m < k) {
        path.push(this.#subtree(start + k, end));
        end = start + k;
      } else {
        path.push(this.#subtree(start, start + k));
        start += k;
        m -= k;
      }
    }
    return path.reverse();
  }

  /**
   * PROOF(m, D[n]) of RFC 6962 §2.1.2: the tree of the first `first` leaves is a prefix of the tree of
   * the first `second`. Empty when first is 0 or equals second.
   */
  consistencyPath(first: number, second: number): Buffer[] {
    this.#checkTreeSize(second);
    checkSize('first', first);
    if (first > second) throw new RangeError(`the first tree size ${first} exceeds the second ${second}`);
    if (first === 0 || first === second) return [];
    return this.#subproof(first, 0, second, true);
  }

  /** SUBPROOF(m, D[start:end], b) of RFC 6962 §2.1.2, in the RFC's order. */
  #subproof(m: number, start: number, end: number, b: boolean): Buffer[] {
    const n = end - start;
    if (m === n) return b ? [] : [this.#subtree(start, end)];
    const k = splitPoint(n);
    if (m <= k) return [...this.#subproof(m, start, start + k, b), this.#subtree(start + k, end)];
    return [...this.#subproof(m - k, start + k, end, false), this.#subtree(start, start + k)];
  }
}

/** The Merkle Tree Hash of the first `size` leaf hashes (all of them by default). */
export function merkleRoot(leaves: readonly Uint8Array[], size: number = leaves.length): Buffer {
  checkSize('size', size);
  if (size > leaves.length) throw new RangeError(`tree size ${size} exceeds the ${leaves.length} leaves`);
  return new MerkleTree(leaves.slice(0, size)).root();
}

/** PATH(m, D[n]) of RFC 6962 §2.1.1: the audit path of leaf `index` in the tree of the first `size` leaves. */
export function inclusionPath(
  leaves: readonly Uint8Array[],
  index: number,
  size: number = leaves.length,
): Buffer[] {
  checkSize('size', size);
  if (size > leaves.length) throw new RangeError(`tree size ${size} exceeds the ${leaves.length} leaves`);
  return new MerkleTree(leaves.slice(0, size)).inclusionPath(index);
}

/** PROOF(m, D[n]) of RFC 6962 §2.1.2 between the trees of the first `first` and `second` leaves. */
export function consistencyPath(leaves: readonly Uint8Array[], first: number, second: number): Buffer[] {
  checkSize('second', second);
  if (second > leaves.length) throw new RangeError(`tree size ${second} exceeds the ${leaves.length} leaves`);
  return new MerkleTree(leaves.slice(0, second)).consistencyPath(first, second);
}

function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === HASH_SIZE;
}

function isLsbSet(x: number): boolean {
  return x % 2 === 1;
}

// Sizes reach past 2^32, so halving is arithmetic, not `>>`.
function half(x: number): number {
  return Math.floor(x / 2);
}

/**
 * RFC 9162 §2.1.3.2: does `path` prove that `leaf` (a leaf hash) is entry `index` of the tree of
 * `size` leaves whose root is `root`? Never throws; malformed input is simply not a proof.
 */
export function verifyInclusionPath(
  leaf: Uint8Array,
  index: number,
  size: number,
  path: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isHash(leaf) || !isHash(root) || !Array.isArray(path) || !path.every(isHash)) return false;
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of path) {
    if (sn === 0) return false;
    if (isLsbSet(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!isLsbSet(fn)) {
        while (!isLsbSet(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && r.equals(root);
}

/**
 * RFC 9162 §2.1.4.2: does `proof` show that the tree of `first` leaves with root `firstRoot` is a
 * prefix of the tree of `second` leaves with root `secondRoot`? The RFC's algorithm covers
 * 0 < first < second; equal sizes need an empty proof and equal roots, and the empty tree is a prefix
 * of every tree (with an empty proof). Never throws.
 */
export function verifyConsistencyPath(
  first: number,
  second: number,
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!isHash(firstRoot) || !isHash(secondRoot) || !Array.isArray(proof) || !proof.every(isHash))
    return false;
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second)
    return false;
  if (first === second) return proof.length === 0 && Buffer.from(firstRoot).equals(secondRoot);
  if (first === 0) return proof.length === 0 && EMPTY_ROOT.equals(firstRoot);
  if (proof.length === 0) return false;
  // Step 2: when first is a power of two, the old root is itself a node of the new tree.
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  let fn = first - 1;
  let sn = second - 1;
  while (isLsbSet(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr: Buffer = Buffer.from(path[0]);
  let sr: Buffer = Buffer.from(path[0]);
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (isLsbSet(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!isLsbSet(fn)) {
        while (!isLsbSet(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && fr.equals(firstRoot) && sr.equals(secondRoot);
}

function isPowerOfTwo(x: number): boolean {
  if (x < 1) return false;
  let y = x;
  while (y % 2 === 0) y /= 2;
  return y === 1;
}
