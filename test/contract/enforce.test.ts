// Enforcement on both backends: a status change, its case, its audit entry and its webhook commit
// together or not at all; illegal moves change nothing; policy actions act once per evidence; an
// account reinstated by an admin is judged only on requests made after the decision (also after the
// detection consumer restarts); webhooks are signed and retried after a 500; every new admin route
// refuses the roles it does not allow.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdminRole,
  createAccount,
  createAdminToken,
  createPartner,
  getAccount,
} from '../../src/accounts/index.js';
import { listAuditEntries, verifyAuditLog } from '../../src/audit/index.js';
import { casesAssign, casesDecide, casesList, casesNote, casesShow } from '../../src/cli/commands/cases.js';
import { ExitError } from '../../src/cli/exit-error.js';
import { DeploymentSecret } from '../../src/config/deployment-secret.js';
import {
  applyPolicyActions,
  auditAdminRoutes,
  changeAccountStatus,
  createWebhookDelivery,
  decideCase,
  enforceAdminRoutes,
  getWebhookDelivery,
  openReviewCase,
  requireCase,
  verifyWebhookSignature,
} from '../../src/enforce/index.js';
import type { EventLog } from '../../src/events/event-log.js';
import { openEventLog } from '../../src/events/open-event-log.js';
import { newId, type UsageEvent } from '../../src/events/usage-event.js';
import { adminRoutes } from '../../src/gateway/admin/index.js';
import { startDetectionConsumer } from '../../src/runtime/detection-consumer.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase, type TestDatabase, testBackends } from '../helpers/databases.js';
import { SEED_TASKS, selfInstructPrompt } from '../helpers/distiller-prompts.js';

const secret = new DeploymentSecret(Buffer.alloc(32, 7));
const WEBHOOK_SECRET = 'whsec_test_0123456789abcdef';

function distillerEvent(accountId: string, i: number, ts: number): UsageEvent {
  return {
    id: newId('evt'),
    ts,
    accountId,
    keyId: null,
    channel: 'direct',
    endCustomer: null,
    model: 'demo',
    endpoint: '/v1/chat/completions',
    stream: false,
    status: 'ok',
    httpStatus: 200,
    errorCode: null,
    requestBody: JSON.stringify({
      model: 'demo',
      messages: [{ role: 'user', content: selfInstructPrompt(i) }],
    }),
    output: `1. Instruction: ${SEED_TASKS[(i + 2) % SEED_TASKS.length]}\nInput: <noinput>\nOutput: …`,
    promptTokens: 120,
    completionTokens: 40,
    totalTokens: 160,
    latencyMs: 5,
    ttfbMs: 2,
    clientIp: '10.0.0.9',
    upstream: 'demo',
  };
}

