// Merkle math against the Certificate Transparency reference vectors (the leaves, roots and proofs
// used by the RFC 6962 implementations' test suites) and, with fast-check, against its own laws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  consistencyPath,
  EMPTY_ROOT,
  inclusionPath,
  leafHash,
  MerkleTree,
  merkleRoot,
  nodeHash,
  verifyConsistencyPath,
  verifyInclusionPath,
} from './merkle.js';

const hex = (b: Buffer) => b.toString('hex');
const unhex = (s: string) => Buffer.from(s, 'hex');

const CT_DATA = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(unhex);
const CT_LEAVES = CT_DATA.map(leafHash);
// ROOTS[n] is the root of the first n leaves.
const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const CT_INCLUSION = [
  {
    index: 0,
    size: 8,
    path: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    path: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];
const CT_CONSISTENCY = [
  {
    first: 2,
    second: 8,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    first: 6,
    second: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

describe('RFC 6962 reference vectors', () => {
  it('hashes leaves and nodes with the 0x00 / 0x01 prefixes', () => {
    expect(hex(leafHash(Buffer.alloc(0)))).toBe(CT_ROOTS[1]);
    expect(hex(EMPTY_ROOT)).toBe(CT_ROOTS[0]);
    expect(hex(nodeHash(CT_LEAVES[0], CT_LEAVES[1]))).toBe(CT_ROOTS[2]);
  });

  it('gives the published root for every tree size 0..8', () => {
    for (let n = 0; n <= 8; n++) expect(hex(merkleRoot(CT_LEAVES, n)), `size ${n}`).toBe(CT_ROOTS[n]);
  });

  it('gives the published audit paths, and they verify', () => {
    for (const v of CT_INCLUSION) {
      expect(inclusionPath(CT_LEAVES, v.index, v.size).map(hex)).toEqual(v.path);
      expect(
        verifyInclusionPath(CT_LEAVES[v.index], v.index, v.size, v.path.map(unhex), unhex(CT_ROOTS[v.size])),
      ).toBe(true);
    }
  });

  it('gives the published consistency proofs, and they verify', () => {
    for (const v of CT_CONSISTENCY) {
      expect(consistencyPath(CT_LEAVES, v.first, v.second).map(hex)).toEqual(v.proof);
      expect(
        verifyConsistencyPath(
          v.first,
          v.second,
          unhex(CT_ROOTS[v.first]),
          unhex(CT_ROOTS[v.second]),
          v.proof.map(unhex),
        ),
      ).toBe(true);
    }
  });

  it('splits at the largest power of two below n, not the midpoint', () => {
    // n = 3: MTH = node(node(l0, l1), l2); a midpoint split would give node(l0, node(l1, l2)).
    const [l0, l1, l2] = CT_LEAVES;
    expect(hex(merkleRoot(CT_LEAVES, 3))).toBe(hex(nodeHash(nodeHash(l0, l1), l2)));
    expect(hex(merkleRoot(CT_LEAVES, 3))).not.toBe(hex(nodeHash(l0, nodeHash(l1, l2))));
  });
});

// 64 distinct leaves; trees are their prefixes.
const LEAVES = Array.from({ length: 64 }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));
const ROOTS = Array.from({ length: 65 }, (_, n) => merkleRoot(LEAVES, n));

describe('Merkle proofs, exhaustively up to 64 leaves', () => {
  it('every inclusion proof verifies, and fails for any other leaf or index', () => {
    for (let n = 1; n <= 64; n++) {
      for (let i = 0; i < n; i++) {
        const path = inclusionPath(LEAVES, i, n);
        expect(verifyInclusionPath(LEAVES[i], i, n, path, ROOTS[n]), `${i} of ${n}`).toBe(true);
        const other = (i + 1) % n;
        if (other !== i) {
          expect(verifyInclusionPath(LEAVES[other], i, n, path, ROOTS[n])).toBe(false);
          expect(verifyInclusionPath(LEAVES[i], other, n, path, ROOTS[n])).toBe(false);
        }
        if (n > 1) expect(verifyInclusionPath(LEAVES[i], i, n, path, ROOTS[n - 1])).toBe(false);
      }
    }
  });

  it('every consistency proof m ≤ n verifies, and fails against a different old root', () => {
    for (let n = 0; n <= 64; n++) {
      for (let m = 0; m <= n; m++) {
        const proof = consistencyPath(LEAVES, m, n);
        expect(verifyConsistencyPath(m, n, ROOTS[m], ROOTS[n], proof), `${m} → ${n}`).toBe(true);
        if (m > 0 && m < n) {
          expect(verifyConsistencyPath(m, n, ROOTS[m - 1], ROOTS[n], proof)).toBe(false);
          expect(verifyConsistencyPath(m, n, ROOTS[m], ROOTS[n - 1], proof)).toBe(false);
        }
      }
    }
  });

  it('handles the degenerate consistency cases', () => {
    expect(verifyConsistencyPath(4, 4, ROOTS[4], ROOTS[4], [])).toBe(true);
    expect(verifyConsistencyPath(4, 4, ROOTS[4], ROOTS[5], [])).toBe(false);
    expect(verifyConsistencyPath(4, 4, ROOTS[4], ROOTS[4], [ROOTS[1]])).toBe(false);
    expect(verifyConsistencyPath(0, 8, EMPTY_ROOT, ROOTS[8], [])).toBe(true);
    expect(verifyConsistencyPath(0, 8, ROOTS[1], ROOTS[8], [])).toBe(false);
    expect(verifyConsistencyPath(6, 8, ROOTS[6], ROOTS[8], [])).toBe(false);
    expect(verifyConsistencyPath(8, 6, ROOTS[8], ROOTS[6], consistencyPath(LEAVES, 6, 8))).toBe(false);
  });

  it('refuses malformed input without throwing in the verifiers', () => {
    const path = inclusionPath(LEAVES, 5, 8);
    expect(verifyInclusionPath(Buffer.alloc(31), 5, 8, path, ROOTS[8])).toBe(false);
    expect(verifyInclusionPath(LEAVES[5], 8, 8, path, ROOTS[8])).toBe(false);
    expect(verifyInclusionPath(LEAVES[5], -1, 8, path, ROOTS[8])).toBe(false);
    expect(verifyInclusionPath(LEAVES[5], 5, 8, [...path, ROOTS[1]], ROOTS[8])).toBe(false);
    expect(verifyInclusionPath(LEAVES[5], 5, 8, path.slice(1), ROOTS[8])).toBe(false);
    expect(() => inclusionPath(LEAVES, 8, 8)).toThrow(RangeError);
    expect(() => consistencyPath(LEAVES, 5, 3)).toThrow(RangeError);
    expect(() => merkleRoot(LEAVES, 65)).toThrow(RangeError);
  });
});

describe('Merkle proofs, property-based', () => {
  const tree = fc
    .integer({ min: 1, max: 200 })
    .chain((n) => fc.tuple(fc.constant(n), fc.nat({ max: n - 1 }), fc.nat({ max: n })));
  const leaves = Array.from({ length: 200 }, (_, i) => leafHash(Buffer.from([i & 0xff, i >> 8, 7])));

  it('an inclusion proof verifies only for its own leaf, and any flipped bit breaks it', () => {
    fc.assert(
      fc.property(tree, fc.nat(), ([n, i], bit) => {
        const root = merkleRoot(leaves, n);
        const path = inclusionPath(leaves, i, n);
        expect(verifyInclusionPath(leaves[i], i, n, path, root)).toBe(true);
        const wrong = leaves[(i + 1) % 200];
        expect(verifyInclusionPath(wrong, i, n, path, root)).toBe(false);
        if (path.length > 0) {
          const flipped = path.map((p) => Buffer.from(p));
          const b = bit % (flipped.length * 256);
          flipped[Math.floor(b / 256)][(b % 256) >> 3] ^= 1 << (b & 7);
          expect(verifyInclusionPath(leaves[i], i, n, flipped, root)).toBe(false);
        }
      }),
    );
  });

  it('a consistency proof verifies between prefixes and fails when the old tree was altered', () => {
    fc.assert(
      fc.property(tree, ([n, , m]) => {
        const proof = consistencyPath(leaves, m, n);
        expect(verifyConsistencyPath(m, n, merkleRoot(leaves, m), merkleRoot(leaves, n), proof)).toBe(true);
        if (m > 0 && m < n) {
          const altered = leaves.slice(0, m);
          altered[m - 1] = leafHash(Buffer.from('rewritten'));
          expect(verifyConsistencyPath(m, n, merkleRoot(altered), merkleRoot(leaves, n), proof)).toBe(false);
        }
      }),
    );
  });
});

describe('MerkleTree (cached complete subtrees)', () => {
  // RFC 6962 §2.1's definition, written out directly: the reference the cached tree must agree with.
  const mth = (d: Buffer[]): Buffer => {
    if (d.length === 0) return EMPTY_ROOT;
    if (d.length === 1) return d[0];
    let k = 1;
    while (k * 2 < d.length) k *= 2;
    return nodeHash(mth(d.slice(0, k)), mth(d.slice(k)));
  };

  it('gives the same root as the RFC definition for every prefix of a 130-leaf tree', () => {
    const leaves = Array.from({ length: 130 }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
    const tree = new MerkleTree(leaves);
    for (let n = 0; n <= 130; n++) expect(hex(tree.root(n)), `size ${n}`).toBe(hex(mth(leaves.slice(0, n))));
  });

  it('gives proofs for prefixes that verify against the prefix roots', () => {
    const leaves = Array.from({ length: 77 }, (_, i) => leafHash(Buffer.from([i])));
    const tree = new MerkleTree(leaves);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 77 }), fc.nat(), fc.nat(), (n, i, m) => {
        const index = i % n;
        const first = m % (n + 1);
        const root = tree.root(n);
        expect(verifyInclusionPath(leaves[index], index, n, tree.inclusionPath(index, n), root)).toBe(true);
        expect(verifyConsistencyPath(first, n, tree.root(first), root, tree.consistencyPath(first, n))).toBe(
          true,
        );
      }),
    );
  });
});
