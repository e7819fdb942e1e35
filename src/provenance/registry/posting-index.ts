// The in-memory fingerprint index the tracer looks keys up in: a bucketed hash table over parallel
// typed arrays (the bucket is the key's top bits; a counting sort builds it in two passes, O(n)),
// plus a small map for postings added since the last build. Each posting carries the position of its
// k-gram in the output (16 bits; UNKNOWN_POSITION when not known or beyond 65,534 alignment units).
// 10^8 postings (10^6 outputs) take ~1.1 GB; a lookup reads one bucket of a handful of entries.
import { UNKNOWN_POSITION } from '../fingerprint/index.js';

function storedPosition(position: number): number {
  return position >= 0 && position < UNKNOWN_POSITION ? position : UNKNOWN_POSITION;
}

export class PostingIndex {
  #shift = 32;
  #directory = new Uint32Array(2);
  #keys = new Uint32Array(0);
  #ordinals = new Uint32Array(0);
  #positions = new Uint16Array(0);
  /** Postings added since the last build: key → [ordinal, position, ordinal, position, …]. */
  #recent = new Map<number, number[]>();
  #recentCount = 0;
  // Bulk-loaded postings not yet in the table (see `load`; `rebuild` folds them in).
  #pendingKeys = new Uint32Array(0);
  #pendingOrdinals = new Uint32Array(0);
  #pendingPositions = new Uint16Array(0);
  #pendingCount = 0;
  /** Fingerprints per output ordinal (for containment scores). */
  #perOutput = new Uint16Array(1024);
  /** Account number per output ordinal (0 = unknown); see `setAccount`. */
  #accounts = new Uint32Array(1024);
  #maxOrdinal = 0;

  get size(): number {
    return this.#keys.length + this.#recentCount;
  }

  get maxOrdinal(): number {
    return this.#maxOrdinal;
  }

  /** How many fingerprints the output with this ordinal has. */
  fingerprintsOf(ordinal: number): number {
    return ordinal < this.#perOutput.length ? this.#perOutput[ordinal] : 0;
  }

