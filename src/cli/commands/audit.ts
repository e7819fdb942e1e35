// `warden audit verify|head|proof|consistency|check|list` — the tamper-evident audit log from the
// command line: verify it, publish a signed tree head, print proofs an outside party can check, and
// check such a proof with nothing but the published public key (no database).
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  type AuditEntry,
  type AuditLogVerification,
  type ConsistencyProof,
  consistencyProof,
  entryLeafHash,
  getAuditEntry,
  type InclusionProof,
  inclusionProof,
  latestTreeHead,
  listAuditEntries,
  publishedTreeHead,
  type SignedTreeHead,
  signedTreeHead,
  verifyAuditLog,
  verifyInclusion,
  verifyTreeHeadSignature,
} from '../../audit/index.js';
import { loadDeploymentSecret } from '../../config/deployment-secret.js';
import { openStore, resolveDbUrl } from '../../store/open-store.js';
import type { Store } from '../../store/store.js';
import { ExitError, usageError } from '../exit-error.js';
import { formatTable, printResult } from '../output.js';

export interface AuditDbOptions {
  /** Database URL (`--db`); $WARDEN_DB or the embedded default otherwise. */
  db?: string;
  /** Environment for WARDEN_SECRET (tests pass their own). */
  env?: NodeJS.ProcessEnv;
}

async function withStore<T>(
  options: AuditDbOptions,
  work: (store: Store, url: string) => Promise<T>,
): Promise<T> {
  const url = resolveDbUrl(options.db);
  const store = await openStore(url);
  try {
    return await work(store, url);
  } finally {
    await store.close();
  }
}

function secretFor(url: string, env: NodeJS.ProcessEnv | undefined) {
  try {
    return loadDeploymentSecret(url, env ?? process.env);
  } catch (error) {
    throw usageError((error as Error).message);
  }
}

/** Recomputes the whole log and checks every published head; the result says what, if anything, is wrong. */
export async function auditVerify(options: AuditDbOptions = {}): Promise<AuditLogVerification> {
  return withStore(options, (store, url) => verifyAuditLog(store, secretFor(url, options.env)));
}

/** Signs the current tree head and stores it (publishes it). */
export async function auditHead(options: AuditDbOptions = {}): Promise<SignedTreeHead> {
  return withStore(options, async (store, url) => {
    try {
      return await signedTreeHead(store, secretFor(url, options.env));
    } catch (error) {
      if (error instanceof ExitError) throw error;
      throw new ExitError((error as Error).message);
    }
  });
}

export interface AuditProofOptions extends AuditDbOptions {
  entry: string | number;
  /** Prove against this tree size; by default the latest published head that covers the entry. */
  treeSize?: string | number;
}

/** What `warden audit proof` prints: the entry, its inclusion proof, and the signed head to check it against. */
export interface AuditProofResult {
  entry: AuditEntry;
  proof: InclusionProof;
  /** A published head of `proof.tree_size`, or null when none was published (then publish one). */
  head: SignedTreeHead | null;
}

function parseCount(name: string, value: string | number): number {
  const n = typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw usageError(`${name} must be an integer ≥ 0, got "${value}"`);
  return n;
}

export async function auditProof(options: AuditProofOptions): Promise<AuditProofResult> {
  const index = parseCount('ENTRY', options.entry);
  const requestedSize =
    options.treeSize === undefined ? undefined : parseCount('--tree-size', options.treeSize);
  return withStore(options, async (store, url) => {
    const entry = await getAuditEntry(store, index);
    if (!entry) throw usageError(`audit log entry ${index} does not exist`);
    let head: SignedTreeHead | null;
    let treeSize: number;
    if (requestedSize !== undefined) {
      if (requestedSize <= index)
        throw usageError(`--tree-size ${requestedSize} does not include entry ${index}; use a larger size`);
      treeSize = requestedSize;
      head = await publishedTreeHead(store, treeSize);
    } else {
      const latest = await latestTreeHead(store);
      if (latest && latest.tree_size > index) head = latest;
      else {
        try {
          head = await signedTreeHead(store, secretFor(url, options.env));
        } catch (error) {
          if (error instanceof ExitError) throw error;
          throw new ExitError((error as Error).message);
        }
      }
      treeSize = head.tree_size;
    }
    let proof: InclusionProof;
    try {
      proof = await inclusionProof(store, index, treeSize);
    } catch (error) {
      // A size out of range is the caller's mistake; anything else is the log's.
      if (error instanceof RangeError) throw usageError(error.message);
      throw new ExitError((error as Error).message);
    }
    return { entry, proof, head };
  });
}

