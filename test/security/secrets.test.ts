// Secrets never leak: the real `warden serve` at log level debug handles traffic with API keys (direct
// and partner), wrong keys, admin tokens (good and forged), new keys and a partner webhook secret made
// through the admin API; then neither its whole output (after the first-start banner, which shows the
// bootstrap credentials once by design) nor any table of the SQLite file, nor the raw bytes of the
// database and its WAL, contain any of the raw secrets.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { type RunningServer, runCliJson, startServer } from '../helpers/server.js';

let database: TestDatabase;
let server: RunningServer;
const secrets: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase('sqlite');
  // First start: bootstrap credentials appear in the banner (by design, once). Stop, and watch the next run.
  const first = await startServer({ db: database.url });
  secrets.push(first.adminToken ?? '', first.apiKey ?? '');
  await first.stop();
  server = await startServer({ db: database.url, args: ['--log-level', 'debug'] });
}, 90_000);

afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

async function call(path: string, token: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json().catch(() => null)) as Record<string, unknown> | null,
  };
}

describe('secrets in logs and in the database', () => {
  it('never writes an API key, admin token or webhook secret to the log or the database', async () => {
    const [bootstrapAdmin, bootstrapKey] = secrets;
    const dbEnv = { WARDEN_DB: database.url };
    // Admin tokens of each role, made by the CLI (its stdout is the only place they are shown).
    for (const role of ['viewer', 'analyst', 'admin']) {
      secrets.push(runCliJson<{ token: string }>(['admin-tokens', 'create', '--role', role], dbEnv).token);
    }
    const created = await call('/admin/v1/accounts', bootstrapAdmin, { name: 'leaky' });
    expect(created.status).toBe(201);
    const accountId = String(created.body?.id);
    const key = await call(`/admin/v1/accounts/${accountId}/keys`, bootstrapAdmin, { name: 'k' });
    expect(key.status).toBe(201);
    secrets.push(String(key.body?.key));
    const webhookSecret = `whsec_${randomBytes(24).toString('hex')}`;
    secrets.push(webhookSecret);
    const partner = await call('/admin/v1/partners', bootstrapAdmin, {
      name: 'resell',
      webhook_url: 'https://partner.example/hooks',
      webhook_secret: webhookSecret,
    });
    expect(partner.status).toBe(201);
    const partnerId = String(partner.body?.id);
    const customer = await call('/admin/v1/accounts', bootstrapAdmin, {
      name: 'resell-customer',
      partner: partnerId,
      external_id: 'cust-1',
    });
    expect(customer.status).toBe(201);
    const partnerKey = await call(`/admin/v1/partners/${partnerId}/keys`, bootstrapAdmin, {});
    expect(partnerKey.status).toBe(201);
    secrets.push(String(partnerKey.body?.key));

    // Traffic: good keys (streaming and not), wrong keys and forged admin tokens that look real.
    const forged = [
      `sk-wdn-${randomBytes(24).toString('base64url')}`,
      `wdn-admin-${randomBytes(24).toString('base64url')}`,
    ];
    secrets.push(...forged);
    const chat = (k: string, stream: boolean, headers: Record<string, string> = {}) =>
      fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${k}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({
          model: 'demo',
          messages: [{ role: 'user', content: 'hello' }],
          max_tokens: 8,
          stream,
        }),
      }).then((r) => r.text().then(() => r.status));
    expect(await chat(bootstrapKey, false)).toBe(200);
    expect(await chat(String(key.body?.key), true)).toBe(200);
    expect(await chat(String(partnerKey.body?.key), false, { 'x-warden-end-customer': 'cust-1' })).toBe(200);
    expect(await chat(forged[0], false)).toBe(401);
    expect((await call('/admin/v1/accounts', forged[1])).status).toBe(401);
    for (const token of secrets.slice(2, 5))
      expect((await call('/admin/v1/accounts', token)).status).toBe(200);
    // A key in the wrong header, in the query string and in the body: refused, and still not logged.
    await fetch(`${server.url}/v1/models?api_key=${forged[0]}`, { headers: { 'x-api-key': forged[0] } });
    expect(await chat('', false, { authorization: forged[0] })).toBe(401);
    // Revoking a key is logged by id only.
    const keyId = String(key.body?.id);
    expect(
      (await call(`/admin/v1/keys/${keyId}/revoke`, bootstrapAdmin, { reason: 'test' })).status,
    ).toBeLessThan(300);
    await new Promise((r) => setTimeout(r, 6000)); // past the 5 s batch that records key use

    const log = server.output();
    expect(log).toMatch(/"level":20|"level":30/); // debug/info lines were written: the search is meaningful
    const file = database.url.slice('sqlite:'.length);
    const raw = new Database(file, { readonly: true });
    let dump = '';
    const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
      name: string;
    }[];
    for (const { name } of tables) {
      for (const row of raw.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[]) {
        for (const value of Object.values(row)) {
          dump += Buffer.isBuffer(value)
            ? `${value.toString('hex')} ${value.toString('latin1')}\n`
            : `${String(value)}\n`;
        }
      }
    }
    raw.close();
    expect(tables.length).toBeGreaterThan(10);
    expect(dump).toContain(accountId); // the dump holds the data: the search is meaningful
    const bytes = [file, `${file}-wal`]
      .filter((f) => existsSync(f))
      .map((f) => readFileSync(f).toString('latin1'))
      .join('');
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(20);
      expect(log.includes(secret), `log contains ${secret.slice(0, 12)}…`).toBe(false);
      expect(dump.includes(secret), `database contains ${secret.slice(0, 12)}…`).toBe(false);
      expect(bytes.includes(secret), `database file contains ${secret.slice(0, 12)}…`).toBe(false);
      // Not even the secret part after the visible prefix.
      const tail = secret.slice(-24);
      expect(log.includes(tail) || dump.includes(tail) || bytes.includes(tail)).toBe(false);
    }
  }, 90_000);
});
