// The dashboard's admin routes in process (app.inject) on both backends: traffic buckets, the accounts
// table, the change feed, roles; and the provenance trace jobs (upload, progress, attribution, report,
// refusals).
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, testBackends } from '../../../test/helpers/databases.js';
import {
  type AdminRole,
  createAccount,
  createAdminToken,
  createPartner,
  transitionAccount,
} from '../../accounts/index.js';
import { configSchema } from '../../config/config.js';
import { DeploymentSecret } from '../../config/deployment-secret.js';
import { provenanceAdminPlugin } from '../../provenance/admin-routes.js';
import { openRegistry } from '../../provenance/registry/registry.js';
import { openStore } from '../../store/open-store.js';
import type { Store } from '../../store/store.js';
import { dashboardAdminPlugin } from './dashboard-routes.js';
import { adminRoutes } from './index.js';

const MINUTE = 60_000;
const SERVED =
  'The lighthouse keeper climbed the spiral stairs every evening at dusk, counting the one hundred and ' +
  'twelve steps aloud, polishing the great lens with a soft cloth, trimming the wick, and writing the ' +
  'weather, the ships that passed and the colour of the sea into a leather logbook that his grandfather ' +
  'had started sixty years before, in a hand so small that the pages seemed to be covered in frost.';

describe.each(testBackends())('dashboard admin routes on %s', (backend) => {
  let database: TestDatabase;
  let store: Store;
  let app: FastifyInstance;
  const tokens = {} as Record<AdminRole, string>;
  const secret = new DeploymentSecret(Buffer.alloc(32, 9));
  const ids: Record<string, string> = {};
  const now = Date.now();
  let seq = 0;

  async function event(account: string, ts: number, tokensUsed: number, status = 200, channel = 'direct') {
    seq++;
    await store.db
      .insertInto('events')
      .values({
        id: `evt_test_${seq}`,
        ts,
        account_id: ids[account],
        key_id: null,
        channel,
        end_customer: null,
        model: 'demo',
        endpoint: '/v1/chat/completions',
        stream: 0,
        status: status === 200 ? 'ok' : 'error',
        http_status: status,
        error_code: null,
        request_body: '{}',
        output: null,
        prompt_tokens: null,
        completion_tokens: null,
        total_tokens: tokensUsed,
        latency_ms: 5,
        ttfb_ms: null,
        client_ip: null,
        upstream: 'demo',
      })
      .execute();
  }

  const get = (role: AdminRole | null, url: string) =>
    app.inject({
      method: 'GET',
      url: `/admin/v1${url}`,
      headers: role ? { authorization: `Bearer ${tokens[role]}` } : {},
    });

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    store = await openStore(database.url);
    await createPartner(store, { name: 'resellco' });
    for (const name of ['quiet', 'busy']) ids[name] = (await createAccount(store, { name })).id;
    ids.reseller = (
      await createAccount(store, { name: 'resellco:r1', partner: 'resellco', externalId: 'r1' })
    ).id;
    for (const role of ['viewer', 'analyst', 'admin', 'partner'] as AdminRole[])
      tokens[role] = (
        await createAdminToken(store, { role, partner: role === 'partner' ? 'resellco' : undefined })
      ).token;
    // busy: 3 requests 10 minutes ago (one refused), 1 two days ago; reseller: 2 through the partner.
    await event('busy', now - 10 * MINUTE, 100);
    await event('busy', now - 10 * MINUTE + 1000, 50);
    await event('busy', now - 10 * MINUTE + 2000, 0, 403);
    await event('busy', now - 2 * 24 * 60 * MINUTE, 999);
    await event('reseller', now - 5 * MINUTE, 7, 200, 'partner:resellco');
    await event('reseller', now - 4 * MINUTE, 8, 200, 'partner:resellco');
    await store.db
      .insertInto('account_risk')
      .values({
        account_id: ids.busy,
        risk: 91.5,
        verdict: 'suspend',
        requests: 4,
        detected_after: 2,
        signals: '[]',
        actor: null,
        updated_at: now,
      })
      .execute();
    const context = { store, secret, config: configSchema.parse({}), onStateChange: () => {} };
    app = Fastify();
    await app.register(
      async (admin) => {
        await adminRoutes(admin, { store, secret });
        await dashboardAdminPlugin(context)(admin);
        await provenanceAdminPlugin(context)(admin);
      },
      { prefix: '/admin/v1' },
    );
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
    await database?.drop();
  });

  it('buckets requests, tokens and refusals over the window, with empty buckets filled', async () => {
    const response = await get('viewer', '/dashboard/overview?hours=1');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    const points = body.traffic.points as { t: number; requests: number; tokens: number; refused: number }[];
    expect(body.traffic.bucket_ms).toBe(MINUTE);
    expect(points.length).toBeGreaterThanOrEqual(60);
    expect(points.reduce((s, p) => s + p.requests, 0)).toBe(5);
    expect(points.reduce((s, p) => s + p.tokens, 0)).toBe(165);
    expect(points.reduce((s, p) => s + p.refused, 0)).toBe(1);
    for (let i = 1; i < points.length; i++) expect(points[i].t - points[i - 1].t).toBe(MINUTE);
    expect(body.statuses).toEqual({ active: 3, suspended: 0, terminated: 0 });
    expect(body.verdicts).toMatchObject({ suspend: 1, unscored: 2 });
    expect(body.accounts[0].name).toBe('busy');
  });

  it('lists accounts with 24 h usage, channels, partner and risk, riskiest first', async () => {
    const response = await get('analyst', '/dashboard/accounts');
    expect(response.statusCode).toBe(200);
    const rows = response.json().accounts as Record<string, unknown>[];
    expect(rows.map((r) => r.name)).toEqual(['busy', 'quiet', 'resellco:r1']);
    expect(rows[0]).toMatchObject({ risk: 91.5, verdict: 'suspend', requests_24h: 3, tokens_24h: 150 });
    expect(rows[2]).toMatchObject({ partner: 'resellco', channels: ['partner:resellco'], requests_24h: 2 });
    expect(rows[1]).toMatchObject({ risk: null, requests_24h: 0, tokens_24h: 0, channels: [] });
  });

  it("gives one account's traffic, by id or name, and 404 for an unknown one", async () => {
    const byName = (await get('viewer', '/dashboard/accounts/resellco:r1/traffic?hours=1')).json();
    expect(byName.points.reduce((s: number, p: { requests: number }) => s + p.requests, 0)).toBe(2);
    expect(
      (await get('viewer', `/dashboard/accounts/${ids.busy}/traffic?hours=72`)).json().points.length,
    ).toBe(60 + 1);
    expect((await get('viewer', '/dashboard/accounts/nobody/traffic')).statusCode).toBe(404);
  });

  it('feeds status changes after a cursor and flags newer than a time', async () => {
    const start = (await get('viewer', `/dashboard/changes?seq=0&ts=${now - 1}`)).json();
    expect(start.flagged.map((f: { name: string }) => f.name)).toEqual(['busy']);
    await transitionAccount(store, { account: 'quiet', to: 'suspended', reason: 'test', actor: 'cli' });
    const next = (await get('viewer', `/dashboard/changes?seq=${start.seq}&ts=${start.ts}`)).json();
    expect(next.flagged).toEqual([]);
    expect(next.changes).toContainEqual(expect.objectContaining({ name: 'quiet', status: 'suspended' }));
    expect(next.seq).toBeGreaterThan(start.seq);
    const none = (await get('viewer', `/dashboard/changes?seq=${next.seq}&ts=${next.ts}`)).json();
    expect(none.changes).toEqual([]);
  });

  it('lets readers in, and refuses partners and requests without a token', async () => {
    for (const url of ['/dashboard/overview', '/dashboard/accounts', '/dashboard/changes']) {
      expect((await get('partner', url)).statusCode).toBe(403);
      expect((await get(null, url)).statusCode).toBe(401);
    }
    expect((await get('viewer', '/dashboard/overview?hours=0')).statusCode).toBe(400);
    expect((await get('viewer', '/dashboard/overview?bogus=1')).statusCode).toBe(400);
  });

  it('traces an uploaded dataset in the background and attributes the match', async () => {
    const registry = await openRegistry(store, secret);
    await registry.ingest([
      {
        id: 'out_1',
        accountId: ids.busy,
        keyId: null,
        channel: 'direct',
        endCustomer: null,
        ts: now,
        prompt: 'tell me a story',
        text: SERVED,
      },
    ]);
    await registry.close();
    const dataset = [
      JSON.stringify({ id: 'copied', text: SERVED.replace('lighthouse keeper', 'keeper').slice(0, 300) }),
      JSON.stringify({
        id: 'fresh',
        text: 'Bread rises because yeast ferments sugars and releases carbon dioxide that the gluten network traps while the dough rests in a warm kitchen for an hour or two before baking.',
      }),
    ].join('\n');
    const upload = await app.inject({
      method: 'POST',
      url: '/admin/v1/provenance/traces?name=suspect.jsonl',
      headers: { authorization: `Bearer ${tokens.analyst}`, 'content-type': 'application/x-ndjson' },
      payload: dataset,
    });
    expect(upload.statusCode).toBe(202);
    const id = upload.json().id as string;
    let job = upload.json();
    for (let i = 0; i < 100 && job.status !== 'done' && job.status !== 'failed'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      job = (await get('viewer', `/provenance/traces/${id}`)).json();
    }
    expect(job.status).toBe('done');
    expect(job.done).toBe(2);
    expect(job.summary.accounts).toEqual([expect.objectContaining({ account: 'busy', documents: 1 })]);
    const copied = job.results.find((r: { id: string }) => r.id === 'copied');
    expect(copied).toMatchObject({ match: true, account: 'busy' });
    expect(copied.matches[0].documentSpans.length).toBeGreaterThan(0);
    expect(job.results.find((r: { id: string }) => r.id === 'fresh').match).toBe(false);
    const report = await get('viewer', `/provenance/traces/${id}/report`);
    expect(report.statusCode).toBe(200);
    expect(report.headers['content-type']).toContain('text/html');
    expect(report.headers['content-security-policy']).toContain("default-src 'none'");
    expect(report.body).toContain('copied');
    expect((await get('viewer', '/provenance/traces')).json().traces[0].id).toBe(id);
  });

  it('refuses an empty or unreadable upload, and a viewer uploading at all', async () => {
    const post = (role: AdminRole, payload: string) =>
      app.inject({
        method: 'POST',
        url: '/admin/v1/provenance/traces?name=bad.jsonl',
        headers: { authorization: `Bearer ${tokens[role]}`, 'content-type': 'application/x-ndjson' },
        payload,
      });
    const before = (await get('viewer', '/provenance/traces')).json().traces.length;
    expect((await post('admin', '   ')).statusCode).toBe(400);
    const bad = await post('admin', '{not json\n[1,2]');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/line 1/);
    expect((await post('viewer', '{"id":"a","text":"hello there"}')).statusCode).toBe(403);
    expect((await get('viewer', '/provenance/traces')).json().traces.length).toBe(before);
    expect((await get('viewer', '/provenance/traces/trace_nope')).statusCode).toBe(404);
  });

  it('runs a model audit as a job, refusing a loopback endpoint, and never echoes the API key', async () => {
    const post = (role: AdminRole, payload: Record<string, unknown>) =>
      app.inject({
        method: 'POST',
        url: '/admin/v1/provenance/audits',
        headers: { authorization: `Bearer ${tokens[role]}` },
        payload,
      });
    expect((await post('viewer', { endpoint: 'http://example.com/v1', model: 'm' })).statusCode).toBe(403);
    expect((await post('analyst', { endpoint: 'not a url', model: 'm' })).statusCode).toBe(400);
    const started = await post('analyst', {
      endpoint: 'http://127.0.0.1:9/v1',
      model: 'suspect',
      api_key: 'sk-secret-1',
    });
    expect(started.statusCode).toBe(202);
    let job = started.json();
    for (let i = 0; i < 100 && job.status !== 'done' && job.status !== 'failed'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      job = (await get('viewer', `/provenance/audits/${job.id}`)).json();
    }
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/loopback|private|refused/i);
    const listed = await get('viewer', '/provenance/audits');
    expect(listed.body).not.toContain('sk-secret-1');
  });
});
