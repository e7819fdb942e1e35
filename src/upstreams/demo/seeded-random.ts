// Deterministic random numbers for the demo model: a SHA-256 of the seed material feeds sfc32
// (Chris Doty-Humphrey's "Small Fast Counting" generator from PractRand), so the same request
// always draws the same numbers and different requests draw unrelated ones.

import { createHash } from 'node:crypto';
import type { Random } from './markov-chain.js';

export function seededRandom(seedMaterial: string): Random {
  const digest = createHash('sha256').update(seedMaterial).digest();
  let a = digest.readUInt32LE(0);
  let b = digest.readUInt32LE(4);
  let c = digest.readUInt32LE(8);
  let d = digest.readUInt32LE(12);
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next(); // mix the seed in, as the reference implementation does
  return next;
}
