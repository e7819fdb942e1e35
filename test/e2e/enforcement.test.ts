// Enforcement end to end, over HTTP against the real `warden serve` (SQLite, demo upstream): a
// self-instruct style distillation pipeline run by a partner's end customer is suspended by policy
// within its own traffic; its next request gets 403 with the case id; the partner is told by a signed
// webhook and records its own decision; an admin reinstates with a condition through the admin API;
// requests flow again and are not re-suspended on the old evidence; `warden audit verify` passes, and
// fails naming the entry after one audit row is edited with SQL.
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../src/enforce/webhooks/signature.js';
import { openStore } from '../../src/store/open-store.js';
import { selfInstructPrompt } from '../helpers/distiller-prompts.js';
import { type RunningServer, runCli, runCliJson, startServer } from '../helpers/server.js';

const WEBHOOK_SECRET = 'whsec_e2e_0123456789abcdef';
const BENIGN = [
  'Can you help me write a polite email asking my landlord to fix the heating?',
  'What is the difference between a list and a tuple in Python?',
  'Suggest a vegetarian dinner for four people.',
  'How do I reset my router?',
  'Summarize the causes of the French Revolution in two sentences.',
];

let db: string;
let server: RunningServer;
let receiver: Server;
const hooks: { headers: IncomingMessage['headers']; body: string }[] = [];
let apiKey = '';
let partnerToken = '';
let adminToken = '';
let accountId = '';

async function chat(content: string) {
  const response = await fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ model: 'demo', max_tokens: 40, messages: [{ role: 'user', content }] }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function admin(method: 'GET' | 'POST', path: string, body?: object, token = adminToken) {
  const response = await fetch(`${server.url}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function waitFor<T>(check: () => Promise<T | null | undefined | false>, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      hooks.push({ headers: req.headers, body });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/warden`;
  db = `sqlite:${join(mkdtempSync(join(tmpdir(), 'warden-enforce-')), 'warden.db')}`;
  runCliJson([
    'partners',
    'create',
    'cloudco',
    '--webhook-url',
    hookUrl,
    '--webhook-secret',
    WEBHOOK_SECRET,
    '--db',
    db,
  ]);
  accountId = runCliJson<{ id: string }>([
    'accounts',
    'create',
    'cloudco:acme',
    '--partner',
    'cloudco',
    '--external-id',
    'acme',
    '--db',
    db,
  ]).id;
  apiKey = runCliJson<{ key: string }>(['keys', 'create', '--account', 'cloudco:acme', '--db', db]).key;
  partnerToken = runCliJson<{ token: string }>([
    'admin-tokens',
    'create',
    '--role',
    'partner',
    '--partner',
    'cloudco',
    '--db',
    db,
  ]).token;
  adminToken = runCliJson<{ token: string }>(['admin-tokens', 'create', '--role', 'admin', '--db', db]).token;
  server = await startServer({ db, env: { WARDEN_WEBHOOKS_ALLOW_PRIVATE: '1' } });
  // The consumer thread loads the detection models after the banner: wait until it has scored a request.
  expect((await chat('Good morning! How are you?')).status).toBe(200);
  await waitFor(async () => (await admin('GET', `/accounts/${accountId}`)).body.risk, 20_000);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await new Promise((r) => receiver?.close(r));
});

