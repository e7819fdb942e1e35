// Audit log contract, on SQLite and PostgreSQL: appends are dense and transactional (also across
// processes), proofs verify against signed heads, and editing or deleting a stored row is caught at
// exactly that entry by `verifyAuditLog` and `warden audit verify`.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  appendAuditEntry,
  consistencyProof,
  entryLeafHash,
  inclusionProof,
  listAuditEntries,
  listTreeHeads,
  signedTreeHead,
  verifyAuditLog,
  verifyConsistency,
  verifyInclusion,
  verifyTreeHeadSignature,
} from '../../src/audit/index.js';
import {
  auditCheck,
  auditConsistency,
  auditHead,
  auditProof,
  auditVerify,
  register,
} from '../../src/cli/commands/audit.js';
import { ExitError } from '../../src/cli/exit-error.js';
import { DeploymentSecret } from '../../src/config/deployment-secret.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase, type TestDatabase, testBackends } from '../helpers/databases.js';

const SECRET_HEX = randomBytes(32).toString('hex');
const env = { ...process.env, WARDEN_SECRET: SECRET_HEX };
const secret = new DeploymentSecret(Buffer.from(SECRET_HEX, 'hex'));
const REPO = join(import.meta.dirname, '..', '..');

/** Runs `warden audit …` in process through this command's own registration; resolves to the exit code. */
async function runAuditCli(argv: string[]): Promise<number> {
  const program = new Command('warden').exitOverride().configureOutput({ writeErr: () => {} });
  register(program);
  for (const command of program.commands) {
    command.exitOverride().configureOutput({ writeErr: () => {} });
    for (const sub of command.commands) sub.exitOverride().configureOutput({ writeErr: () => {} });
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (!(error instanceof ExitError)) throw error;
    process.stderr.write(`warden: ${error.message}\n`);
    return error.exitCode;
  }
}

async function appendMany(store: Store, count: number, prefix = 'acct'): Promise<void> {
  for (let i = 0; i < count; i++) {
    await appendAuditEntry(store.db, store.dialect, {
      actor: i % 2 ? 'policy:bulk-harvest' : 'admin:tok_1',
      action: i % 3 ? 'account.suspend' : 'case.note',
      subject: `account:${prefix}_${i % 4}`,
      details: { reason: `reason ${i}`, evidence: [i, { signal: 'logprobs' }] },
      ts: 1_764_000_000_000 + i,
    });
  }
}

/** Appends `count` entries from a separate Node process (its own connection). */
function appendFromProcess(url: string, count: number, tag: string): Promise<void> {
  const code = `
    const { appendAuditEntry, auditedTransaction } = await import('./src/audit/index.js');
    const { openStore } = await import('./src/store/open-store.js');
    const store = await openStore(${JSON.stringify(url)});
    for (let i = 0; i < ${count}; i++) {
      const entry = { actor: 'cli', action: 'account.create', subject: 'account:${tag}_' + i };
      if (i % 2) {
        await appendAuditEntry(store.db, store.dialect, entry);
        continue;
      }
      // The enforce pattern: read, change state, append, all in one transaction.
      await auditedTransaction(store, async (trx) => {
        await trx.selectFrom('accounts').select('id').execute();
        const now = Date.now();
        await trx.insertInto('accounts')
          .values({ id: '${tag}_' + i, name: '${tag}_' + i, status: 'active', created_at: now, updated_at: now })
          .execute();
        await appendAuditEntry(trx, store.dialect, entry);
      });
    }
    await store.close();`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: REPO,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('exit', (status) => (status === 0 ? resolve() : reject(new Error(`append process: ${stderr}`))));
  });
}

async function indexes(store: Store): Promise<number[]> {
  const rows = await store.db
    .selectFrom('audit_entries')
    .select('entry_index')
    .orderBy('entry_index')
    .execute();
  return rows.map((r) => Number(r.entry_index));
}

