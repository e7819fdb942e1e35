// The admin API in process (app.inject, no port) on both backends: every route × every role, scoping of
// partner tokens, and the behaviour of each route.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, testBackends } from '../../../test/helpers/databases.js';
import {
  type AdminRole,
  createAccount,
  createAdminToken,
  createApiKey,
  createPartner,
  getAccount,
  latestStateChange,
  revokeAdminToken,
  transitionAccount,
} from '../../accounts/index.js';
import { DeploymentSecret } from '../../config/deployment-secret.js';
import { openStore } from '../../store/open-store.js';
import type { Store } from '../../store/store.js';
import { adminRoutes } from './index.js';

const ROLES: AdminRole[] = ['viewer', 'analyst', 'admin', 'partner'];
const READERS: AdminRole[] = ['viewer', 'analyst', 'admin'];
const ALL: AdminRole[] = ROLES;
const ADMIN_PARTNER: AdminRole[] = ['admin', 'partner'];
const ADMIN: AdminRole[] = ['admin'];

interface Call {
  method: 'GET' | 'POST';
  url: string;
  payload?: Record<string, unknown>;
}

interface MatrixRoute {
  name: string;
  allow: AdminRole[];
  /** Builds the request, creating a fresh target so that an allowed call can succeed. */
  make: (role: AdminRole, n: number) => Promise<Call>;
}

let counter = 0;
const unique = (stem: string) => `${stem}-${Date.now().toString(36)}-${counter++}`;

