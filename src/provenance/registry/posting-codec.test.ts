import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePostings, encodePostings, keyOrder } from './posting-codec.js';

function decoded(data: Uint8Array, base: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  decodePostings(data, base, (key, ordinal, position) => {
    out.push([key, ordinal, position]);
  });
  return out;
}

describe('posting codec', () => {
  it('round-trips postings with their positions, in key order (property)', () => {
    const posting = fc.tuple(
      fc.nat({ max: 2 ** 32 - 1 }),
      fc.nat(5000),
      fc.integer({ min: -1, max: 70_000 }),
    );
    fc.assert(
      fc.property(fc.array(posting, { minLength: 1, maxLength: 300 }), fc.nat(1000), (postings, base) => {
        const data = encodePostings(
          {
            keys: Uint32Array.from(postings.map((p) => p[0])),
            ordinals: Uint32Array.from(postings.map((p) => p[1] + base)),
            positions: Int32Array.from(postings.map((p) => p[2])),
          },
          base,
        );
        const back = decoded(data, base);
        const expected = postings
          .map(([key, ordinal, position]): [number, number, number] => [key, ordinal + base, position])
          .sort((a, b) => a[0] - b[0]);
        expect(back.map((p) => p[0])).toEqual(expected.map((p) => p[0]));
        // equal keys may come in any order; compare as multisets
        const sorted = (list: [number, number, number][]) => list.map((p) => p.join(',')).sort();
        expect(sorted(back)).toEqual(sorted(expected));
      }),
      { numRuns: 200 },
    );
  });

  it('still reads segments written before positions were kept (format 1), with unknown positions', () => {
    // count 2; key 5, ordinal base+0; key 5+300, ordinal base+2 (300 = 0xac 0x02 in LEB128)
    const formatOne = Uint8Array.from([2, 5, 0, 0xac, 0x02, 2]);
    expect(decoded(formatOne, 10)).toEqual([
      [5, 10, -1],
      [305, 12, -1],
    ]);
  });

  it('refuses a truncated segment or an unknown format', () => {
    const data = encodePostings(
      {
        keys: Uint32Array.from([1, 2]),
        ordinals: Uint32Array.from([3, 4]),
        positions: Int32Array.from([0, 9]),
      },
      3,
    );
    expect(() => decoded(data.subarray(0, data.length - 1), 3)).toThrow(/truncated/);
    expect(() => decoded(Uint8Array.from([0, 9, 1, 1, 1, 1]), 0)).toThrow(/unknown format 9/);
  });

  it('orders keys with a stable radix sort', () => {
    const keys = Uint32Array.from([0xffff0000, 7, 0x10000, 7, 0]);
    expect(Array.from(keyOrder(keys))).toEqual([4, 1, 3, 2, 0]);
  });
});
