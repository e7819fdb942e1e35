// The on-disk form of a segment's postings (fingerprint key → output ordinal and the fingerprint's
// word position in that output): sorted by key, then delta-coded as LEB128 varints, about 5 bytes a
// posting against 12+ for a row per fingerprint.
// Layout (format 2): byte 0, byte 2, varint count, then per posting varint(key − previous key),
// varint(ordinal − base ordinal), varint(position + 1) (0: unknown).
// Format 1 (segments written before positions were kept) has no header and no position: varint
// count, then varint(key − previous key), varint(ordinal − base ordinal). A format-1 segment never
// starts with byte 0 because empty segments are never written.

export interface Postings {
  keys: Uint32Array;
  ordinals: Uint32Array;
  /** Word position of each posting's k-gram in its output (−1 or absent: unknown). */
  positions?: Int32Array;
}

const FORMAT = 2;

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

/** Indices of `keys` in increasing key order: a stable LSD radix sort on two 16-bit digits, O(n). */
export function keyOrder(keys: Uint32Array): Uint32Array {
  const n = keys.length;
  let from = new Uint32Array(n);
  for (let i = 0; i < n; i++) from[i] = i;
  let to = new Uint32Array(n);
  for (const shift of [0, 16]) {
    const counts = new Uint32Array(65537);
    for (let i = 0; i < n; i++) counts[((keys[i] >>> shift) & 0xffff) + 1]++;
    for (let d = 0; d < 65536; d++) counts[d + 1] += counts[d];
    for (let i = 0; i < n; i++) {
      const j = from[i];
      to[counts[(keys[j] >>> shift) & 0xffff]++] = j;
    }
    [from, to] = [to, from];
  }
  return from;
}

/** Sorts the postings by key and encodes them relative to `baseOrdinal`. */
export function encodePostings({ keys, ordinals, positions }: Postings, baseOrdinal: number): Uint8Array {
  const n = keys.length;
  for (let i = 0; i < n; i++) {
    if (ordinals[i] < baseOrdinal) throw new Error('a posting names an ordinal below the segment base');
  }
  const out = new Uint8Array(7 + n * 15);
  out[0] = 0;
  out[1] = FORMAT;
  let at = writeVarint(out, 2, n);
  let previous = 0;
  const order = keyOrder(keys);
  for (let i = 0; i < n; i++) {
    const j = order[i];
    at = writeVarint(out, at, keys[j] - previous);
    at = writeVarint(out, at, ordinals[j] - baseOrdinal);
    const position = positions ? positions[j] : -1;
    at = writeVarint(out, at, position < 0 ? 0 : position + 1);
    previous = keys[j];
  }
  return out.slice(0, at);
}

/** Decodes a segment; calls `visit(key, ordinal, position)` for each posting in key order. */
export function decodePostings(
  data: Uint8Array,
  baseOrdinal: number,
  visit: (key: number, ordinal: number, position: number) => void,
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
  let format = 1;
  if (data.length >= 2 && data[0] === 0) {
    format = data[1];
    if (format !== FORMAT) throw new Error(`a postings segment has unknown format ${format}`);
    at = 2;
  }
  const n = read();
  let key = 0;
  for (let i = 0; i < n; i++) {
    key += read();
    const ordinal = baseOrdinal + read();
    visit(key, ordinal, format === 1 ? -1 : read() - 1);
  }
  return n;
}