describe('enforcement, end to end', () => {
  let caseId = '';

  it('signs an admin in and audits it', async () => {
    const session = await admin('POST', '/session');
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ role: 'admin', partner: null });
  });

  it('suspends a distillation pipeline by policy; the next request gets 403 with the case id', async () => {
    let served = 0;
    let refused: Record<string, any> | null = null;
    for (let i = 0; i < 60 && !refused; i++) {
      // A pipeline at a steady ~25 requests a second.
      await new Promise((r) => setTimeout(r, 40));
      const response = await chat(selfInstructPrompt(i));
      if (response.status === 200) served++;
      else {
        expect(response.status).toBe(403);
        refused = response.body;
      }
    }
    if (!refused) {
      const risk = (await admin('GET', `/accounts/${accountId}`)).body.risk;
      throw new Error(
        `served ${served} requests without a suspension; risk ${JSON.stringify(risk).slice(0, 1500)}`,
      );
    }
    expect(refused?.error).toMatchObject({
      code: 'account_suspended',
      case_id: expect.stringMatching(/^case_/),
    });
    caseId = refused?.error.case_id;
    expect(refused?.error.message).toContain(caseId);
    // The policy needs 20 requests of evidence; the suspension lands within about a second of it.
    expect(served).toBeGreaterThanOrEqual(20);
    expect(served).toBeLessThan(60);
    const again = await chat('hello');
    expect(again.status).toBe(403);
    expect(again.body.error.case_id).toBe(caseId);
  }, 60_000);

  it('freezes the evidence in the case and notifies the partner by a signed webhook', async () => {
    const view = await admin('GET', `/cases/${caseId}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      status: 'open',
      account: { id: accountId },
      opened_by: expect.stringMatching(/^policy:/),
    });
    expect(view.body.evidence.signals.length).toBeGreaterThan(0);
    const examples = view.body.evidence.examples as { prompt: string; output: string | null }[];
    expect(examples.some((e) => e.prompt.includes('diverse task instructions'))).toBe(true);
    expect(examples.every((e) => typeof e.output === 'string')).toBe(true);
    const suspended = await waitFor(async () =>
      hooks.find((h) => JSON.parse(h.body).type === 'account.suspended'),
    );
    const payload = JSON.parse(suspended.body);
    expect(payload.data).toMatchObject({ case_id: caseId, by: 'policy', account: { external_id: 'acme' } });
    expect(
      verifyWebhookSignature(
        WEBHOOK_SECRET,
        suspended.headers['x-warden-signature'] as string,
        suspended.body,
      ).ok,
    ).toBe(true);
    expect(suspended.headers['x-warden-event-id']).toBe(payload.id);
  });

  it('keeps the partner’s own decision beside the provider’s', async () => {
    const decided = await admin(
      'POST',
      `/cases/${caseId}/partner-decision`,
      { decision: 'suspend', reason: 'we confirm: customer resold our access' },
      partnerToken,
    );
    expect(decided.status).toBe(200);
    expect(decided.body.partner_decision).toMatchObject({ action: 'suspend' });
    // The partner may not decide for the provider.
    const refused = await admin(
      'POST',
      `/cases/${caseId}/decide`,
      { decision: 'reinstate', reason: 'x' },
      partnerToken,
    );
    expect(refused.status).toBe(403);
  });

  it('reinstates with a condition through the admin API; requests flow again and old evidence does not re-suspend', async () => {
    const decided = await admin('POST', `/cases/${caseId}/decide`, {
      decision: 'reinstate',
      reason: 'customer shut the pipeline down',
      conditions: ['no synthetic training-data generation'],
    });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({
      status: 'closed',
      decision: { decision: 'reinstate', conditions: ['no synthetic training-data generation'] },
      partner_decision: { action: 'suspend' },
    });
    const ok = await waitFor(async () => {
      const r = await chat('What is the capital of France?');
      return r.status === 200 ? r : null;
    }, 3_000);
    expect(ok.status).toBe(200);
    // Ordinary use after the decision. Were the pre-decision evidence still counted, the first of these
    // would re-suspend the account (its pooled risk was far above the suspend rule's threshold).
    for (const question of BENIGN) expect((await chat(question)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_500));
    const account = await admin('GET', `/accounts/${accountId}`);
    expect(account.body).toMatchObject({ status: 'active', case: null });
    const cases = await admin('GET', `/cases?account=${accountId}`);
    expect(cases.body.cases).toHaveLength(1);
    expect((await chat('Thanks!')).status).toBe(200);
    await waitFor(async () => hooks.find((h) => JSON.parse(h.body).type === 'case.decided'));
  }, 30_000);

  it('verifies the audit log, then names the entry whose row was edited with SQL', async () => {
    const head = await admin('GET', '/audit/head');
    expect(head.status).toBe(200);
    expect(head.body.head.tree_size).toBeGreaterThan(3);
    const verified = await admin('POST', '/audit/verify');
    expect(verified.body).toMatchObject({ ok: true, firstBadIndex: null });
    const good = runCli(['audit', 'verify', '--db', db, '--json']);
    expect(good.code, good.stderr).toBe(0);
    const entries = await admin('GET', `/audit/entries?subject=account:${accountId}&limit=100`);
    const suspension = entries.body.entries.find((e: { action: string }) => e.action === 'account.suspend');
    expect(suspension).toBeDefined();
    const store = await openStore(db, { migrate: false });
    try {
      await store.db
        .updateTable('audit_entries')
        .set({ details: JSON.stringify({ ...suspension.details, reason: 'nothing happened here' }) })
        .where('entry_index', '=', suspension.index)
        .execute();
    } finally {
      await store.close();
    }
    const bad = runCli(['audit', 'verify', '--db', db, '--json']);
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.stdout || '{}');
    expect(report.firstBadIndex ?? Number(/entry (\d+)/.exec(bad.stderr)?.[1])).toBe(suspension.index);
    const viaApi = await admin('POST', '/audit/verify');
    expect(viaApi.body).toMatchObject({ ok: false, firstBadIndex: suspension.index });
  }, 30_000);
});
