// The text the demo model's Markov chain is built from: chapters of Jane Austen's "Pride and
// Prejudice" (public domain; see assets/demo/NOTICE), read and built once per process.

import { readFileSync } from 'node:fs';
import { buildMarkovChain, type MarkovChain } from './markov-chain.js';

// Three levels up from both src/upstreams/demo/ and dist/upstreams/demo/ is the package root.
export const DEMO_TEXT_URL = new URL(
  '../../../assets/demo/pride-and-prejudice-chapters-1-15.txt',
  import.meta.url,
);

let chain: MarkovChain | undefined;

export function demoMarkovChain(): MarkovChain {
  chain ??= buildMarkovChain(readFileSync(DEMO_TEXT_URL, 'utf8'));
  return chain;
}
