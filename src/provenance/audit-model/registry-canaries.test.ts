// audit-model reading its canaries from the registry's canary set (`--db`), on both backends.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, testBackends } from '../../../test/helpers/databases.js';
import { auditModel } from '../../cli/commands/audit-model.js';
import { openStore } from '../../store/open-store.js';

const dir = mkdtempSync(join(tmpdir(), 'warden-audit-registry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const words = (seed: number, n: number) =>
  Array.from({ length: n }, (_, i) => `w${(seed * 7919 + i * 104729) % 997}`);
const outputs = Array.from({ length: 12 }, (_, i) => words(i + 1, 30).join(' '));
const jsonl = (rows: object[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join('');
const refFile = (j: number) => {
  const path = join(dir, `ref-${j}.jsonl`);
  writeFileSync(
    path,
    jsonl(outputs.map((_, i) => ({ id: `out-${i}`, output: words(i + 100 * (j + 1), 30).join(' ') }))),
  );
  return path;
};
const references = [0, 1, 2].map(refFile);
const studentFile = join(dir, 'student.jsonl');
writeFileSync(studentFile, jsonl(outputs.map((output, i) => ({ id: `out-${i}`, output }))));

describe.each(testBackends())('audit-model over the registry canary set (%s)', (backend) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    const store = await openStore(database.url);
    await store.db
      .insertInto('provenance_canaries')
      .values(
        outputs.map((output, i) => ({
          output_id: `out-${i}`,
          account_id: i < 10 ? 'acct-a' : 'acct-b',
          prompt: `prompt ${i}`,
          output,
          ts: 1_700_000_000_000 + i,
        })),
      )
      .execute();
    await store.close();
  });

  afterAll(async () => {
    await database.drop();
  });

  it('uses the canary set of the database when no --canaries file is given', async () => {
    const result = await auditModel({ db: database.url, answers: studentFile, reference: references });
    expect(result.canary_test.n).toBe(12);
    expect(result.verdict).toBe('likely_trained_on_outputs');
  });

  it('limits the canaries to one account', async () => {
    const result = await auditModel({
      db: database.url,
      account: 'acct-b',
      answers: studentFile,
      reference: references,
    });
    expect(result.canary_test.n).toBe(2);
  });
});
