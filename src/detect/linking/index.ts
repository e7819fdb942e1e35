// Linking: accounts (and partners' end customers) that share specific keys — a system prompt, a
// prompt skeleton (the first or last 12 tokens of a long prompt), a client address, or text that was
// served to another account (output reuse) — are joined into one actor with union-find, so that
// the engine can pool their evidence. A key links only after an account has used it `minSupport`
// times, and a key seen in more than `maxAccountsPerKey` accounts is generic (a stock system prompt,
// a carrier NAT) and links no further accounts.
//
// Catches: one pipeline split over several accounts, or over a direct account and a partner channel.
// Misses: split accounts that share nothing observable (different prompts, addresses and system
// prompts); and linking can join unrelated customers of one product that share a template or
// address — pooling never adds content evidence that no member produced.
// Memory: ≤ maxKeysPerAccount counters per account; the output index holds ≤ maxOutputShingles.
import type { RequestView } from '../detector.js';
import { hashString } from '../text-tokens.js';

export interface LinkingOptions {
  minSupport?: number;
  maxAccountsPerKey?: number;
  maxKeysPerAccount?: number;
  maxOutputShingles?: number;
  /** System prompts shorter than this are too generic to link on. */
  minSystemPromptChars?: number;
  /**
   * A key links only once it is on at least this share of the account's requests: a pipeline's
   * template is on nearly all of them; a phrase that many humans paste (AlpacaEval's "I like to host
   * guests at my home from time to time…" prompts) is on a few.
   */
  minShare?: number;
}

export interface LinkEvidence {
  with: string;
  via: 'system_prompt' | 'prompt_skeleton' | 'client_address' | 'output_reuse';
  key: string;
}

export interface Linker {
  /** Folds one request; returns the pairs of previously separate actors it joined. */
  observe(view: RequestView): [string, string][];
  /** The actor's representative account. */
  find(account: string): string;
  members(account: string): string[];
  evidence(account: string): LinkEvidence[];
}

const SHINGLE = 8;