describe.each(testBackends())('admin API on %s', (backend) => {
  let database: TestDatabase;
  let store: Store;
  let app: FastifyInstance;
  let cloudcoId: string;
  let stateChanges = 0;
  const tokens = {} as Record<AdminRole, string>;
  const secret = new DeploymentSecret(Buffer.alloc(32, 3));

  async function customer(): Promise<string> {
    const ext = unique('u');
    return (await createAccount(store, { name: `cloudco:${ext}`, partner: 'cloudco', externalId: ext })).id;
  }

  const request = (role: AdminRole | null, call: Call) =>
    app.inject({
      method: call.method,
      url: `/admin/v1${call.url}`,
      headers: role ? { authorization: `Bearer ${tokens[role]}` } : {},
      ...(call.payload !== undefined ? { payload: call.payload } : {}),
    });

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    store = await openStore(database.url);
    cloudcoId = (await createPartner(store, { name: 'cloudco' })).id;
    await createPartner(store, { name: 'otherco' });
    await createAccount(store, { name: 'acme' });
    await createAccount(store, { name: 'otherco:x1', partner: 'otherco', externalId: 'x1' });
    for (const role of ROLES) {
      tokens[role] = (
        await createAdminToken(store, { role, partner: role === 'partner' ? 'cloudco' : undefined })
      ).token;
    }
    app = Fastify();
    await app.register(
      async (admin) =>
        adminRoutes(admin, {
          store,
          secret,
          onStateChange: () => {
            stateChanges++;
          },
        }),
      { prefix: '/admin/v1' },
    );
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await store.close();
    await database.drop();
  });

  const routes: MatrixRoute[] = [
    { name: 'GET /whoami', allow: ALL, make: async () => ({ method: 'GET', url: '/whoami' }) },
    { name: 'GET /accounts', allow: ALL, make: async () => ({ method: 'GET', url: '/accounts' }) },
    {
      name: 'POST /accounts',
      allow: ADMIN_PARTNER,
      make: async () => {
        const ext = unique('new');
        return {
          method: 'POST',
          url: '/accounts',
          payload: { name: `cloudco:${ext}`, partner: 'cloudco', external_id: ext },
        };
      },
    },
    {
      name: 'GET /accounts/:id',
      allow: ALL,
      make: async () => ({ method: 'GET', url: `/accounts/${await customer()}` }),
    },
    {
      name: 'GET /accounts/:id/usage',
      allow: ALL,
      make: async () => ({ method: 'GET', url: `/accounts/${await customer()}/usage` }),
    },
    {
      name: 'POST /accounts/:id/suspend',
      allow: ADMIN_PARTNER,
      make: async () => ({
        method: 'POST',
        url: `/accounts/${await customer()}/suspend`,
        payload: { reason: 'abuse' },
      }),
    },
    {
      name: 'POST /accounts/:id/reinstate',
      allow: ADMIN_PARTNER,
      make: async (role) => {
        const id = await customer();
        const actor = role === 'partner' ? `partner:${cloudcoId}` : 'cli';
        await transitionAccount(store, { account: id, to: 'suspended', actor, reason: 'setup' });
        return { method: 'POST', url: `/accounts/${id}/reinstate`, payload: { reason: 'fixed' } };
      },
    },
    {
      name: 'POST /accounts/:id/terminate',
      allow: ADMIN,
      make: async () => ({
        method: 'POST',
        url: `/accounts/${await customer()}/terminate`,
        payload: { reason: 'resale' },
      }),
    },
    {
      name: 'GET /accounts/:id/keys',
      allow: READERS,
      make: async () => ({ method: 'GET', url: `/accounts/${await customer()}/keys` }),
    },
    {
      name: 'POST /accounts/:id/keys',
      allow: ADMIN,
      make: async () => ({
        method: 'POST',
        url: `/accounts/${await customer()}/keys`,
        payload: { name: 'ci' },
      }),
    },
    {
      name: 'GET /partners/:id/keys',
      allow: READERS,
      make: async () => ({ method: 'GET', url: '/partners/cloudco/keys' }),
    },
    {
      name: 'POST /partners/:id/keys',
      allow: ADMIN,
      make: async () => ({ method: 'POST', url: '/partners/cloudco/keys', payload: {} }),
    },
    {
      name: 'GET /keys/:id',
      allow: READERS,
      make: async () => ({
        method: 'GET',
        url: `/keys/${(await createApiKey(store, { account: 'acme' })).id}`,
      }),
    },
    {
      name: 'POST /keys/:id/revoke',
      allow: ADMIN,
      make: async () => ({
        method: 'POST',
        url: `/keys/${(await createApiKey(store, { account: 'acme' })).id}/revoke`,
      }),
    },
    { name: 'GET /partners', allow: READERS, make: async () => ({ method: 'GET', url: '/partners' }) },
    {
      name: 'POST /partners',
      allow: ADMIN,
      make: async () => ({ method: 'POST', url: '/partners', payload: { name: unique('p') } }),
    },
    {
      name: 'GET /partners/:id/customers',
      allow: ALL,
      make: async () => ({ method: 'GET', url: '/partners/cloudco/customers' }),
    },
  ];

  async function snapshot(): Promise<string> {
    const count = async (table: 'accounts' | 'api_keys' | 'partners') =>
      Number(
        (
          await store.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirst()
        )?.n,
      );
    const statuses = await store.db.selectFrom('accounts').select(['id', 'status']).orderBy('id').execute();
    const revoked = await store.db
      .selectFrom('api_keys')
      .select(['id', 'revoked_at'])
      .orderBy('id')
      .execute();
    return JSON.stringify([await count('partners'), statuses, revoked]);
  }

  describe.each(routes)('$name', (route) => {
    it.each(ROLES)('as %s', async (role) => {
      const call = await route.make(role, 0);
      const before = await snapshot();
      const response = await request(role, call);
      if (route.allow.includes(role)) {
        expect(response.statusCode, response.body).toBeLessThan(300);
      } else {
        expect(response.statusCode, response.body).toBe(403);
        expect(response.json().error.code).toBe('ADMIN_FORBIDDEN');
        expect(await snapshot()).toBe(before);
      }
    });

    it('is refused without a token, with a bad token and with a revoked token', async () => {
      const call = await route.make('admin', 0);
      const before = await snapshot();
      for (const authorization of [
        undefined,
        'Bearer wdn-admin-nope',
        `Basic ${tokens.admin}`,
        `Bearer ${tokens.admin}x`,
      ]) {
        const response = await app.inject({
          method: call.method,
          url: `/admin/v1${call.url}`,
          headers: authorization ? { authorization } : {},
          ...(call.payload !== undefined ? { payload: call.payload } : {}),
        });
        expect(response.statusCode).toBe(401);
        expect(response.json().error.code).toBe('ADMIN_UNAUTHORIZED');
      }
      expect(await snapshot()).toBe(before);
    });
  });

  it('refuses a revoked admin token at once', async () => {
    const made = await createAdminToken(store, { role: 'admin' });
    const call = {
      method: 'GET',
      url: '/admin/v1/whoami',
      headers: { authorization: `Bearer ${made.token}` },
    } as const;
    expect((await app.inject(call)).statusCode).toBe(200);
    await revokeAdminToken(store, made.id);
    expect((await app.inject(call)).statusCode).toBe(401);
  });

  it('scopes a partner token to its own end customers (others are not found)', async () => {
    const list = await request('partner', { method: 'GET', url: '/accounts' });
    const names: string[] = list.json().accounts.map((a: { name: string }) => a.name);
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((n) => n.startsWith('cloudco:'))).toBe(true);
    for (const target of ['acme', 'otherco:x1']) {
      for (const call of [
        { method: 'GET', url: `/accounts/${target}` },
        { method: 'GET', url: `/accounts/${target}/usage` },
        { method: 'POST', url: `/accounts/${target}/suspend`, payload: { reason: 'r' } },
      ] as Call[]) {
        const response = await request('partner', call);
        expect(response.statusCode, call.url).toBe(404);
      }
      expect((await getAccount(store, target))?.status).toBe('active');
    }
    expect((await request('partner', { method: 'GET', url: '/partners/otherco/customers' })).statusCode).toBe(
      404,
    );
    expect((await request('partner', { method: 'GET', url: '/accounts?partner=otherco' })).statusCode).toBe(
      404,
    );
    const foreign = await request('partner', {
      method: 'POST',
      url: '/accounts',
      payload: { partner: 'otherco', external_id: 'sneaky' },
    });
    expect(foreign.statusCode).toBe(403);
  });

  it('lets a partner provision an end customer by external id', async () => {
    const response = await request('partner', {
      method: 'POST',
      url: '/accounts',
      payload: { external_id: 'tenant-42' },
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({
      name: 'cloudco:tenant-42',
      partner: 'cloudco',
      external_id: 'tenant-42',
    });
    const missing = await request('partner', { method: 'POST', url: '/accounts', payload: {} });
    expect(missing.statusCode).toBe(400);
  });

  it('keeps a provider suspension out of a partner’s reach', async () => {
    const id = await customer();
    const suspended = await request('admin', {
      method: 'POST',
      url: `/accounts/${id}/suspend`,
      payload: { reason: 'probe' },
    });
    expect(suspended.json()).toMatchObject({ status: 'suspended', status_reason: 'probe' });
    const lifted = await request('partner', {
      method: 'POST',
      url: `/accounts/${id}/reinstate`,
      payload: { reason: 'x' },
    });
    expect(lifted.statusCode).toBe(403);
    expect(lifted.json().error.code).toBe('ADMIN_FORBIDDEN');
    expect((await getAccount(store, id))?.status).toBe('suspended');
  });

  it('shows an account with usage, risk and no case, and never a hash', async () => {
    const account = await createAccount(store, { name: unique('shown') });
    await store.db
      .insertInto('usage_daily')
      .values({
        account_id: account.id,
        date: new Date().toISOString().slice(0, 10),
        requests: 3,
        tokens: 90,
      })
      .execute();
    await store.db
      .insertInto('account_risk')
      .values({
        account_id: account.id,
        risk: 72,
        verdict: 'review',
        requests: 3,
        detected_after: 2,
        signals: '[{"id":"templates","score":0.8}]',
        actor: null,
        updated_at: Date.now(),
      })
      .execute();
    await createApiKey(store, { account: account.id });
    const shown = await request('viewer', { method: 'GET', url: `/accounts/${account.name}` });
    expect(shown.statusCode).toBe(200);
    const body = shown.json();
    expect(body).toMatchObject({ id: account.id, name: account.name, status: 'active', case: null });
    expect(body.usage.requests).toBe(3);
    expect(body.usage.days).toHaveLength(1);
    expect(body.risk).toMatchObject({
      risk: 72,
      verdict: 'review',
      detected_after: 2,
      signals: [{ id: 'templates', score: 0.8 }],
    });
    const keys = await request('viewer', { method: 'GET', url: `/accounts/${account.id}/keys` });
    expect(keys.json().keys).toHaveLength(1);
    expect(keys.body).not.toMatch(/hash|sk-wdn-[0-9A-Za-z]{43}/);
  });

  it('creates a key shown once and a partner whose webhook secret never comes back', async () => {
    const created = await request('admin', {
      method: 'POST',
      url: '/accounts/acme/keys',
      payload: { name: 'prod', limits: { rpm: 10 } },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ account: 'acme', partner: null });
    expect(created.json().key).toMatch(/^sk-wdn-/);
    const noBody = await app.inject({
      method: 'POST',
      url: '/admin/v1/accounts/acme/keys',
      headers: { authorization: `Bearer ${tokens.admin}` },
    });
    expect(noBody.statusCode).toBe(201);
    const partner = await request('admin', {
      method: 'POST',
      url: '/partners',
      payload: {
        name: 'hooked',
        webhook_url: 'https://hooks.example/w',
        webhook_secret: 'whsec_0123456789abcdef',
      },
    });
    expect(partner.statusCode).toBe(201);
    expect(partner.json()).toMatchObject({ name: 'hooked', has_webhook_secret: true });
    const partners = await request('viewer', { method: 'GET', url: '/partners' });
    expect(partners.body).not.toContain('whsec_0123456789abcdef');
    const badUrl = await request('admin', {
      method: 'POST',
      url: '/partners',
      payload: {
        name: 'badhook',
        webhook_url: 'file:///etc/passwd',
        webhook_secret: 'whsec_0123456789abcdef',
      },
    });
    expect(badUrl.statusCode).toBe(400);
  });

  it('refuses bad input with ADMIN_INVALID and illegal transitions with 409, changing nothing', async () => {
    const id = await customer();
    const before = await latestStateChange(store);
    const cases: [Call, number, string][] = [
      [{ method: 'POST', url: `/accounts/${id}/suspend`, payload: {} }, 400, 'ADMIN_INVALID'],
      [{ method: 'POST', url: `/accounts/${id}/suspend`, payload: { reason: '   ' } }, 400, 'ADMIN_INVALID'],
      [
        { method: 'POST', url: `/accounts/${id}/suspend`, payload: { reason: 'x', extra: 1 } },
        400,
        'ADMIN_INVALID',
      ],
      [
        { method: 'POST', url: `/accounts/${id}/reinstate`, payload: { reason: 'x' } },
        409,
        'ACCOUNT_ILLEGAL_TRANSITION',
      ],
      [
        { method: 'POST', url: '/accounts', payload: { name: 'x', limits: { rmp: 5 } } },
        400,
        'ADMIN_INVALID',
      ],
      [
        { method: 'POST', url: '/accounts', payload: { name: 'x', limits: { rpm: 0 } } },
        400,
        'ADMIN_INVALID',
      ],
      [{ method: 'POST', url: '/accounts', payload: { name: 'acme' } }, 409, 'ADMIN_CONFLICT'],
      [{ method: 'POST', url: '/accounts/nobody/suspend', payload: { reason: 'x' } }, 404, 'ADMIN_NOT_FOUND'],
      [{ method: 'GET', url: '/accounts?status=weird' }, 400, 'ADMIN_INVALID'],
      [{ method: 'GET', url: '/accounts/acme/usage?days=0' }, 400, 'ADMIN_INVALID'],
      [{ method: 'GET', url: '/no/such/route' }, 404, 'ADMIN_NOT_FOUND'],
      [{ method: 'POST', url: `/accounts/${id}/reinstate` }, 400, 'ADMIN_INVALID'],
    ];
    const bad = await app.inject({
      method: 'POST',
      url: `/admin/v1/accounts/${id}/suspend`,
      headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' },
      payload: '{"reason": ',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('ADMIN_INVALID');
    for (const [call, status, code] of cases) {
      const response = await request('admin', call);
      expect(response.statusCode, `${call.method} ${call.url} ${response.body}`).toBe(status);
      expect(response.json().error.code).toBe(code);
    }
    expect(await latestStateChange(store)).toBe(before);
    await request('admin', { method: 'POST', url: `/accounts/${id}/terminate`, payload: { reason: 'done' } });
    for (const action of ['suspend', 'reinstate', 'terminate']) {
      const response = await request('admin', {
        method: 'POST',
        url: `/accounts/${id}/${action}`,
        payload: { reason: 'x' },
      });
      expect(response.statusCode).toBe(409);
    }
  });

  it('tells the gateway about status changes and answers whoami', async () => {
    const seen = stateChanges;
    const id = await customer();
    await request('admin', { method: 'POST', url: `/accounts/${id}/suspend`, payload: { reason: 'r' } });
    expect(stateChanges).toBe(seen + 1);
    const me = await request('partner', { method: 'GET', url: '/whoami' });
    expect(me.json()).toMatchObject({ role: 'partner', partner: { id: cloudcoId, name: 'cloudco' } });
  });
});