export interface AuditConsistencyOptions extends AuditDbOptions {
  first: string | number;
  second: string | number;
}

export async function auditConsistency(options: AuditConsistencyOptions): Promise<ConsistencyProof> {
  const first = parseCount('FIRST', options.first);
  const second = parseCount('SECOND', options.second);
  if (first > second) throw usageError(`FIRST (${first}) must not exceed SECOND (${second})`);
  return withStore(options, async (store) => {
    try {
      return await consistencyProof(store, first, second);
    } catch (error) {
      if (error instanceof RangeError) throw usageError(error.message);
      throw new ExitError((error as Error).message);
    }
  });
}

export interface AuditCheckOptions {
  /** A file holding the JSON `warden audit proof --json` printed. */
  file: string;
  /** The log's public key as published out of band: base64 of the raw 32 bytes, PEM, or a file holding either. */
  publicKey: string;
}

export interface AuditCheckResult {
  ok: boolean;
  index: number;
  tree_size: number;
  checks: { leaf_hash: boolean; inclusion: boolean; signature: boolean };
}

/** Checks a proof file offline, as an outside party would: entry → leaf hash → root → signature. */
export function auditCheck(options: AuditCheckOptions): AuditCheckResult {
  let parsed: Partial<AuditProofResult>;
  try {
    parsed = JSON.parse(readFileSync(options.file, 'utf8')) as Partial<AuditProofResult>;
  } catch (error) {
    throw usageError(`cannot read the proof file ${options.file}: ${(error as Error).message}`);
  }
  const { entry, proof, head } = parsed;
  if (!entry || !proof || !head)
    throw usageError(
      `${options.file} is not the output of \`warden audit proof --json\` (entry, proof, head)`,
    );
  const key = existsSync(options.publicKey) ? readFileSync(options.publicKey, 'utf8') : options.publicKey;
  let leafOk = false;
  try {
    leafOk = entryLeafHash(entry) === proof.leaf_hash && entry.index === proof.index;
  } catch {
    leafOk = false;
  }
  const checks = {
    leaf_hash: leafOk,
    inclusion: proof.tree_size === head.tree_size && verifyInclusion(proof, head.root_hash),
    signature: verifyTreeHeadSignature(head, key),
  };
  return {
    ok: checks.leaf_hash && checks.inclusion && checks.signature,
    index: proof.index,
    tree_size: proof.tree_size,
    checks,
  };
}

function renderHead(head: SignedTreeHead): string {
  return [
    `tree_size:  ${head.tree_size}`,
    `root_hash:  ${head.root_hash}`,
    `timestamp:  ${head.timestamp} (${new Date(head.timestamp).toISOString()})`,
    `signature:  ${head.signature}`,
    `public_key: ${head.public_key} (Ed25519, base64 of the raw 32 bytes)`,
  ].join('\n');
}

interface JsonFlag {
  json?: boolean;
  db?: string;
}

