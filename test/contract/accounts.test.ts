// Accounts contract: the data functions the gateway, admin API and CLI rely on behave the same on
// SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAccount,
  createAdminToken,
  createApiKey,
  createPartner,
  findAdminToken,
  findEndCustomer,
  findKeyByHash,
  getAccount,
  getPartnerWebhookSecret,
  getUsage,
  hashSecret,
  latestStateChange,
  listAccounts,
  listApiKeys,
  revokeApiKey,
  setAccountStatus,
  stateChangesSince,
  touchKeys,
  transitionAccount,
} from '../../src/accounts/index.js';
import { DeploymentSecret } from '../../src/config/deployment-secret.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase, type TestDatabase, testBackends } from '../helpers/databases.js';

const secret = new DeploymentSecret(Buffer.alloc(32, 7));

describe.each(testBackends())('accounts on %s', (backend) => {
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

  it('creates an account, finds it by name and id, refuses a duplicate name', async () => {
    const acme = await createAccount(store, { name: 'acme', limits: { rpm: 60, tpm: 10_000 } });
    expect(acme).toMatchObject({
      name: 'acme',
      status: 'active',
      partnerId: null,
      limits: { rpm: 60, tpm: 10_000 },
    });
    expect(acme.id).toMatch(/^acct_/);
    expect(await getAccount(store, 'acme')).toEqual(acme);
    expect(await getAccount(store, acme.id)).toEqual(acme);
    expect(await getAccount(store, 'nobody')).toBeNull();
    await expect(createAccount(store, { name: 'acme' })).rejects.toMatchObject({ code: 'ADMIN_CONFLICT' });
  });

  it('refuses bad input and writes nothing', async () => {
    const before = (await listAccounts(store)).length;
    await expect(createAccount(store, { name: 'bad name' })).rejects.toMatchObject({ code: 'ADMIN_INVALID' });
    await expect(createAccount(store, { name: 'x', limits: { rpm: -1 } })).rejects.toMatchObject({
      code: 'ADMIN_INVALID',
    });
    await expect(createAccount(store, { name: 'y', partner: 'no-such-partner' })).rejects.toMatchObject({
      code: 'ADMIN_NOT_FOUND',
    });
    expect((await listAccounts(store)).length).toBe(before);
  });

  it('issues account keys that are stored only as a hash and found by it', async () => {
    const created = await createApiKey(store, { account: 'acme', name: 'ci', limits: { rpm: 5 } });
    expect(created.key).toMatch(/^sk-wdn-[0-9A-Za-z]{43}$/);
    expect(created.prefix).toBe(created.key.slice(0, 12));
    expect(created.account).toBe('acme');
    const rows = await store.db.selectFrom('api_keys').selectAll().where('id', '=', created.id).execute();
    expect(JSON.stringify(rows)).not.toContain(created.key);
    expect(rows[0].hash).toBe(hashSecret(created.key));
    const found = await findKeyByHash(store, hashSecret(created.key));
    const acme = await getAccount(store, 'acme');
    expect(found).toEqual({
      id: created.id,
      prefix: created.prefix,
      accountId: acme?.id,
      partnerId: null,
      revoked: false,
      limits: { rpm: 5 },
    });
    expect(await findKeyByHash(store, hashSecret(`${created.key}x`))).toBeNull();
  });

  it('revokes a key by prefix, feeds the state-change feed, refuses a second revoke', async () => {
    const created = await createApiKey(store, { account: 'acme' });
    const before = await latestStateChange(store);
    await revokeApiKey(store, created.prefix);
    expect((await findKeyByHash(store, hashSecret(created.key)))?.revoked).toBe(true);
    const changes = await stateChangesSince(store, before);
    expect(changes).toEqual([{ seq: expect.any(Number), kind: 'key', subject_id: created.id }]);
    expect(await latestStateChange(store)).toBe(changes[0].seq);
    await expect(revokeApiKey(store, created.id)).rejects.toMatchObject({ code: 'ADMIN_CONFLICT' });
    await expect(revokeApiKey(store, 'sk-wdn-nope')).rejects.toMatchObject({ code: 'ADMIN_NOT_FOUND' });
  });

  it('touches last-used times in a batch without moving them backwards', async () => {
    const a = await createApiKey(store, { account: 'acme' });
    const b = await createApiKey(store, { account: 'acme' });
    await touchKeys(
      store,
      new Map([
        [a.id, 2_000_000_000_000],
        [b.id, 1_900_000_000_000],
      ]),
    );
    await touchKeys(store, new Map([[a.id, 1_000]]));
    await touchKeys(store, new Map());
    const keys = await listApiKeys(store, { accountId: (await getAccount(store, 'acme'))?.id });
    const byId = new Map(keys.map((k) => [k.id, k.lastUsedAt]));
    expect(byId.get(a.id)).toBe(2_000_000_000_000);
    expect(byId.get(b.id)).toBe(1_900_000_000_000);
  });

  it('transitions status legally, records the actor and a state change, refuses illegal moves', async () => {
    await createAccount(store, { name: 'globex' });
    const before = await latestStateChange(store);
    const suspended = await transitionAccount(store, {
      account: 'globex',
      to: 'suspended',
      actor: 'cli',
      reason: 'bulk',
    });
    expect(suspended.from).toBe('active');
    expect(suspended.account).toMatchObject({
      status: 'suspended',
      statusReason: 'bulk',
      statusActor: 'cli',
    });
    expect((await stateChangesSince(store, before)).map((c) => c.kind)).toEqual(['account']);
    await expect(
      transitionAccount(store, { account: 'globex', to: 'suspended', actor: 'cli', reason: 'again' }),
    ).rejects.toMatchObject({ code: 'ACCOUNT_ILLEGAL_TRANSITION' });
    await expect(
      transitionAccount(store, { account: 'globex', to: 'active', actor: 'cli', reason: ' ' }),
    ).rejects.toMatchObject({ code: 'ADMIN_INVALID' });
    await transitionAccount(store, { account: 'globex', to: 'active', actor: 'cli', reason: 'remediated' });
    await transitionAccount(store, { account: 'globex', to: 'terminated', actor: 'cli', reason: 'resold' });
    for (const to of ['active', 'suspended', 'terminated'] as const) {
      await expect(
        transitionAccount(store, { account: 'globex', to, actor: 'cli', reason: 'r' }),
      ).rejects.toMatchObject({ code: 'ACCOUNT_ILLEGAL_TRANSITION' });
    }
    await expect(createApiKey(store, { account: 'globex' })).rejects.toMatchObject({
      code: 'ADMIN_CONFLICT',
    });
    expect((await getAccount(store, 'globex'))?.status).toBe('terminated');
  });

  it('setAccountStatus works inside a caller transaction and rolls back with it', async () => {
    const account = await createAccount(store, { name: 'initech' });
    await expect(
      store.db.transaction().execute(async (trx) => {
        await setAccountStatus(trx, account.id, 'suspended', 'test');
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect((await getAccount(store, 'initech'))?.status).toBe('active');
  });

  it('keeps partners with an encrypted webhook secret and scoped end customers', async () => {
    const partner = await createPartner(store, {
      name: 'cloudco',
      webhookUrl: 'https://hooks.cloudco.example/warden',
      webhookSecret: 'whsec_0123456789abcdef',
      deploymentSecret: secret,
    });
    expect(partner).toMatchObject({ name: 'cloudco', hasWebhookSecret: true });
    const row = await store.db
      .selectFrom('partners')
      .selectAll()
      .where('id', '=', partner.id)
      .executeTakeFirst();
    expect(row?.webhook_secret).not.toContain('whsec_0123456789abcdef');
    expect(await getPartnerWebhookSecret(store, secret, partner.id)).toBe('whsec_0123456789abcdef');
    await expect(
      getPartnerWebhookSecret(store, new DeploymentSecret(Buffer.alloc(32, 8)), partner.id),
    ).rejects.toThrow(/does not decrypt/);
    await expect(
      createPartner(store, {
        name: 'bad',
        webhookUrl: 'ftp://x',
        webhookSecret: 'x'.repeat(20),
        deploymentSecret: secret,
      }),
    ).rejects.toMatchObject({ code: 'ADMIN_INVALID' });

    const other = await createPartner(store, { name: 'resellr' });
    const customer = await createAccount(store, {
      name: 'cloudco:u-17',
      partner: 'cloudco',
      externalId: 'u-17',
    });
    expect(customer).toMatchObject({ partnerId: partner.id, partner: 'cloudco', externalId: 'u-17' });
    expect((await findEndCustomer(store, partner.id, 'u-17'))?.id).toBe(customer.id);
    expect(await findEndCustomer(store, other.id, 'u-17')).toBeNull();
    await expect(
      createAccount(store, { name: 'cloudco:dup', partner: 'cloudco', externalId: 'u-17' }),
    ).rejects.toMatchObject({ code: 'ADMIN_CONFLICT' });
    expect((await listAccounts(store, { partnerId: partner.id })).map((a) => a.name)).toEqual([
      'cloudco:u-17',
    ]);

    const key = await createApiKey(store, { partner: 'cloudco' });
    expect(key.key).toMatch(/^sk-wdnp-[0-9A-Za-z]{43}$/);
    expect(key).toMatchObject({ account: null, partner: 'cloudco' });
    expect(await findKeyByHash(store, hashSecret(key.key))).toMatchObject({
      accountId: null,
      partnerId: partner.id,
    });
  });

  it('lets a partner act only on its own end customers and lift only its own suspensions', async () => {
    const cloudco = (await listAccounts(store)).find((a) => a.name === 'cloudco:u-17');
    const partnerId = cloudco?.partnerId as string;
    const other = await createPartner(store, { name: 'otherco' });
    await expect(
      transitionAccount(store, {
        account: 'acme',
        to: 'suspended',
        actor: `partner:${partnerId}`,
        reason: 'r',
      }),
    ).rejects.toMatchObject({ code: 'ADMIN_NOT_FOUND' });
    await expect(
      transitionAccount(store, {
        account: 'cloudco:u-17',
        to: 'suspended',
        actor: `partner:${other.id}`,
        reason: 'r',
      }),
    ).rejects.toMatchObject({ code: 'ADMIN_NOT_FOUND' });
    await transitionAccount(store, {
      account: 'cloudco:u-17',
      to: 'suspended',
      actor: `partner:${partnerId}`,
      reason: 'abuse',
    });
    await transitionAccount(store, {
      account: 'cloudco:u-17',
      to: 'active',
      actor: `partner:${partnerId}`,
      reason: 'ok',
    });
    await transitionAccount(store, {
      account: 'cloudco:u-17',
      to: 'suspended',
      actor: 'admin:adm_x',
      reason: 'investigate',
    });
    await expect(
      transitionAccount(store, {
        account: 'cloudco:u-17',
        to: 'active',
        actor: `partner:${partnerId}`,
        reason: 'ok',
      }),
    ).rejects.toMatchObject({ code: 'ADMIN_FORBIDDEN' });
    await expect(
      transitionAccount(store, {
        account: 'cloudco:u-17',
        to: 'terminated',
        actor: `partner:${partnerId}`,
        reason: 'x',
      }),
    ).rejects.toMatchObject({ code: 'ADMIN_FORBIDDEN' });
    expect((await getAccount(store, 'cloudco:u-17'))?.statusActor).toBe('admin:adm_x');
  });

  it('issues admin tokens, finds them by the token, refuses unknown and malformed ones', async () => {
    const admin = await createAdminToken(store, { role: 'admin', name: 'ops' });
    expect(admin.token).toMatch(/^wdn-admin-[0-9A-Za-z]{43}$/);
    expect(await findAdminToken(store, admin.token)).toEqual({
      id: admin.id,
      role: 'admin',
      partnerId: null,
    });
    const tampered = `${admin.token.slice(0, -1)}${admin.token.endsWith('a') ? 'b' : 'a'}`;
    expect(await findAdminToken(store, tampered)).toBeNull();
    expect(await findAdminToken(store, 'nope')).toBeNull();
    const rows = await store.db.selectFrom('admin_tokens').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(admin.token);
    const partnerToken = await createAdminToken(store, { role: 'partner', partner: 'cloudco' });
    expect((await findAdminToken(store, partnerToken.token))?.partnerId).toMatch(/^ptr_/);
    await expect(createAdminToken(store, { role: 'partner' })).rejects.toMatchObject({
      code: 'ADMIN_INVALID',
    });
    await expect(createAdminToken(store, { role: 'viewer', partner: 'cloudco' })).rejects.toMatchObject({
      code: 'ADMIN_INVALID',
    });
    await expect(createAdminToken(store, { role: 'root' as never })).rejects.toMatchObject({
      code: 'ADMIN_INVALID',
    });
  });

  it('reports usage from usage_daily: all-time totals and the days of the window', async () => {
    const acme = await getAccount(store, 'acme');
    const id = acme?.id as string;
    await store.db
      .insertInto('usage_daily')
      .values([
        { account_id: id, date: '2026-01-01', requests: 5, tokens: 500 },
        { account_id: id, date: '2026-03-01', requests: 2, tokens: 40 },
        { account_id: id, date: '2026-03-02', requests: 3, tokens: 60 },
        { account_id: 'acct_other', date: '2026-03-02', requests: 99, tokens: 99 },
      ])
      .execute();
    const usage = await getUsage(store, id, { days: 7, now: Date.parse('2026-03-03T12:00:00Z') });
    expect(usage).toEqual({
      requests: 10,
      tokens: 600,
      days: [
        { date: '2026-03-01', requests: 2, tokens: 40 },
        { date: '2026-03-02', requests: 3, tokens: 60 },
      ],
    });
    expect(await getUsage(store, 'acct_none', {})).toEqual({ requests: 0, tokens: 0, days: [] });
  });
});