describe.each(testBackends())('audit log on %s', (backend) => {
  let database: TestDatabase;
  let store: Store;

  beforeEach(async () => {
    database = await createTestDatabase(backend);
    store = await openStore(database.url);
  });
  afterEach(async () => {
    await store.close();
    await database.drop();
  });

  it('appends entries with dense indexes and reads them back as appended', async () => {
    const first = await appendAuditEntry(store.db, store.dialect, {
      actor: 'admin:tok_1',
      action: 'account.suspend',
      subject: 'account:acct_1',
      details: { reason: 'distillation', case_id: 'case_1' },
      ts: 1_764_000_000_000,
    });
    expect(first).toMatchObject({ index: 0, ts: 1_764_000_000_000, actor: 'admin:tok_1' });
    expect(first.leafHash).toBe(entryLeafHash(first));
    await appendMany(store, 9);
    expect(await indexes(store)).toEqual([...Array(10).keys()]);
    const all = await listAuditEntries(store, {});
    expect(all[0]).toEqual(first);
    expect(all.map((e) => e.leafHash)).toEqual(all.map((e) => entryLeafHash(e)));
    const page = await listAuditEntries(store, { after: 4, limit: 3 });
    expect(page.map((e) => e.index)).toEqual([5, 6, 7]);
    const about = await listAuditEntries(store, { subject: 'account:acct_1' });
    expect(about.map((e) => e.index)).toEqual([0, 2, 6]);
    await expect(
      appendAuditEntry(store.db, store.dialect, { actor: '', action: 'x.y', subject: 's' }),
    ).rejects.toThrow(/actor/);
    expect(await indexes(store)).toHaveLength(10);
  });

  it('commits an entry with its transaction and leaves none when the transaction rolls back', async () => {
    const now = Date.now();
    await expect(
      store.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('accounts')
          .values({
            id: 'acct_r',
            name: 'rolled-back',
            status: 'suspended',
            created_at: now,
            updated_at: now,
          })
          .execute();
        await appendAuditEntry(trx, store.dialect, {
          actor: 'admin:tok_1',
          action: 'account.suspend',
          subject: 'account:acct_r',
        });
        throw new Error('the webhook enqueue failed');
      }),
    ).rejects.toThrow('the webhook enqueue failed');
    expect(await indexes(store)).toEqual([]);
    expect(await store.db.selectFrom('accounts').selectAll().execute()).toEqual([]);

    const committed = await store.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('accounts')
        .values({ id: 'acct_c', name: 'committed', status: 'suspended', created_at: now, updated_at: now })
        .execute();
      return appendAuditEntry(trx, store.dialect, {
        actor: 'admin:tok_1',
        action: 'account.suspend',
        subject: 'account:acct_c',
      });
    });
    expect(committed.index).toBe(0);
    expect(await indexes(store)).toEqual([0]);
    expect((await verifyAuditLog(store, secret)).ok).toBe(true);
  });

  it('keeps indexes dense and unique when separate processes append at once', async () => {
    await Promise.all([
      appendFromProcess(database.url, 25, 'a'),
      appendFromProcess(database.url, 25, 'b'),
      appendMany(store, 10),
    ]);
    expect(await indexes(store)).toEqual([...Array(60).keys()]);
    expect(await store.db.selectFrom('accounts').select('id').execute()).toHaveLength(26);
    const verification = await verifyAuditLog(store, secret);
    expect(verification).toMatchObject({ ok: true, entries: 60, firstBadIndex: null });
  }, 60_000);

  it.runIf(backend === 'postgres')(
    'keeps indexes dense across two pools appending concurrently',
    async () => {
      const other = await openStore(database.url);
      try {
        const writer = (s: Store, tag: string) =>
          Promise.all(
            Array.from({ length: 20 }, (_, i) =>
              appendAuditEntry(s.db, s.dialect, {
                actor: 'cli',
                action: 'key.create',
                subject: `key:${tag}${i}`,
              }),
            ),
          );
        const [a, b] = await Promise.all([writer(store, 'a'), writer(other, 'b')]);
        expect([...a, ...b].map((e) => e.index).sort((x, y) => x - y)).toEqual([...Array(40).keys()]);
        expect(await indexes(store)).toEqual([...Array(40).keys()]);
        expect((await verifyAuditLog(store, secret)).ok).toBe(true);
      } finally {
        await other.close();
      }
    },
  );

  it('gives inclusion proofs that verify against a signed head, and only for their own entry', async () => {
    await appendMany(store, 13);
    const head = await signedTreeHead(store, secret);
    expect(head.tree_size).toBe(13);
    expect(verifyTreeHeadSignature(head, head.public_key)).toBe(true);
    expect(verifyTreeHeadSignature(head, secret.auditSigningKeys().publicKey)).toBe(true);
    const entries = await listAuditEntries(store, {});
    for (const entry of entries) {
      const proof = await inclusionProof(store, entry.index);
      expect(proof.tree_size).toBe(13);
      expect(proof.root_hash).toBe(head.root_hash);
      expect(proof.leaf_hash).toBe(entryLeafHash(entry));
      expect(verifyInclusion(proof, head.root_hash)).toBe(true);
      const otherLeaf = entries[(entry.index + 1) % 13].leafHash;
      expect(verifyInclusion({ ...proof, leaf_hash: otherLeaf }, head.root_hash)).toBe(false);
    }
    // A proof against an older tree size checks against that size's root.
    const old = await inclusionProof(store, 2, 5);
    expect(old.tree_size).toBe(5);
    expect(verifyInclusion(old, old.root_hash)).toBe(true);
    expect(verifyInclusion(old, head.root_hash)).toBe(false);
    await expect(inclusionProof(store, 13)).rejects.toThrow(RangeError);
    await expect(inclusionProof(store, 0, 14)).rejects.toThrow(RangeError);
  });

  it('proves consistency between two published heads', async () => {
    await appendMany(store, 6);
    const older = await signedTreeHead(store, secret);
    await appendMany(store, 11, 'later');
    const newer = await signedTreeHead(store, secret);
    expect(await listTreeHeads(store)).toEqual([older, newer]);
    const proof = await consistencyProof(store, older.tree_size, newer.tree_size);
    expect(proof).toMatchObject({ first: 6, second: 17 });
    expect(verifyConsistency(proof, older.root_hash, newer.root_hash)).toBe(true);
    expect(verifyConsistency(proof, newer.root_hash, newer.root_hash)).toBe(false);
    const same = await consistencyProof(store, 17, 17);
    expect(verifyConsistency(same, newer.root_hash, newer.root_hash)).toBe(true);
    await expect(consistencyProof(store, 18, 17)).rejects.toThrow(RangeError);
  });

  it.each([
    ['details', sql`update audit_entries set details = '{"reason":"nothing to see"}' where entry_index = 4`],
    ['actor', sql`update audit_entries set actor = 'cli' where entry_index = 4`],
    ['ts', sql`update audit_entries set ts = ts + 1 where entry_index = 4`],
    [
      'leaf hash',
      sql`update audit_entries set leaf_hash = '${sql.raw('ab'.repeat(32))}' where entry_index = 4`,
    ],
  ])('names exactly the entry whose %s was edited with SQL', async (_column, edit) => {
    await appendMany(store, 8);
    await signedTreeHead(store, secret);
    await appendMany(store, 4, 'more');
    expect((await verifyAuditLog(store, secret)).ok).toBe(true);
    await edit.execute(store.db);
    const result = await verifyAuditLog(store, secret);
    expect(result.ok).toBe(false);
    expect(result.firstBadIndex).toBe(4);
    expect(result.reason).toMatch(/^audit log entry 4 does not match its hash: /);
    expect(result.head).toBeNull();
    await expect(signedTreeHead(store, secret)).rejects.toThrow(/refusing to sign.*entry 4/);
  });

  it('names a deleted entry, in the middle or at the end under a published head', async () => {
    await appendMany(store, 10);
    await signedTreeHead(store, secret);
    await sql`delete from audit_entries where entry_index = 9`.execute(store.db);
    let result = await verifyAuditLog(store, secret);
    expect(result).toMatchObject({ ok: false, firstBadIndex: 9 });
    expect(result.reason).toMatch(/^audit log entry 9 does not match its hash: it is missing/);
    await sql`delete from audit_entries where entry_index = 3`.execute(store.db);
    result = await verifyAuditLog(store, secret);
    expect(result).toMatchObject({ ok: false, firstBadIndex: 3 });
    expect(result.reason).toMatch(/^audit log entry 3 does not match its hash: it is missing/);
  });

  it('catches a row rewritten with its leaf hash recomputed, through the signed heads', async () => {
    await appendMany(store, 4);
    await signedTreeHead(store, secret);
    await appendMany(store, 4, 'second');
    await signedTreeHead(store, secret);
    const [victim] = await listAuditEntries(store, { after: 5, limit: 1 });
    const forged = { ...victim, details: { reason: 'routine check' } };
    await sql`update audit_entries set details = ${JSON.stringify(forged.details)}, leaf_hash = ${entryLeafHash(forged)}
      where entry_index = 6`.execute(store.db);
    const result = await verifyAuditLog(store, secret);
    expect(result.ok).toBe(false);
    // The head of size 4 still matches, the head of size 8 does not: the rewrite is in 4..7.
    expect(result.firstBadIndex).toBe(4);
    expect(result.reason).toBe(
      'audit log entries 4–7 do not match the signed head of tree size 8: one of them was rewritten with its leaf hash recomputed',
    );
    await expect(signedTreeHead(store, secret)).rejects.toThrow(/no longer hash to the last published head/);
  });

  it('catches a published head whose root or signature was changed', async () => {
    await appendMany(store, 5);
    await signedTreeHead(store, secret);
    await sql`update audit_heads set root_hash = ${'cd'.repeat(32)}`.execute(store.db);
    const result = await verifyAuditLog(store, secret);
    expect(result.ok).toBe(false);
    expect(result.firstBadIndex).toBeNull();
    expect(result.reason).toMatch(/head of tree size 5 .* signature that does not verify/);
    const stranger = new DeploymentSecret(randomBytes(32));
    expect((await verifyAuditLog(store, stranger)).reason).toMatch(/signed by another key/);
  });

  describe('warden audit', () => {
    it('verify, head and proof work on the database and an outside party can check the proof', async () => {
      await appendMany(store, 7);
      const ok = await auditVerify({ db: database.url, env });
      expect(ok).toMatchObject({ ok: true, entries: 7 });
      const head = await auditHead({ db: database.url, env });
      expect(head.tree_size).toBe(7);
      const result = await auditProof({ db: database.url, entry: '3', env });
      expect(result.head).toEqual(head);
      expect(result.proof.tree_size).toBe(7);

      const file = join(tmpdir(), `warden-proof-${process.pid}-${backend}.json`);
      writeFileSync(file, JSON.stringify(result));
      expect(auditCheck({ file, publicKey: head.public_key })).toMatchObject({
        ok: true,
        checks: { leaf_hash: true, inclusion: true, signature: true },
      });
      const pem = secret.auditSigningKeys().publicKey.export({ format: 'pem', type: 'spki' }).toString();
      expect(auditCheck({ file, publicKey: pem }).ok).toBe(true);
      writeFileSync(file, JSON.stringify({ ...result, entry: { ...result.entry, actor: 'someone else' } }));
      expect(auditCheck({ file, publicKey: head.public_key }).checks).toEqual({
        leaf_hash: false,
        inclusion: true,
        signature: true,
      });
      const stranger = new DeploymentSecret(randomBytes(32)).auditSigningKeys().publicKey;
      writeFileSync(file, JSON.stringify(result));
      expect(
        auditCheck({ file, publicKey: stranger.export({ format: 'pem', type: 'spki' }).toString() }).ok,
      ).toBe(false);

      // An entry beyond the latest head gets a freshly published head.
      await appendMany(store, 2, 'new');
      const later = await auditProof({ db: database.url, entry: 8, env });
      expect(later.head?.tree_size).toBe(9);
      expect(verifyInclusion(later.proof, later.head?.root_hash ?? '')).toBe(true);
      const consistency = await auditConsistency({ db: database.url, first: 7, second: 9 });
      expect(verifyConsistency(consistency, head.root_hash, later.head?.root_hash ?? '')).toBe(true);
      await expect(auditConsistency({ db: database.url, first: 7, second: 10 })).rejects.toMatchObject({
        exitCode: 2,
      });
      await expect(auditProof({ db: database.url, entry: 99, env })).rejects.toMatchObject({ exitCode: 2 });
      await expect(auditProof({ db: database.url, entry: 'x', env })).rejects.toMatchObject({ exitCode: 2 });
    });

    it('exits 1 with one line naming the edited entry', async () => {
      await appendMany(store, 6);
      await sql`update audit_entries set details = '{}' where entry_index = 2`.execute(store.db);
      const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      const previous = process.env.WARDEN_SECRET;
      process.env.WARDEN_SECRET = SECRET_HEX;
      try {
        expect(await runAuditCli(['audit', 'verify', '--db', database.url])).toBe(1);
        const lines = stderr.mock.calls.map((c) => String(c[0]));
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(/^warden: audit log entry 2 does not match its hash: /);
      } finally {
        stderr.mockRestore();
        if (previous === undefined) delete process.env.WARDEN_SECRET;
        else process.env.WARDEN_SECRET = previous;
      }
    });
  });
});

describe('warden audit verify as a process', () => {
  it('exits 0 on a good log and 1 naming the entry after a row is edited', async () => {
    const database = await createTestDatabase('sqlite');
    const store = await openStore(database.url);
    try {
      await appendMany(store, 5);
      const run = () =>
        new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
          const child = spawn(
            process.execPath,
            ['--import', 'tsx', 'src/cli/index.ts', 'audit', 'verify', '--db', database.url],
            { cwd: REPO, env },
          );
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (c) => {
            stdout += c;
          });
          child.stderr.on('data', (c) => {
            stderr += c;
          });
          child.on('exit', (code) => resolve({ code, stdout, stderr }));
        });
      const good = await run();
      expect({ code: good.code, stderr: good.stderr.split('\n')[0] }).toEqual({ code: 0, stderr: '' });
      expect(good.stdout).toMatch(/audit log OK: 5 entries/);
      await sql`update audit_entries set actor = 'cli' where entry_index = 1`.execute(store.db);
      const bad = await run();
      expect(bad.code).toBe(1);
      expect(bad.stderr.trim()).toMatch(/^warden: audit log entry 1 does not match its hash: /);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      await store.close();
      await database.drop();
    }
  }, 60_000);
});