export function register(program: Command): void {
  const audit = program
    .command('audit')
    .description('the tamper-evident audit log: verify it, publish signed heads, print and check proofs');

  audit
    .command('verify')
    .description('recompute every entry and the tree, check every published head; name the first bad entry')
    .option('--db <url>', 'database URL (sqlite:PATH or postgres://…)')
    .option('--json', 'print JSON')
    .action(async (flags: JsonFlag) => {
      const result = await auditVerify({ db: flags.db });
      if (flags.json || result.ok)
        printResult(result, flags, (r) =>
          r.head
            ? `audit log OK: ${r.entries} entries; every published head matches (${r.heads} checked)\n${renderHead(r.head)}`
            : '',
        );
      if (!result.ok) throw new ExitError(result.reason ?? 'the audit log does not verify');
    });

  audit
    .command('head')
    .description('sign the current tree head, store (publish) it and print it')
    .option('--db <url>', 'database URL (sqlite:PATH or postgres://…)')
    .option('--json', 'print JSON')
    .action(async (flags: JsonFlag) => {
      const head = await auditHead({ db: flags.db });
      printResult(head, flags, renderHead);
    });

  audit
    .command('proof')
    .description('print an inclusion proof of an entry that anyone can check against a published head')
    .argument('<entry>', 'entry index (0-based)')
    .option('--tree-size <n>', 'prove against the head of this tree size (default: latest published head)')
    .option('--db <url>', 'database URL (sqlite:PATH or postgres://…)')
    .option('--json', 'print JSON (the input of `warden audit check`)')
    .action(async (entry: string, flags: JsonFlag & { treeSize?: string }) => {
      const result = await auditProof({ db: flags.db, entry, treeSize: flags.treeSize });
      printResult(result, flags, (r) =>
        [
          `entry ${r.entry.index}: ${r.entry.action} ${r.entry.subject} by ${r.entry.actor} at ${new Date(r.entry.ts).toISOString()}`,
          `details:    ${JSON.stringify(r.entry.details)}`,
          `leaf_hash:  ${r.proof.leaf_hash}`,
          `tree_size:  ${r.proof.tree_size}`,
          'audit_path:',
          ...r.proof.audit_path.map((h) => `  ${h}`),
          `root_hash:  ${r.proof.root_hash}`,
          r.head
            ? `signed head:\n${renderHead(r.head)}`
            : `no head of tree size ${r.proof.tree_size} has been published; run \`warden audit head\``,
        ].join('\n'),
      );
    });

  audit
    .command('consistency')
    .description('print the consistency proof between two tree sizes (e.g. two published heads)')
    .argument('<first>', 'the smaller tree size')
    .argument('<second>', 'the larger tree size')
    .option('--db <url>', 'database URL (sqlite:PATH or postgres://…)')
    .option('--json', 'print JSON')
    .action(async (first: string, second: string, flags: JsonFlag) => {
      const result = await auditConsistency({ db: flags.db, first, second });
      printResult(result, flags, (r) =>
        [`consistency ${r.first} → ${r.second}:`, ...r.proof.map((h) => `  ${h}`)].join('\n'),
      );
    });

  audit
    .command('check')
    .description('check a proof file from `warden audit proof --json` offline, with the published public key')
    .argument('<file>', 'the proof JSON')
    .requiredOption(
      '--public-key <key>',
      'the log public key (base64 raw Ed25519, PEM, or a file holding it)',
    )
    .option('--json', 'print JSON')
    .action(async (file: string, flags: { publicKey: string; json?: boolean }) => {
      const result = auditCheck({ file, publicKey: flags.publicKey });
      printResult(result, flags, (r) =>
        formatTable(
          ['check', 'result'],
          Object.entries(r.checks).map(([name, ok]) => [name, ok ? 'ok' : 'FAILED']),
        ),
      );
      if (!result.ok) {
        const failed = Object.entries(result.checks)
          .filter(([, ok]) => !ok)
          .map(([name]) => name);
        throw new ExitError(
          `the proof of audit log entry ${result.index} does not check: ${failed.join(', ')}`,
        );
      }
    });

  audit
    .command('list')
    .description('list audit log entries in index order')
    .option('--subject <subject>', 'only entries about this subject, e.g. account:acct_…')
    .option('--after <index>', 'only entries after this index')
    .option('--limit <n>', 'at most this many entries', '100')
    .option('--db <url>', 'database URL (sqlite:PATH or postgres://…)')
    .option('--json', 'print JSON')
    .action(async (flags: JsonFlag & { subject?: string; after?: string; limit: string }) => {
      const after = flags.after === undefined ? undefined : parseCount('--after', flags.after);
      const limit = parseCount('--limit', flags.limit);
      const entries = await withStore({ db: flags.db }, (store) =>
        listAuditEntries(store, { after, limit, subject: flags.subject }),
      );
      printResult(entries, flags, (rows) =>
        formatTable(
          ['index', 'time', 'actor', 'action', 'subject'],
          rows.map((e) => [e.index, new Date(e.ts).toISOString(), e.actor, e.action, e.subject]),
        ),
      );
    });
}
