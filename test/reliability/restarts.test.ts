// Restarts under load, scaled out: two real `warden serve` nodes on a PRIVATE PostgreSQL and a PRIVATE
// Redis (the machine's shared servers are never touched). Node A fails open on a rate-limit store
// failure, node B fails closed. Redis down: A admits (counting in memory), B refuses with 503; both
// count in Redis again on their own once it is back. PostgreSQL down: no response completes without
// its event (held, then committed when the database is back, or refused with an error), and both nodes
// serve again on their own. One node killed: the other serves on, with the same limits and suspensions.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createApiKey } from '../../src/accounts/index.js';
import { openStore } from '../../src/store/open-store.js';
import { type RunningServer, startServer } from '../helpers/server.js';
import { type PrivateService, startPrivatePostgres, startPrivateRedis } from './private-services.js';

const env = { WARDEN_SECRET: randomBytes(32).toString('hex') };
let dir: string;
let pg: PrivateService;
let redis: PrivateService;
let a: RunningServer;
let b: RunningServer;
let adminToken: string;
let loadKey: string;
let limitedKey: string;
let limitedId: string;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function startNode(failure: 'open' | 'closed'): Promise<RunningServer> {
  const config = join(dir, `${failure}.yaml`);
  writeFileSync(config, `limits:\n  on_store_failure: ${failure}\n`);
  return startServer({
    db: pg.url,
    args: ['--redis', redis.url, '--config', config],
    env,
    timeoutMs: 60_000,
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warden-restarts-'));
  pg = await startPrivatePostgres(55_441);
  redis = await startPrivateRedis(16_391);
  const setup = await openStore(pg.url);
  await createAccount(setup, { name: 'load', limits: { rpm: 10_000_000, tpm: 1_000_000_000 } });
  loadKey = (await createApiKey(setup, { account: 'load' })).key;
  limitedId = (await createAccount(setup, { name: 'limited', limits: { rpm: 10 } })).id;
  limitedKey = (await createApiKey(setup, { account: 'limited' })).key;
  await setup.close();
  a = await startNode('open');
  b = await startNode('closed');
  adminToken = a.adminToken ?? '';
}, 120_000);

afterAll(async () => {
  await a?.kill();
  await b?.kill();
  await redis?.destroy();
  await pg?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  status: number;
  complete: boolean;
  marker: string;
  code: string | null;
  stream: boolean;
}

let counter = 0;
async function send(node: RunningServer, key: string, stream = false): Promise<Outcome> {
  const marker = `rs-${counter++}`;
  try {
    const response = await fetch(`${node.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        model: 'demo',
        messages: [{ role: 'user', content: `hello (${marker})` }],
        max_tokens: 8,
        stream,
        user: marker,
      }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    let code: string | null = null;
    try {
      code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? null;
    } catch {
      code = null;
    }
    const complete = response.status === 200 && (stream ? text.includes('data: [DONE]') : code === null);
    return { status: response.status, complete, marker, code, stream };
  } catch {
    return { status: 0, complete: false, marker, code: null, stream };
  }
}

async function eventMarkers(): Promise<Map<string, number>> {
  const store = await openStore(pg.url, { migrate: false });
  try {
    const rows = await store.db.selectFrom('events').select('request_body').execute();
    const markers = new Map<string, number>();
    for (const row of rows) {
      const marker = String((JSON.parse(row.request_body) as { user?: unknown }).user ?? '');
      markers.set(marker, (markers.get(marker) ?? 0) + 1);
    }
    return markers;
  } finally {
    await store.close();
  }
}

let lastMetering: Record<string, unknown> = {};
/** True once the metering cursor reaches the last event and its sums equal the event count. */
async function meteringCatchesUp(withinMs: number): Promise<boolean> {
  const store = await openStore(pg.url, { migrate: false });
  try {
    const until = Date.now() + withinMs;
    while (Date.now() < until) {
      const last = await store.db
        .selectFrom('events')
        .select((eb) => eb.fn.max('seq').as('m'))
        .executeTakeFirst();
      const count = await store.db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst();
      const cursor = await store.db
        .selectFrom('consumer_cursors')
        .select('position')
        .where('name', '=', 'metering')
        .executeTakeFirst();
      const metered = await store.db
        .selectFrom('usage_daily')
        .select((eb) => eb.fn.sum<number>('requests').as('n'))
        .executeTakeFirst();
      lastMetering = { cursor: cursor?.position, last: last?.m, count: count?.n, metered: metered?.n };
      if (
        Number(cursor?.position ?? 0) >= Number(last?.m ?? 0) &&
        Number(metered?.n ?? 0) === Number(count?.n ?? 0)
      )
        return true;
      await sleep(200);
    }
    return false;
  } finally {
    await store.close();
  }
}

/** Polls until `node` answers 200 again; returns how long it took. */
async function recovers(node: RunningServer, withinMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < withinMs) {
    if ((await send(node, loadKey)).status === 200) return Date.now() - started;
    await sleep(100);
  }
  throw new Error(
    `node did not recover within ${withinMs} ms (exit ${node.process.exitCode}):\n${node.output().slice(-3000)}`,
  );
}

describe('Redis restarted during load', () => {
  it('fails open on node A and closed on node B, then both reconnect on their own', async () => {
    expect((await send(a, loadKey)).status).toBe(200);
    expect((await send(b, loadKey)).status).toBe(200);
    await redis.stop();
    const during = { a: [] as Outcome[], b: [] as Outcome[] };
    for (let i = 0; i < 10; i++) {
      during.a.push(await send(a, loadKey, i % 2 === 0));
      during.b.push(await send(b, loadKey, i % 2 === 0));
    }
    // Open: served (counted in memory). Closed: refused with a clear 503, nothing served.
    expect(during.a.every((o) => o.complete)).toBe(true);
    expect(during.b.every((o) => o.status === 503 && o.code === 'service_unavailable')).toBe(true);
    await redis.start();
    await recovers(a, 10_000);
    const backB = await recovers(b, 10_000);
    expect(backB).toBeLessThan(10_000);
    // Node A answered 200 throughout (fail open), so its answers cannot show when it reconnected; its
    // Redis client retries at most a second apart (src/ratelimit/redis), so a little more than that
    // after B is back, A counts in Redis again too.
    await sleep(1500);
    // Counting in Redis again: a fresh limit of 10/min admits 10 in total across both nodes.
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++)
      statuses.push((await send(a, limitedKey)).status, (await send(b, limitedKey)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(6);
  }, 60_000);
});

describe('PostgreSQL restarted during load', () => {
  it('never completes a response without its event, and both nodes serve again on their own', async () => {
    const outcomes: Outcome[] = [];
    let stopping = false;
    const lanes = [a, b, a, b].map(async (node, lane) => {
      while (!stopping) {
        outcomes.push(await send(node, loadKey, lane % 2 === 0));
        await sleep(20);
      }
    });
    await sleep(1000);
    // 12 s down: longer than the event log's 10 s append timeout, so some appends must give up.
    await pg.stop();
    const downAt = Date.now();
    await sleep(12_000);
    await pg.start();
    const upAt = Date.now();
    const recoveredA = await recovers(a, 20_000);
    const recoveredB = await recovers(b, 20_000);
    await sleep(500);
    stopping = true;
    await Promise.all(lanes);

    const markers = await eventMarkers();
    const complete = outcomes.filter((o) => o.complete);
    const failed = outcomes.filter((o) => !o.complete);
    // The invariant: a client never saw a complete response whose event was not committed.
    expect(complete.filter((o) => !markers.has(o.marker))).toEqual([]);
    expect([...markers.values()].filter((n) => n > 1)).toEqual([]);
    // The outage was real: some requests failed, with an error status (never a silent 200 without its event).
    expect(failed.length).toBeGreaterThan(0);
    // Each failure is explicit: a 503 `service_unavailable` (the event could not be committed), or a
    // stream that ends in an error event without [DONE] — never a plain success.
    for (const o of failed) {
      if (o.stream && o.status === 200) expect(o.complete).toBe(false);
      else expect([o.status, o.code]).toEqual([503, 'service_unavailable']);
    }
    expect(upAt - downAt).toBeGreaterThanOrEqual(12_000);
    expect(recoveredA + recoveredB).toBeLessThan(40_000);
    // The consumers (in node A's and B's worker threads) came back too: metering catches up.
    const caughtUp = await meteringCatchesUp(20_000);
    if (!caughtUp) {
      const errors = (a.output() + b.output()).match(/"consumer":"[a-z]+","msg":"[^"]*"/g) ?? [];
      console.error('metering did not catch up', lastMetering, [...new Set(errors)].slice(-20));
    }
    expect(caughtUp).toBe(true);
  }, 90_000);
});

describe('one of two nodes killed', () => {
  it('the other keeps serving, with the same limits and suspensions', async () => {
    // Limits live in Redis: spend 4 of `limited`'s window (already spent: 10 of 10) — wait for a fresh key.
    const store = await openStore(pg.url, { migrate: false });
    const fresh = await createAccount(store, { name: 'survivor', limits: { rpm: 10 } });
    const key = (await createApiKey(store, { account: 'survivor' })).key;
    await store.close();
    for (let i = 0; i < 4; i++) expect((await send(a, key)).status).toBe(200);
    let stopping = false;
    const onB: Outcome[] = [];
    const lane = (async () => {
      while (!stopping) {
        onB.push(await send(b, loadKey, onB.length % 2 === 0));
        await sleep(10);
      }
    })();
    await a.kill();
    await sleep(1500);
    stopping = true;
    await lane;
    expect(onB.length).toBeGreaterThan(5);
    expect(onB.every((o) => o.complete)).toBe(true);
    // The limit counted on the dead node still holds on the survivor: 6 more, then 429.
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await send(b, key)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(6);
    expect(statuses.slice(6)).toEqual([429, 429]);
    // A suspension made through the survivor holds there, and on the dead node once it is back.
    const suspend = await fetch(`${b.url}/admin/v1/accounts/${fresh.id}/suspend`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ reason: 'node-loss test' }),
    });
    expect(suspend.status).toBe(200);
    await sleep(500);
    expect((await send(b, key)).status).toBe(403);
    a = await startNode('open');
    expect((await send(a, key)).status).toBe(403);
    expect((await send(a, loadKey)).status).toBe(200);
    expect(limitedId).toBeTruthy();
  }, 90_000);
});