export function createLinker({
  minSupport = 3,
  maxAccountsPerKey = 8,
  maxKeysPerAccount = 64,
  maxOutputShingles = 200_000,
  minSystemPromptChars = 40,
  minShare = 0.25,
}: LinkingOptions = {}): Linker {
  const requests = new Map<string, number>();
  const parent = new Map<string, string>();
  const groups = new Map<string, string[]>();
  const keyCounts = new Map<string, Map<string, number>>();
  const keyAccounts = new Map<string, Set<string>>();
  const evidence = new Map<string, LinkEvidence[]>();
  // Two generations so the index stays bounded without forgetting everything at once.
  let outputs = new Map<number, string>();
  let previousOutputs = new Map<number, string>();

  function find(a: string): string {
    let root = parent.get(a) ?? a;
    if (root === a) return a;
    root = find(root);
    parent.set(a, root);
    return root;
  }

  function union(a: string, b: string): [string, string] | null {
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) return null;
    const ga = groups.get(ra) ?? [ra];
    const gb = groups.get(rb) ?? [rb];
    const [big, small] = ga.length >= gb.length ? [ra, rb] : [rb, ra];
    parent.set(small, big);
    groups.set(big, [...(groups.get(big) ?? [big]), ...(groups.get(small) ?? [small])]);
    groups.delete(small);
    return [big, small];
  }

  function note(account: string, other: string, via: LinkEvidence['via'], key: string): void {
    for (const [x, y] of [
      [account, other],
      [other, account],
    ]) {
      const list = evidence.get(x) ?? [];
      if (list.length < 16 && !list.some((e) => e.with === y && e.via === via))
        list.push({ with: y, via, key });
      evidence.set(x, list);
    }
  }

  /** True once, when `key` first has enough support in `account` (count and share). */
  function support(account: string, key: string): boolean {
    let counts = keyCounts.get(account);
    if (!counts) {
      counts = new Map();
      keyCounts.set(account, counts);
    }
    const c = counts.get(key);
    if (c === undefined && counts.size >= maxKeysPerAccount) {
      // Full: forget a key seen once (so a long-lived account can still link later), else skip.
      let victim: string | null = null;
      for (const [k, v] of counts)
        if (v === 1) {
          victim = k;
          break;
        }
      if (victim === null) return false;
      counts.delete(victim);
    }
    if (c !== undefined && c < 0) return false; // already linked through this key
    const count = (c ?? 0) + 1;
    if (count >= minSupport && count >= minShare * (requests.get(account) ?? count)) {
      counts.set(key, -1);
      return true;
    }
    counts.set(key, count);
    return false;
  }

  /** Hashes of sampled 8-word shingles (one pass over ≤ 3,000 characters, no allocations per word). */
  function shingleHashes(text: string, sampleMask: number): number[] {
    const wordHashes: number[] = [];
    const end = Math.min(text.length, 3000);
    let h = 0x811c9dc5;
    let inWord = false;
    for (let i = 0; i <= end; i++) {
      const c = i < end ? text.charCodeAt(i) : 32;
      if (c === 32 || c === 10 || c === 9 || c === 13) {
        if (inWord) wordHashes.push(h >>> 0);
        h = 0x811c9dc5;
        inWord = false;
        continue;
      }
      // ASCII letters fold to lower case; everything else hashes as is.
      h = Math.imul(h ^ (c >= 65 && c <= 90 ? c | 32 : c), 0x01000193);
      inWord = true;
    }
    const out: number[] = [];
    for (let i = 0; i + SHINGLE <= wordHashes.length && out.length < 32; i++) {
      let x = 0;
      for (let k = 0; k < SHINGLE; k++) x = (Math.imul(x, 31) + wordHashes[i + k]) >>> 0;
      if ((x & sampleMask) === 0) out.push(x);
    }
    return out;
  }

  return {
    find,
    members: (account) => groups.get(find(account)) ?? [account],
    evidence: (account) => evidence.get(account) ?? [],
    observe(view) {
      const account = view.account;
      requests.set(account, (requests.get(account) ?? 0) + 1);
      const joined: [string, string][] = [];
      const keys: [LinkEvidence['via'], string, string][] = [];
      if (view.systemPrompt !== null && view.systemPrompt.length >= minSystemPromptChars)
        keys.push(['system_prompt', `s:${hashString(view.systemPrompt)}`, view.systemPrompt.slice(0, 60)]);
      const tokens = view.promptTokens ?? [];
      if (tokens.length >= 24) {
        const head = tokens.slice(0, 12).join(' ');
        const tail = tokens.slice(tokens.length - 12).join(' ');
        keys.push(['prompt_skeleton', `h:${hashString(head)}`, head.slice(0, 60)]);
        keys.push(['prompt_skeleton', `t:${hashString(tail)}`, tail.slice(0, 60)]);
      }
      if (view.clientIp) keys.push(['client_address', `ip:${view.clientIp}`, view.clientIp]);
      // Output reuse: this prompt quotes text served to another account.
      const quoted = new Set<string>();
      const indexed = outputs.size + previousOutputs.size > 0;
      for (const h of indexed ? shingleHashes(view.promptText, 3) : []) {
        const owner = outputs.get(h) ?? previousOutputs.get(h);
        if (owner !== undefined && owner !== account) quoted.add(owner);
      }
      for (const owner of quoted) keys.push(['output_reuse', `o:${owner}`, owner]);
      for (const [via, key, preview] of keys) {
        if (!support(account, key)) continue;
        if (via === 'output_reuse') {
          const owner = key.slice(2);
          const pair = union(owner, account);
          note(account, owner, via, preview);
          if (pair) joined.push(pair);
          continue;
        }
        let set = keyAccounts.get(key);
        if (!set) {
          set = new Set();
          keyAccounts.set(key, set);
        }
        if (set.size >= maxAccountsPerKey) continue;
        set.add(account);
        for (const other of set) {
          if (other === account) continue;
          note(account, other, via, preview);
          const pair = union(other, account);
          if (pair) joined.push(pair);
        }
      }
      if (view.outputText) {
        for (const h of shingleHashes(view.outputText, 3)) outputs.set(h, account);
        if (outputs.size >= maxOutputShingles / 2) {
          previousOutputs = outputs;
          outputs = new Map();
        }
      }
      return joined;
    },
  };
}
