// Audit-log costs: append (one transaction per entry, as the state changes that write them), signed
// tree head, full verification, inclusion and consistency proofs — on SQLite and PostgreSQL.
//
//   npx tsx bench/audit/run.ts [--entries 20000] [--db sqlite|postgres|both]
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import {
  appendAuditEntry,
  auditedTransaction,
  consistencyProof,
  inclusionProof,
  signedTreeHead,
  verifyAuditLog,
} from '../../src/audit/index.js';
import { DeploymentSecret } from '../../src/config/deployment-secret.js';
import { openStore } from '../../src/store/open-store.js';

const { values } = parseArgs({
  options: { entries: { type: 'string', default: '20000' }, db: { type: 'string', default: 'both' } },
});
const entries = Number(values.entries);
const backends = values.db === 'both' ? ['sqlite', 'postgres'] : [values.db as string];
const POSTGRES = process.env.WARDEN_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
}

const rows: string[][] = [];
for (const backend of backends) {
  const schema = `bench_audit_${Date.now().toString(36)}`;
  const url =
    backend === 'sqlite'
      ? `sqlite:${join(mkdtempSync(join(tmpdir(), 'bench-audit-')), 'w.db')}`
      : `${POSTGRES}?schema=${schema}`;
  const store = await openStore(url);
  const secret = new DeploymentSecret(randomBytes(32));
  const [, appendMs] = await timed(async () => {
    for (let i = 0; i < entries; i++) {
      await auditedTransaction(store, (trx) =>
        appendAuditEntry(trx, store.dialect, {
          actor: 'bench',
          action: 'account.suspend',
          subject: `account:acct_${i % 997}`,
          details: { reason: 'benchmark entry', n: i },
        }),
      );
    }
  });
  const [first, firstHeadMs] = await timed(() => signedTreeHead(store, secret));
  const [, headMs] = await timed(() => signedTreeHead(store, secret));
  const [verification, verifyMs] = await timed(() => verifyAuditLog(store, secret));
  if (!verification.ok) throw new Error(`verification failed: ${verification.reason}`);
  const [, inclusionMs] = await timed(() => inclusionProof(store, Math.floor(entries / 3)));
  const [, consistencyMs] = await timed(() =>
    consistencyProof(store, Math.floor(entries / 2), first.tree_size),
  );
  rows.push([
    backend,
    String(entries),
    `${((appendMs * 1000) / entries).toFixed(0)} µs`,
    `${(firstHeadMs / 1000).toFixed(2)} s / ${(headMs / 1000).toFixed(2)} s`,
    `${(verifyMs / 1000).toFixed(2)} s`,
    `${(inclusionMs / 1000).toFixed(2)} s`,
    `${(consistencyMs / 1000).toFixed(2)} s`,
  ]);
  await store.close();
  if (backend === 'postgres') {
    const client = new pg.Client({ connectionString: POSTGRES });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
}

console.log(`audit log bench — npx tsx bench/audit/run.ts --entries ${entries} --db ${values.db}`);
console.log('');
console.log(
  '| backend | entries | append (each) | signed head (first / next) | verify all | inclusion proof | consistency proof |',
);
console.log('|---|---|---|---|---|---|---|');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
