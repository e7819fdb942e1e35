// Accounts contract: the data functions the gateway, admin API and CLI rely on behave the same on
// SQLite and PostgreSQL.
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
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
import * as accountsCommand from '../../src/cli/commands/accounts.js';
import * as adminTokensCommand from '../../src/cli/commands/admin-tokens.js';
import * as keysCommand from '../../src/cli/commands/keys.js';
import * as partnersCommand from '../../src/cli/commands/partners.js';
import { ExitError } from '../../src/cli/exit-error.js';
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

// The CLI commands (DESIGN.md contract) on the same backends: JSON shapes, exit codes, nothing written
// on bad usage. Commands run through commander exactly as `warden` parses them.
async function runCommands(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command('warden')
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  for (const module of [accountsCommand, keysCommand, partnersCommand, adminTokensCommand])
    module.register(program);
  const quiet = (command: Command) => {
    command.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    command.commands.forEach(quiet);
  };
  program.commands.forEach(quiet);
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return { code: 0, stdout, stderr: '' };
  } catch (error) {
    if (error instanceof CommanderError) return { code: 2, stdout, stderr: error.message };
    if (error instanceof ExitError) return { code: error.exitCode, stdout, stderr: error.message };
    throw error;
  } finally {
    spy.mockRestore();
  }
}

