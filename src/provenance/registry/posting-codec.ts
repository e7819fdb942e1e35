// The on-disk form of a segment's postings (fingerprint key → output ordinal): sorted by key, then
// delta-coded as LEB128 varints, about 4 bytes a posting against 12+ for a row per fingerprint.
// Layout: varint count, then per posting varint(key − previous key), varint(ordinal − base ordinal).

export interface Postings {
  keys: Uint32Array;
  ordinals: Uint32Array;
}

function writeVarint(out: Uint8Array, at: number, value: number): number {
  let v = value;
  let i = at;
  while (v >= 0x80) {
    out[i++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  out[i++] = v;
  return i;
}

/** Sorts the postings by (key, ordinal) and encodes them relative to `baseOrdinal`. */
export function encodePostings({ keys, ordinals }: Postings, baseOrdinal: number): Uint8Array {
  const n = keys.length;
  let span = 0;
  for (let i = 0; i < n; i++) {
    const offset = ordinals[i] - baseOrdinal;
    if (offset < 0) throw new Error('a posting names an ordinal below the segment base');
    if (offset > span) span = offset;
  }
  const out = new Uint8Array(5 + n * 10);
  let at = writeVarint(out, 0, n);
  let previous = 0;
  if (span < 2 ** 21) {
    // key · 2^21 + offset is exact in a double (53 bits): one native numeric sort, no comparator
    const packed = new Float64Array(n);
    for (let i = 0; i < n; i++) packed[i] = keys[i] * 2097152 + (ordinals[i] - baseOrdinal);
    packed.sort();
    for (let i = 0; i < n; i++) {
      const key = Math.floor(packed[i] / 2097152);
      at = writeVarint(out, at, key - previous);
      at = writeVarint(out, at, packed[i] - key * 2097152);
      previous = key;
    }
    return out.slice(0, at);
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => keys[a] - keys[b] || ordinals[a] - ordinals[b]);
  for (let i = 0; i < n; i++) {
    const j = order[i];
    at = writeVarint(out, at, keys[j] - previous);
    at = writeVarint(out, at, ordinals[j] - baseOrdinal);
    previous = keys[j];
  }
  return out.slice(0, at);
}

/** Decodes a segment; calls `visit(key, ordinal)` for each posting in key order. */
export function decodePostings(
  data: Uint8Array,
  baseOrdinal: number,
  visit: (key: number, ordinal: number) => void,
): number {
  let at = 0;
  const read = (): number => {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (at >= data.length) throw new Error('a postings segment is truncated');
      const byte = data[at++];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
  };
  const n = read();
  let key = 0;
  for (let i = 0; i < n; i++) {
    key += read();
    visit(key, baseOrdinal + read());
  }
  return n;
}
