// The scaled-out shape, end to end: two `warden serve --no-consumers` nodes and one `warden worker` on
// one PostgreSQL and one Redis. A suspension made through node A is refused by node B within a second,
// a rate limit of N requests per minute admits N in total across both nodes, and the worker meters
// what both nodes served.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, REDIS_URL, type TestDatabase } from '../helpers/databases.js';
import { type RunningServer, runCliJson, startServer, startWorker } from '../helpers/server.js';

let database: TestDatabase;
let a: RunningServer;
let b: RunningServer;
let worker: RunningServer;
const env = { WARDEN_SECRET: randomBytes(32).toString('hex') };

beforeAll(async () => {
  database = await createTestDatabase('postgres');
  a = await startServer({ db: database.url, args: ['--redis', REDIS_URL, '--no-consumers'], env });
  b = await startServer({ db: database.url, args: ['--redis', REDIS_URL, '--no-consumers'], env });
  worker = await startWorker({ db: database.url, env });
}, 60_000);
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await worker?.stop();
  await database?.drop();
});

function chat(server: RunningServer, key: string) {
  return fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'hello' }], max_tokens: 5 }),
  });
}

describe('two gateway nodes on PostgreSQL + Redis', () => {
  it('a suspension through node A is enforced by node B within 1 second', async () => {
    const admin = a.adminToken ?? b.adminToken;
    expect(admin).toBeTruthy();
    const dbEnv = { ...env, WARDEN_DB: database.url };
    const account = runCliJson<{ id: string }>(['accounts', 'create', 'spread'], dbEnv);
    const { key } = runCliJson<{ key: string }>(['keys', 'create', '--account', 'spread'], dbEnv);
    expect((await chat(b, key)).status).toBe(200);

    const response = await fetch(`${a.url}/admin/v1/accounts/${account.id}/suspend`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ reason: 'distillation suspected' }),
    });
    expect(response.status).toBe(200);
    const suspendedAt = Date.now();
    let status = (await chat(b, key)).status;
    while (status === 200 && Date.now() - suspendedAt < 3000) {
      await new Promise((r) => setTimeout(r, 25));
      status = (await chat(b, key)).status;
    }
    expect(status).toBe(403);
    expect(Date.now() - suspendedAt).toBeLessThan(1000);
  });

  it('a limit of N requests per minute admits N in total across both nodes', async () => {
    const dbEnv = { ...env, WARDEN_DB: database.url };
    runCliJson(['accounts', 'create', 'metered', '--rpm', '6'], dbEnv);
    const { key } = runCliJson<{ key: string }>(['keys', 'create', '--account', 'metered'], dbEnv);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await chat(a, key)).status, (await chat(b, key)).status);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(6);
    expect(statuses.filter((s) => s === 429)).toHaveLength(6);
  });

  it('the worker meters what both nodes served', async () => {
    const dbEnv = { ...env, WARDEN_DB: database.url };
    runCliJson(['accounts', 'create', 'both-nodes'], dbEnv);
    const { key } = runCliJson<{ key: string }>(['keys', 'create', '--account', 'both-nodes'], dbEnv);
    for (let i = 0; i < 3; i++) {
      expect((await chat(a, key)).status).toBe(200);
      expect((await chat(b, key)).status).toBe(200);
    }
    let requests = 0;
    for (let attempt = 0; attempt < 20 && requests < 6; attempt++) {
      await new Promise((r) => setTimeout(r, 250));
      requests = runCliJson<{ usage: { requests: number } }>(['accounts', 'show', 'both-nodes'], dbEnv).usage
        .requests;
    }
    expect(requests).toBe(6);
  });
});