describe.each(testBackends())('accounts CLI on %s', (backend) => {
  let database: TestDatabase;
  let store: Store;
  const previousSecret = process.env.WARDEN_SECRET;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    store = await openStore(database.url);
    process.env.WARDEN_SECRET = '11'.repeat(32);
  });
  afterAll(async () => {
    if (previousSecret === undefined) delete process.env.WARDEN_SECRET;
    else process.env.WARDEN_SECRET = previousSecret;
    await store.close();
    await database.drop();
  });

  const run = (...argv: string[]) => runCommands([...argv, '--db', database.url]);
  const count = async (table: 'accounts' | 'api_keys' | 'partners' | 'admin_tokens' | 'state_changes') =>
    Number(
      (
        await store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirst()
      )?.n,
    );

  it('accounts create --json prints the account; keys create prints {id,key,prefix,account} once', async () => {
    const created = await run('accounts', 'create', 'acme', '--rpm', '60', '--tpm', '1000', '--json');
    expect(created.code).toBe(0);
    const account = JSON.parse(created.stdout);
    expect(account).toMatchObject({ name: 'acme', status: 'active', limits: { rpm: 60, tpm: 1000 } });
    expect(account.id).toMatch(/^acct_/);
    const key = await run('keys', 'create', '--account', 'acme', '--json');
    expect(key.code).toBe(0);
    const printed = JSON.parse(key.stdout);
    expect(Object.keys(printed).sort()).toEqual(['account', 'id', 'key', 'prefix']);
    expect(printed).toMatchObject({ account: 'acme', prefix: printed.key.slice(0, 12) });
    expect((await findKeyByHash(store, hashSecret(printed.key)))?.accountId).toBe(account.id);
    const listed = await run('keys', 'list', '--account', 'acme', '--json');
    expect(listed.stdout).not.toContain(printed.key);
  });

  it('accounts show --json prints status, case, usage (and risk)', async () => {
    const id = (await getAccount(store, 'acme'))?.id as string;
    await store.db
      .insertInto('usage_daily')
      .values({ account_id: id, date: new Date().toISOString().slice(0, 10), requests: 4, tokens: 120 })
      .execute();
    const shown = await run('accounts', 'show', 'acme', '--json');
    expect(shown.code).toBe(0);
    const body = JSON.parse(shown.stdout);
    expect(body).toMatchObject({ id, name: 'acme', status: 'active', case: null, risk: null });
    expect(body.usage).toEqual({
      requests: 4,
      tokens: 120,
      days: [{ date: new Date().toISOString().slice(0, 10), requests: 4, tokens: 120 }],
    });
  });

  it('suspend, reinstate, terminate need a reason and refuse illegal transitions', async () => {
    await run('accounts', 'create', 'globex');
    const before = await count('state_changes');
    expect((await run('accounts', 'suspend', 'globex')).code).toBe(2);
    expect((await run('accounts', 'suspend', 'globex', '--reason', '  ')).code).toBe(2);
    expect((await run('accounts', 'reinstate', 'globex', '--reason', 'x')).code).toBe(1);
    expect((await run('accounts', 'suspend', 'nobody', '--reason', 'x')).code).toBe(2);
    expect(await count('state_changes')).toBe(before);
    const suspended = await run('accounts', 'suspend', 'globex', '--reason', 'bulk harvesting', '--json');
    expect(JSON.parse(suspended.stdout)).toMatchObject({
      status: 'suspended',
      status_reason: 'bulk harvesting',
    });
    expect((await run('accounts', 'suspend', 'globex', '--reason', 'again')).code).toBe(1);
    expect((await run('accounts', 'reinstate', 'globex', '--reason', 'remediated')).code).toBe(0);
    expect((await run('accounts', 'terminate', 'globex', '--reason', 'resale')).code).toBe(0);
    for (const action of ['suspend', 'reinstate', 'terminate']) {
      const refused = await run('accounts', action, 'globex', '--reason', 'x');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/terminated/);
    }
    const list = JSON.parse((await run('accounts', 'list', '--status', 'terminated', '--json')).stdout);
    expect(list.accounts.map((a: { name: string }) => a.name)).toEqual(['globex']);
  });

  it('bad usage exits 2 and writes nothing', async () => {
    const before = JSON.stringify(
      await Promise.all(
        (['accounts', 'api_keys', 'partners', 'admin_tokens', 'state_changes'] as const).map((t) => count(t)),
      ),
    );
    const attempts = [
      ['accounts', 'create', 'bad name'],
      ['accounts', 'create', 'x', '--rpm', 'abc'],
      ['accounts', 'create', 'x', '--rpm', '0'],
      ['accounts', 'create', 'x', '--external-id', 'e1'],
      ['accounts', 'create', 'x', '--partner', 'no-such-partner'],
      ['accounts', 'list', '--status', 'weird'],
      ['keys', 'create'],
      ['keys', 'create', '--account', 'acme', '--partner', 'p'],
      ['keys', 'create', '--account', 'nobody'],
      ['keys', 'revoke', 'sk-wdn-nope'],
      ['partners', 'create', 'p1', '--webhook-url', 'https://h.example/w'],
      [
        'partners',
        'create',
        'p1',
        '--webhook-url',
        'ftp://h.example/w',
        '--webhook-secret',
        'whsec_0123456789abcdef',
      ],
      ['partners', 'create', 'p1', '--webhook-url', 'https://h.example/w', '--webhook-secret', 'short'],
      ['admin-tokens', 'create'],
      ['admin-tokens', 'create', '--role', 'root'],
      ['admin-tokens', 'create', '--role', 'partner'],
      ['admin-tokens', 'create', '--role', 'viewer', '--partner', 'p'],
    ];
    for (const argv of attempts) {
      const result = await run(...argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr.split('\n')).toHaveLength(1);
    }
    expect(
      JSON.stringify(
        await Promise.all(
          (['accounts', 'api_keys', 'partners', 'admin_tokens', 'state_changes'] as const).map((t) =>
            count(t),
          ),
        ),
      ),
    ).toBe(before);
    expect((await runCommands(['accounts', 'list', '--db', 'mysql://x'])).code).toBe(2);
  });

  it('partners, partner end customers, partner keys and admin tokens', async () => {
    const partner = await run(
      'partners',
      'create',
      'cloudco',
      '--webhook-url',
      'https://hooks.cloudco.example/w',
      '--webhook-secret',
      'whsec_0123456789abcdef',
      '--json',
    );
    expect(partner.code).toBe(0);
    expect(JSON.parse(partner.stdout)).toMatchObject({ name: 'cloudco', has_webhook_secret: true });
    expect(partner.stdout).not.toContain('whsec_0123456789abcdef');
    const customer = await run(
      'accounts',
      'create',
      'cloudco:u1',
      '--partner',
      'cloudco',
      '--external-id',
      'u1',
      '--json',
    );
    expect(JSON.parse(customer.stdout)).toMatchObject({ partner: 'cloudco', external_id: 'u1' });
    const key = JSON.parse((await run('keys', 'create', '--partner', 'cloudco', '--json')).stdout);
    expect(key).toMatchObject({ account: null, partner: 'cloudco' });
    expect(key.key).toMatch(/^sk-wdnp-/);
    const revoked = await run('keys', 'revoke', key.prefix, '--json');
    expect(JSON.parse(revoked.stdout).revoked_at).not.toBeNull();
    expect((await run('keys', 'revoke', key.id)).code).toBe(1);

    const admin = JSON.parse((await run('admin-tokens', 'create', '--role', 'admin', '--json')).stdout);
    expect(Object.keys(admin).sort()).toEqual(['id', 'role', 'token']);
    expect(await findAdminToken(store, admin.token)).toMatchObject({ id: admin.id, role: 'admin' });
    const scoped = JSON.parse(
      (await run('admin-tokens', 'create', '--role', 'partner', '--partner', 'cloudco', '--json')).stdout,
    );
    expect(scoped).toMatchObject({ role: 'partner', partner: 'cloudco' });
    const partners = JSON.parse((await run('partners', 'list', '--json')).stdout);
    expect(partners.partners.map((p: { name: string }) => p.name)).toEqual(['cloudco']);
  });
});
