// Store contract: both dialects migrate, are idempotent on re-open, and round-trip rows the same way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase, type TestDatabase, testBackends } from '../helpers/databases.js';

describe.each(testBackends())('store on %s', (backend) => {
  let database: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    store = await openStore(database.url);
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  it('re-opening an up-to-date database migrates nothing and keeps rows', async () => {
    await store.db
      .insertInto('accounts')
      .values({ id: 'acct_1', name: 'acme', status: 'active', created_at: 1, updated_at: 1 } as never)
      .execute();
    const again = await openStore(database.url);
    const rows = await again.db.selectFrom('accounts').select(['id', 'name', 'created_at']).execute();
    await again.close();
    expect(rows).toEqual([{ id: 'acct_1', name: 'acme', created_at: 1 }]);
  });

  it('returns bigint columns as numbers and enforces unique names', async () => {
    const big = 1_764_000_000_000;
    await store.db
      .insertInto('accounts')
      .values({ id: 'acct_2', name: 'globex', status: 'active', created_at: big, updated_at: big } as never)
      .execute();
    const row = await store.db
      .selectFrom('accounts')
      .select('created_at')
      .where('id', '=', 'acct_2')
      .executeTakeFirst();
    expect(row?.created_at).toBe(big);
    await expect(
      store.db
        .insertInto('accounts')
        .values({ id: 'acct_3', name: 'globex', status: 'active', created_at: 1, updated_at: 1 } as never)
        .execute(),
    ).rejects.toThrow();
  });
});