  /** Records which account (a small number the caller assigns, 1 or more) an output was served to. */
  setAccount(ordinal: number, account: number): void {
    if (ordinal >= this.#accounts.length) {
      let size = this.#accounts.length;
      while (size <= ordinal) size *= 2;
      const grown = new Uint32Array(size);
      grown.set(this.#accounts);
      this.#accounts = grown;
    }
    this.#accounts[ordinal] = account;
  }

  /** The account number of an output (0 when not recorded). */
  accountOf(ordinal: number): number {
    return ordinal < this.#accounts.length ? this.#accounts[ordinal] : 0;
  }

  #count(ordinal: number): void {
    if (ordinal >= this.#perOutput.length) {
      let size = this.#perOutput.length;
      while (size <= ordinal) size *= 2;
      const grown = new Uint16Array(size);
      grown.set(this.#perOutput);
      this.#perOutput = grown;
    }
    if (this.#perOutput[ordinal] < 0xffff) this.#perOutput[ordinal]++;
    if (ordinal > this.#maxOrdinal) this.#maxOrdinal = ordinal;
  }

  add(key: number, ordinal: number, position = -1): void {
    const list = this.#recent.get(key);
    if (list) list.push(ordinal, storedPosition(position));
    else this.#recent.set(key, [ordinal, storedPosition(position)]);
    this.#recentCount++;
    this.#count(ordinal);
    if (this.#recentCount > Math.max(1 << 20, this.#keys.length >>> 3)) this.rebuild();
  }

  /** Queues one posting for the next `rebuild` (bulk loading; not visible to lookups until then). */
  load(key: number, ordinal: number, position = -1): void {
    if (this.#pendingCount === this.#pendingKeys.length) {
      const size = Math.max(1 << 16, this.#pendingKeys.length * 2);
      const keys = new Uint32Array(size);
      const ordinals = new Uint32Array(size);
      const positions = new Uint16Array(size);
      keys.set(this.#pendingKeys);
      ordinals.set(this.#pendingOrdinals);
      positions.set(this.#pendingPositions);
      this.#pendingKeys = keys;
      this.#pendingOrdinals = ordinals;
      this.#pendingPositions = positions;
    }
    this.#pendingKeys[this.#pendingCount] = key;
    this.#pendingPositions[this.#pendingCount] = storedPosition(position);
    this.#pendingOrdinals[this.#pendingCount++] = ordinal;
    this.#count(ordinal);
  }

  /** Folds the recent and bulk-loaded postings into the bucketed table. */
  rebuild(): void {
    const total = this.#keys.length + this.#recentCount + this.#pendingCount;
    const keys = new Uint32Array(total);
    const ordinals = new Uint32Array(total);
    const positions = new Uint16Array(total);
    keys.set(this.#keys);
    ordinals.set(this.#ordinals);
    positions.set(this.#positions);
    keys.set(this.#pendingKeys.subarray(0, this.#pendingCount), this.#keys.length);
    ordinals.set(this.#pendingOrdinals.subarray(0, this.#pendingCount), this.#keys.length);
    positions.set(this.#pendingPositions.subarray(0, this.#pendingCount), this.#keys.length);
    let at = this.#keys.length + this.#pendingCount;
    for (const [key, list] of this.#recent) {
      for (let i = 0; i < list.length; i += 2) {
        keys[at] = key;
        ordinals[at] = list[i];
        positions[at++] = list[i + 1];
      }
    }
    // about 4 postings a bucket
    let bits = 1;
    while (bits < 28 && 1 << (bits + 2) < total) bits++;
    const shift = 32 - bits;
    const buckets = 1 << bits;
    const directory = new Uint32Array(buckets + 1);
    for (let i = 0; i < total; i++) directory[(keys[i] >>> shift) + 1]++;
    for (let b = 0; b < buckets; b++) directory[b + 1] += directory[b];
    const fill = directory.slice(0, buckets);
    const sortedKeys = new Uint32Array(total);
    const sortedOrdinals = new Uint32Array(total);
    const sortedPositions = new Uint16Array(total);
    for (let i = 0; i < total; i++) {
      const slot = fill[keys[i] >>> shift]++;
      sortedKeys[slot] = keys[i];
      sortedOrdinals[slot] = ordinals[i];
      sortedPositions[slot] = positions[i];
    }
    this.#shift = shift;
    this.#directory = directory;
    this.#keys = sortedKeys;
    this.#ordinals = sortedOrdinals;
    this.#positions = sortedPositions;
    this.#recent = new Map();
    this.#recentCount = 0;
    this.#pendingKeys = new Uint32Array(0);
    this.#pendingOrdinals = new Uint32Array(0);
    this.#pendingPositions = new Uint16Array(0);
    this.#pendingCount = 0;
  }

  /**
   * Calls `visit` with the ordinal of every output holding `key` (and the word position of the
   * fingerprint in it, UNKNOWN_POSITION if not known) and returns how many there were; stops after
   * `limit` of them (boilerplate fingerprints are held by thousands of outputs).
   */
  lookup(
    key: number,
    visit?: (ordinal: number, position: number) => void,
    limit = Number.POSITIVE_INFINITY,
  ): number {
    let found = 0;
    if (this.#keys.length > 0) {
      const bucket = this.#shift === 32 ? 0 : key >>> this.#shift;
      const end = this.#directory[bucket + 1];
      for (let i = this.#directory[bucket]; i < end && found < limit; i++) {
        if (this.#keys[i] === key) {
          found++;
          visit?.(this.#ordinals[i], this.#positions[i]);
        }
      }
    }
    // Most lookups miss; a table without recent postings skips the Map.
    const recent = this.#recentCount === 0 ? undefined : this.#recent.get(key);
    if (recent) {
      for (let i = 0; i < recent.length && found < limit; i += 2) {
        found++;
        visit?.(recent[i], recent[i + 1]);
      }
    }
    return found;
  }
}