async function count(
  store: Store,
  table: 'audit_entries' | 'cases' | 'webhook_deliveries' | 'state_changes',
) {
  const row = await store.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const consumerErrors: string[] = [];

async function waitFor<T>(check: () => Promise<T | null | undefined | false>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until)
      throw new Error(
        `timed out waiting; consumer errors: ${consumerErrors.slice(0, 3).join(' | ') || 'none'}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

let counter = 0;
const unique = (stem: string) => `${stem}-${Date.now().toString(36)}-${counter++}`;

describe.each(testBackends())('enforcement on %s', (backend) => {
  let database: TestDatabase;
  let store: Store;
  let log: EventLog;
  let receiver: Server;
  let receiverUrl = '';
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];
  let failNext = 0;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    store = await openStore(database.url);
    log = openEventLog(store);
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        if (failNext > 0) {
          failNext--;
          res.writeHead(500).end('boom');
        } else res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    await createPartner(store, {
      name: 'cloudco',
      webhookUrl: receiverUrl,
      webhookSecret: WEBHOOK_SECRET,
      deploymentSecret: secret,
    });
  });
  afterAll(async () => {
    await new Promise((r) => receiver.close(r));
    await log.close();
    await store.close();
    await database.drop();
  });

  // First, while no evidence floor exists yet: the consumer must notice the first one too.
  it('judges a reinstated account only on requests after the decision, across a restart (the first floor of the database included)', async () => {
    const account = await createAccount(store, { name: unique('distiller') });
    const start = Date.now() - 60_000;
    for (let i = 0; i < 30; i++) await log.append(distillerEvent(account.id, i, start + i * 1000));
    let consumer = startDetectionConsumer({
      store,
      log,
      pollMs: 20,
      onError: (e) => consumerErrors.push(e.message),
    });
    try {
      const suspended = await waitFor(async () => {
        const a = await getAccount(store, account.id);
        return a?.status === 'suspended' ? a : null;
      });
      const caseId = suspended.openCaseId as string;
      const view = await requireCase(store, caseId);
      expect(view.opened_by).toMatch(/^policy:/);
      expect(view.evidence).toMatchObject({ examples: expect.any(Array) });
      expect((view.evidence as { examples: unknown[] }).examples.length).toBeGreaterThan(0);
      await decideCase(store, {
        caseId,
        decision: 'reinstate',
        actor: 'admin:adm_1',
        reason: 'customer stopped the pipeline',
        conditions: ['no synthetic data generation'],
      });
      // One more old-style request from before the decision arrives late, and an ordinary new one.
      await log.append(distillerEvent(account.id, 99, start + 40_000));
      await log.append({
        ...distillerEvent(account.id, 100, Date.now() + 5),
        requestBody: JSON.stringify({
          model: 'demo',
          messages: [{ role: 'user', content: 'What is the capital of France?' }],
        }),
      });
      await consumer.caughtUp();
      await consumer.caughtUp();
      expect((await getAccount(store, account.id))?.status).toBe('active');
      expect(consumer.rebuilds()).toBeGreaterThanOrEqual(1);
    } finally {
      await consumer.stop();
    }
    // A restart replays the whole log: the pre-decision evidence stays below the floor.
    consumer = startDetectionConsumer({
      store,
      log,
      pollMs: 20,
      onError: (e) => consumerErrors.push(e.message),
    });
    try {
      await consumer.caughtUp();
      await consumer.caughtUp();
      expect((await getAccount(store, account.id))?.status).toBe('active');
      // New distillation after the decision acts again, with a new case.
      const now = Date.now() + 10;
      for (let i = 0; i < 30; i++) await log.append(distillerEvent(account.id, 200 + i, now + i));
      const again = await waitFor(async () => {
        const a = await getAccount(store, account.id);
        return a?.status === 'suspended' ? a : null;
      });
      const cases = await store.db
        .selectFrom('cases')
        .select('id')
        .where('account_id', '=', account.id)
        .execute();
      expect(cases).toHaveLength(2);
      expect(again.openCaseId).not.toBeNull();
    } finally {
      await consumer.stop();
    }
  }, 60_000);

  it('drops the signals of uses allowed to the account (accounts.allowed_uses)', async () => {
    const account = await createAccount(store, { name: unique('allowed') });
    await store.db
      .updateTable('accounts')
      .set({ allowed_uses: JSON.stringify(['generation']) })
      .where('id', '=', account.id)
      .execute();
    const now = Date.now();
    for (let i = 0; i < 30; i++) await log.append(distillerEvent(account.id, i, now + i));
    const consumer = startDetectionConsumer({
      store,
      log,
      pollMs: 20,
      onError: (e) => consumerErrors.push(e.message),
    });
    try {
      const risk = await waitFor(() =>
        store.db
          .selectFrom('account_risk')
          .selectAll()
          .where('account_id', '=', account.id)
          .where('requests', '=', 30)
          .executeTakeFirst(),
      );
      expect(JSON.parse(risk.signals).map((s: { id: string }) => s.id)).not.toContain('intent.generation');
      await consumer.caughtUp();
      expect((await getAccount(store, account.id))?.status).toBe('active');
    } finally {
      await consumer.stop();
    }
  });

  it('commits the status, case, timeline, audit entries and webhook together', async () => {
    const account = await createAccount(store, {
      name: unique('cloudco:c'),
      partner: 'cloudco',
      externalId: unique('e'),
    });
    const audits = await count(store, 'audit_entries');
    const result = await changeAccountStatus(store, {
      account: account.id,
      action: 'suspend',
      actor: 'admin:adm_test',
      reason: 'dataset generation at volume',
    });
    expect(result.account.status).toBe('suspended');
    expect(result.caseId).toMatch(/^case_/);
    expect(result.account.openCaseId).toBe(result.caseId);
    const entries = await listAuditEntries(store, { after: audits - 1, limit: 10 });
    expect(entries.map((e) => e.action)).toEqual(['case.open', 'account.suspend']);
    expect(entries[1]).toMatchObject({ actor: 'admin:adm_test', subject: `account:${account.id}` });
    expect(entries[1].details).toMatchObject({ reason: 'dataset generation at volume', case: result.caseId });
    const deliveries = await store.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('account_id', '=', account.id)
      .execute();
    expect(deliveries.map((d) => d.event_type)).toEqual(['account.suspended']);
    const view = await requireCase(store, result.caseId as string);
    expect(view.timeline.map((t) => t.kind)).toEqual(['opened']);
    expect((await verifyAuditLog(store, secret)).ok).toBe(true);
  });

  it('rolls everything back when the hook fails', async () => {
    const account = await createAccount(store, { name: unique('rollback') });
    const before = await Promise.all(
      (['audit_entries', 'cases', 'webhook_deliveries', 'state_changes'] as const).map((t) =>
        count(store, t),
      ),
    );
    await expect(
      changeAccountStatus(store, {
        account: account.id,
        action: 'suspend',
        actor: 'cli',
        reason: 'x',
        within: async () => {
          throw new Error('hook failed');
        },
      }),
    ).rejects.toThrow('hook failed');
    const after = await Promise.all(
      (['audit_entries', 'cases', 'webhook_deliveries', 'state_changes'] as const).map((t) =>
        count(store, t),
      ),
    );
    expect(after).toEqual(before);
    const reread = await getAccount(store, account.id);
    expect(reread).toMatchObject({ status: 'active', openCaseId: null });
  });

  it('refuses illegal moves and missing reasons with nothing changed or audited', async () => {
    const account = await createAccount(store, { name: unique('illegal') });
    const audits = await count(store, 'audit_entries');
    await expect(
      changeAccountStatus(store, { account: account.id, action: 'reinstate', actor: 'cli', reason: 'x' }),
    ).rejects.toMatchObject({ code: 'ACCOUNT_ILLEGAL_TRANSITION' });
    await expect(
      changeAccountStatus(store, { account: account.id, action: 'suspend', actor: 'cli', reason: '  ' }),
    ).rejects.toMatchObject({ code: 'ADMIN_INVALID' });
    await expect(
      changeAccountStatus(store, { account: 'nobody-here', action: 'suspend', actor: 'cli', reason: 'x' }),
    ).rejects.toMatchObject({ code: 'ADMIN_NOT_FOUND' });
    expect(await count(store, 'audit_entries')).toBe(audits);
    const { caseId } = await changeAccountStatus(store, {
      account: account.id,
      action: 'suspend',
      actor: 'cli',
      reason: 'x',
    });
    await decideCase(store, {
      caseId: caseId as string,
      decision: 'reinstate',
      actor: 'admin:adm_1',
      reason: 'remediated',
      conditions: ['no dataset generation'],
    });
    const audited = await count(store, 'audit_entries');
    await expect(
      decideCase(store, {
        caseId: caseId as string,
        decision: 'terminate',
        actor: 'admin:adm_1',
        reason: 'again',
      }),
    ).rejects.toMatchObject({ code: 'CASE_CLOSED' });
    expect(await count(store, 'audit_entries')).toBe(audited);
    const closed = await requireCase(store, caseId as string);
    expect(closed.decision).toMatchObject({ decision: 'reinstate', conditions: ['no dataset generation'] });
    expect((await getAccount(store, account.id))?.status).toBe('active');
  });

  it('applies each policy action once per evidence floor', async () => {
    const account = await createAccount(store, { name: unique('policy') });
    const assessment = {
      account: account.id,
      requests: 30,
      risk: 97,
      verdict: 'suspend',
      detected_after: 3,
      signals: [{ id: 'intent.generation', score: 0.98, evidence: { share: 1 } }],
      linked: [],
      actions: [
        { action: 'review' as const, rule: 'review-distillation', reason: 'r', dry_run: false },
        { action: 'suspend' as const, rule: 'suspend-distillation', reason: 's', dry_run: false },
        { action: 'throttle' as const, rule: 'throttle-harvesting', reason: 't', dry_run: true },
      ],
    };
    const first = await applyPolicyActions(store, assessment, { epoch: 0 });
    expect(first.map((a) => a.outcome)).toEqual(['suspended', 'noted', 'dry_run']);
    const audits = await count(store, 'audit_entries');
    const second = await applyPolicyActions(store, assessment, { epoch: 0 });
    expect(second.map((a) => a.outcome)).toEqual(['already_applied', 'already_applied', 'already_applied']);
    expect(await count(store, 'audit_entries')).toBe(audits);
    const cases = await store.db
      .selectFrom('cases')
      .select('id')
      .where('account_id', '=', account.id)
      .execute();
    expect(cases).toHaveLength(1);
    const reread = await getAccount(store, account.id);
    expect(reread?.status).toBe('suspended');
    expect(reread?.limits).toEqual({}); // the throttle was a dry run
    const view = await requireCase(store, cases[0].id);
    expect(view.evidence).toMatchObject({ risk: 97, signals: [{ id: 'intent.generation' }] });
    expect(view.policy_actions.some((a) => a.dry_run && a.action === 'throttle')).toBe(true);
  });

  it('signs webhooks, retries after a 500 and logs each attempt; partner decisions sit beside the provider', async () => {
    const external = unique('w');
    const account = await createAccount(store, {
      name: `cloudco:${external}`,
      partner: 'cloudco',
      externalId: external,
    });
    const partnerId = account.partnerId as string;
    const { caseId } = await openReviewCase(store, {
      account: account.id,
      actor: 'analyst:adm_2',
      reason: 'looks templated',
    });
    await changeAccountStatus(store, {
      account: account.id,
      action: 'suspend',
      actor: `partner:${partnerId}`,
      reason: 'our own review',
    });
    const view = await requireCase(store, caseId);
    expect(view.partner_decision).toMatchObject({ action: 'suspend', reason: 'our own review' });
    expect(view.opened_by).toBe('analyst:adm_2');
    // The partner lifts its own suspension; the provider's review case stays open.
    await changeAccountStatus(store, {
      account: account.id,
      action: 'reinstate',
      actor: `partner:${partnerId}`,
      reason: 'fixed',
    });
    const after = await requireCase(store, caseId);
    expect(after.status).toBe('open');
    expect(after.partner_decision).toMatchObject({ action: 'reinstate' });

    await store.db
      .updateTable('webhook_deliveries')
      .set({ status: 'delivered' })
      .where('account_id', '!=', account.id)
      .execute();
    received.length = 0;
    failNext = 1;
    const delivery = createWebhookDelivery({
      store,
      secret,
      allowPrivate: true,
      baseDelayMs: 20,
      maxDelayMs: 40,
      pollMs: 3_600_000,
    });
    try {
      await delivery.runOnce();
      await new Promise((r) => setTimeout(r, 60));
      await delivery.runOnce();
      await new Promise((r) => setTimeout(r, 60));
      await delivery.runOnce();
    } finally {
      await delivery.stop();
    }
    const rows = await store.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('account_id', '=', account.id)
      .execute();
    expect(rows.map((r) => r.event_type).sort()).toEqual([
      'account.flagged',
      'account.reinstated',
      'account.suspended',
    ]);
    expect(rows.every((r) => r.status === 'delivered')).toBe(true);
    const retried = rows.find((r) => Number(r.attempts) === 2);
    expect(retried).toBeDefined();
    const logged = await getWebhookDelivery(store, retried?.id as string);
    expect(logged?.log?.map((a) => a.status_code)).toEqual([500, 200]);
    for (const hit of received) {
      const check = verifyWebhookSignature(
        WEBHOOK_SECRET,
        hit.headers['x-warden-signature'] as string,
        hit.body,
      );
      expect(check.ok).toBe(true);
      expect(JSON.parse(hit.body).id).toBe(hit.headers['x-warden-event-id']);
      expect(
        verifyWebhookSignature(
          'another-secret-0000000',
          hit.headers['x-warden-signature'] as string,
          hit.body,
        ).ok,
      ).toBe(false);
      expect(
        verifyWebhookSignature(WEBHOOK_SECRET, hit.headers['x-warden-signature'] as string, `${hit.body} `)
          .ok,
      ).toBe(false);
    }
    // An old timestamp is refused even with a good MAC (replay protection).
    const hit = received[0];
    const t = Number(/t=(\d+)/.exec(hit.headers['x-warden-signature'] as string)?.[1]);
    expect(
      verifyWebhookSignature(WEBHOOK_SECRET, hit.headers['x-warden-signature'] as string, hit.body, {
        now: t + 301,
      }).ok,
    ).toBe(false);
  });

  it('warden cases: list, show, note, assign, decide on the database; bad usage exits 2 and changes nothing', async () => {
    const account = await createAccount(store, { name: unique('cli') });
    const { caseId } = await changeAccountStatus(store, {
      account: account.id,
      action: 'suspend',
      actor: 'cli',
      reason: 'x',
    });
    const id = caseId as string;
    const listed = await casesList({ db: database.url, account: account.name });
    expect(listed.cases.map((c) => c.id)).toEqual([id]);
    await casesNote({ db: database.url, id, text: 'checked the examples' });
    await casesAssign({ db: database.url, id, assignee: 'sam' });
    const audits = await count(store, 'audit_entries');
    for (const bad of [
      () => casesDecide({ db: database.url, id, decision: 'maybe', reason: 'x' }),
      () => casesDecide({ db: database.url, id, decision: 'terminate', reason: 'x', conditions: ['c'] }),
      () => casesDecide({ db: database.url, id, decision: 'reinstate', reason: '  ' }),
      () => casesShow({ db: database.url, id: 'case_nope' }),
    ]) {
      const error = await bad().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ExitError);
      expect((error as ExitError).exitCode).toBe(2);
    }
    expect(await count(store, 'audit_entries')).toBe(audits);
    const decided = await casesDecide({
      db: database.url,
      id,
      decision: 'reinstate',
      reason: 'ok',
      conditions: ['c1'],
    });
    expect(decided).toMatchObject({
      status: 'closed',
      assignee: 'sam',
      decision: { decision: 'reinstate', conditions: ['c1'] },
    });
    expect(decided.timeline.map((t) => t.kind)).toEqual(['opened', 'note', 'assigned', 'decided']);
    const again = await casesDecide({ db: database.url, id, decision: 'terminate', reason: 'x' }).catch(
      (e: unknown) => e,
    );
    expect((again as ExitError).message).toMatch(/already decided/);
  });

  it('refuses a private webhook target unless allowed', async () => {
    const external = unique('p');
    const account = await createAccount(store, {
      name: `cloudco:${external}`,
      partner: 'cloudco',
      externalId: external,
    });
    await store.db
      .updateTable('webhook_deliveries')
      .set({ status: 'delivered' })
      .where('status', '=', 'pending')
      .execute();
    await openReviewCase(store, { account: account.id, actor: 'cli', reason: 'x' });
    const delivery = createWebhookDelivery({ store, secret, maxAttempts: 1, pollMs: 3_600_000 });
    try {
      await delivery.runOnce();
    } finally {
      await delivery.stop();
    }
    const row = await store.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('account_id', '=', account.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('failed');
    expect(row.last_status_code).toBeNull();
    expect(row.last_error).toMatch(/private|loopback|refus/i);
  });
});

describe.each(testBackends())('enforcement admin routes on %s', (backend) => {
  let database: TestDatabase;
  let store: Store;
  let app: FastifyInstance;
  const tokens = {} as Record<AdminRole, string>;
  const ROLES: AdminRole[] = ['viewer', 'analyst', 'admin', 'partner'];

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    store = await openStore(database.url);
    await createPartner(store, {
      name: 'cloudco',
      webhookUrl: 'https://hooks.example.com/warden',
      webhookSecret: 'whsec_roles_0123456789',
      deploymentSecret: secret,
    });
    for (const role of ROLES)
      tokens[role] = (
        await createAdminToken(store, { role, partner: role === 'partner' ? 'cloudco' : undefined })
      ).token;
    app = Fastify();
    await app.register(
      async (admin) => {
        await adminRoutes(admin, { store, secret });
        await enforceAdminRoutes({ store, secret })(admin);
        await auditAdminRoutes({ store, secret })(admin);
      },
      { prefix: '/admin/v1' },
    );
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await store.close();
    await database.drop();
  });

  const call = (role: AdminRole | null, method: 'GET' | 'POST', url: string, payload?: object) =>
    app.inject({
      method,
      url: `/admin/v1${url}`,
      headers: role ? { authorization: `Bearer ${tokens[role]}` } : {},
      ...(payload ? { payload } : {}),
    });

  async function freshCase(partner = false): Promise<string> {
    const ext = unique('c');
    const account = partner
      ? await createAccount(store, { name: `cloudco:${ext}`, partner: 'cloudco', externalId: ext })
      : await createAccount(store, { name: ext });
    const { caseId } = await changeAccountStatus(store, {
      account: account.id,
      action: 'suspend',
      actor: 'cli',
      reason: 'x',
    });
    return caseId as string;
  }

  async function freshDelivery(): Promise<string> {
    const caseId = await freshCase(true);
    const row = await store.db
      .selectFrom('webhook_deliveries')
      .innerJoin('cases', 'cases.account_id', 'webhook_deliveries.account_id')
      .select('webhook_deliveries.id')
      .where('cases.id', '=', caseId)
      .executeTakeFirstOrThrow();
    return row.id;
  }

  interface Route {
    name: string;
    allow: AdminRole[];
    make: () => Promise<[method: 'GET' | 'POST', url: string, payload?: object]>;
  }
  const routes: Route[] = [
    { name: 'POST /session', allow: ROLES, make: async () => ['POST', '/session'] },
    { name: 'GET /cases', allow: ROLES, make: async () => ['GET', '/cases'] },
    { name: 'GET /cases/:id', allow: ROLES, make: async () => ['GET', `/cases/${await freshCase(true)}`] },
    {
      name: 'POST /cases',
      allow: ['analyst', 'admin'],
      make: async () => {
        const a = await createAccount(store, { name: unique('open') });
        return ['POST', '/cases', { account: a.id, reason: 'templated traffic' }];
      },
    },
    {
      name: 'POST /cases/:id/notes',
      allow: ['analyst', 'admin'],
      make: async () => ['POST', `/cases/${await freshCase()}/notes`, { text: 'n' }],
    },
    {
      name: 'POST /cases/:id/assign',
      allow: ['analyst', 'admin'],
      make: async () => ['POST', `/cases/${await freshCase()}/assign`, { assignee: 'sam' }],
    },
    {
      name: 'POST /cases/:id/remediation',
      allow: ['admin'],
      make: async () => ['POST', `/cases/${await freshCase()}/remediation`, { remediation: 'stop' }],
    },
    {
      name: 'POST /cases/:id/decide',
      allow: ['admin'],
      make: async () => [
        'POST',
        `/cases/${await freshCase()}/decide`,
        { decision: 'reinstate', reason: 'ok', conditions: ['c'] },
      ],
    },
    {
      name: 'POST /cases/:id/partner-decision',
      allow: ['partner'],
      make: async () => [
        'POST',
        `/cases/${await freshCase(true)}/partner-decision`,
        { decision: 'suspend', reason: 'agreed' },
      ],
    },
    {
      name: 'GET /webhooks/deliveries/:id',
      allow: ['admin', 'partner'],
      make: async () => ['GET', `/webhooks/deliveries/${await freshDelivery()}`],
    },
    {
      name: 'POST /webhooks/deliveries/:id/retry',
      allow: ['admin'],
      make: async () => ['POST', `/webhooks/deliveries/${await freshDelivery()}/retry`],
    },
    {
      name: 'GET /policy-actions',
      allow: ['viewer', 'analyst', 'admin'],
      make: async () => ['GET', '/policy-actions'],
    },
    {
      name: 'GET /webhooks/deliveries',
      allow: ['admin', 'partner'],
      make: async () => ['GET', '/webhooks/deliveries'],
    },
    {
      name: 'GET /audit/entries',
      allow: ['viewer', 'analyst', 'admin'],
      make: async () => ['GET', '/audit/entries?limit=5'],
    },
    {
      name: 'GET /audit/head',
      allow: ['viewer', 'analyst', 'admin'],
      make: async () => ['GET', '/audit/head'],
    },
    { name: 'POST /audit/heads', allow: ['admin'], make: async () => ['POST', '/audit/heads'] },
    {
      name: 'POST /audit/verify',
      allow: ['viewer', 'analyst', 'admin'],
      make: async () => ['POST', '/audit/verify'],
    },
    {
      name: 'GET /audit/entries/:index/proof',
      allow: ['viewer', 'analyst', 'admin'],
      make: async () => ['GET', '/audit/entries/0/proof'],
    },
  ];

  for (const route of routes) {
    it(`${route.name}: allowed to ${route.allow.join(', ')}, refused to the others and without a token`, async () => {
      for (const role of ROLES) {
        const [method, url, payload] = await route.make();
        const response = await call(role, method, url, payload);
        if (route.allow.includes(role))
          expect(response.statusCode, `${role} ${response.body}`).toBeLessThan(300);
        else expect(response.statusCode, `${role} ${response.body}`).toBe(403);
      }
      const [method, url, payload] = await route.make();
      expect((await call(null, method, url, payload)).statusCode).toBe(401);
    });
  }

  it('a partner’s view of its case names no account outside it, and hides internal notes', async () => {
    const caseId = await freshCase(true);
    const outsider = await createAccount(store, { name: unique('otherco-secret') });
    // Evidence as detection freezes it when accounts are linked across channels.
    const row = await store.db
      .selectFrom('cases')
      .select('evidence')
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow();
    const evidence = {
      ...JSON.parse(row.evidence),
      linked_accounts: [{ id: outsider.id, name: outsider.name }],
    };
    await store.db
      .updateTable('cases')
      .set({ evidence: JSON.stringify(evidence) })
      .where('id', '=', caseId)
      .execute();
    expect(
      (await call('analyst', 'POST', `/cases/${caseId}/notes`, { text: 'internal: ask legal' })).statusCode,
    ).toBeLessThan(300);
    const provider = await call('admin', 'GET', `/cases/${caseId}`);
    expect(provider.body).toContain(outsider.name as string);
    expect(provider.body).toContain('internal: ask legal');
    const partner = await call('partner', 'GET', `/cases/${caseId}`);
    expect(partner.statusCode).toBe(200);
    expect(partner.body).not.toContain(outsider.id);
    expect(partner.body).not.toContain(outsider.name as string);
    expect(partner.body).not.toContain('internal: ask legal');
  });

  it('a partner sees only its own customers’ cases; a login is audited; bad input changes nothing', async () => {
    const own = await freshCase(true);
    const other = await freshCase(false);
    expect((await call('partner', 'GET', `/cases/${own}`)).statusCode).toBe(200);
    expect((await call('partner', 'GET', `/cases/${other}`)).statusCode).toBe(404);
    const listed = (await call('partner', 'GET', '/cases')).json() as { cases: { id: string }[] };
    expect(listed.cases.map((c) => c.id)).toContain(own);
    expect(listed.cases.map((c) => c.id)).not.toContain(other);
    const session = (await call('analyst', 'POST', '/session')).json();
    expect(session).toMatchObject({
      role: 'analyst',
      partner: null,
      token_id: expect.stringMatching(/^adm_/),
    });
    const logins = await listAuditEntries(store, { limit: 10_000 });
    expect(logins.some((e) => e.action === 'admin.login' && e.actor.startsWith('analyst:'))).toBe(true);
    const audits = await count(store, 'audit_entries');
    expect(
      (await call('admin', 'POST', `/cases/${other}/decide`, { decision: 'maybe', reason: 'x' })).statusCode,
    ).toBe(400);
    expect(
      (await call('admin', 'POST', `/cases/${other}/decide`, { decision: 'reinstate' })).statusCode,
    ).toBe(400);
    expect(
      (await call('admin', 'POST', '/cases/case_nope/decide', { decision: 'reinstate', reason: 'x' }))
        .statusCode,
    ).toBe(404);
    expect(await count(store, 'audit_entries')).toBe(audits);
    expect(
      (await call('admin', 'POST', `/cases/${other}/decide`, { decision: 'terminate', reason: 'resale' }))
        .statusCode,
    ).toBe(200);
    const again = await call('admin', 'POST', `/cases/${other}/decide`, {
      decision: 'reinstate',
      reason: 'x',
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('CASE_CLOSED');
    const verified = (await call('viewer', 'POST', '/audit/verify')).json();
    expect(verified).toMatchObject({ ok: true, firstBadIndex: null });
  });
});
