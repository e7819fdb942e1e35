// The kill -9 loop: the real `warden serve` under a steady mix of streaming and non-streaming requests,
// killed with SIGKILL at random moments and restarted, then checked: every response a client received
// complete has exactly one usage event, no event is duplicated, metering counted each event exactly
// once (its sums equal the event count, so its cursor resumed where it committed), the detection
// consumer rebuilt its state from the log, and the SQLite file passes `PRAGMA integrity_check`.
// Used by test/reliability/kill-loop.test.ts (a few kills) and bench/reliability/kill-loop.ts (20).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createAccount, createApiKey } from '../../src/accounts/index.js';
import { openStore } from '../../src/store/open-store.js';
import { type RunningServer, startServer } from '../helpers/server.js';
import { type PrivateService, startPrivatePostgres, startPrivateRedis } from './private-services.js';

export interface KillLoopOptions {
  backend: 'sqlite' | 'postgres';
  kills: number;
  /** Concurrent client loops (each sends one request at a time). */
  concurrency?: number;
  /** Random wait before each kill, in ms. */
  minUpMs?: number;
  maxUpMs?: number;
  /** Ports of the private PostgreSQL and Redis (postgres backend). */
  pgPort?: number;
  redisPort?: number;
  log?: (line: string) => void;
}

export interface KillLoopReport {
  backend: string;
  kills: number;
  concurrency: number;
  seconds: number;
  /** Requests sent, and how they ended at the client. */
  sent: number;
  complete: number;
  completeStreams: number;
  failedAtClient: number;
  /** Usage events in the log, and how they compare to complete responses. */
  events: number;
  completeWithoutEvent: number;
  duplicateRequestEvents: number;
  /** Events of requests the client never saw complete (killed after the commit, before the end). */
  eventsWithoutCompleteResponse: number;
  meteredRequests: number;
  meteringCursor: number;
  maxSeq: number;
  detectionRequests: number | null;
  detectableEvents: number;
  /** The registry consumer's cursor, and served outputs (ok events with text) against registry rows. */
  registryCursor: number;
  servedOutputs: number;
  registeredOutputs: number;
  servedWithoutRegistry: number;
  registryWithoutEvent: number;
  integrity: string;
  restartMs: { median: number; max: number };
}

interface ClientTally {
  sent: number;
  complete: Set<string>;
  completeStreams: number;
  failed: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** One request; resolves true only when the client got the whole response. */
async function sendOne(url: string, key: string, marker: string, stream: boolean): Promise<boolean> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 15_000);
  try {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        model: 'demo',
        messages: [{ role: 'user', content: `Tell me about the ball at Netherfield (${marker}).` }],
        max_tokens: 24,
        stream,
        user: marker,
      }),
      signal: controller.signal,
    });
    const text = await response.text();
    if (response.status !== 200) return false;
    if (stream) return text.includes('data: [DONE]');
    const body = JSON.parse(text) as { choices?: unknown[] };
    return Array.isArray(body.choices);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export async function runKillLoop({
  backend,
  kills,
  concurrency = 4,
  minUpMs = 400,
  maxUpMs = 2500,
  pgPort = 55_432,
  redisPort = 16_379,
  log = () => {},
}: KillLoopOptions): Promise<KillLoopReport> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-kill-'));
  let pg: PrivateService | null = null;
  let redis: PrivateService | null = null;
  let server: RunningServer | null = null;
  const env: Record<string, string> = { WARDEN_SECRET: randomBytes(32).toString('hex') };
  try {
    let db: string;
    const args: string[] = [];
    if (backend === 'postgres') {
      pg = await startPrivatePostgres(pgPort);
      redis = await startPrivateRedis(redisPort);
      db = pg.url;
      args.push('--redis', redis.url);
    } else {
      db = `sqlite:${join(dir, 'warden.db')}`;
    }

    // The account's limits are far above the load, so every refusal seen here is a fault, not a limit.
    const setup = await openStore(db);
    await createAccount(setup, { name: 'load', limits: { rpm: 10_000_000, tpm: 1_000_000_000 } });
    const key = (await createApiKey(setup, { account: 'load' })).key;
    await setup.close();

    const started = Date.now();
    const restarts: number[] = [];
    const boot = async () => {
      const t = Date.now();
      server = await startServer({ db, args, env, timeoutMs: 60_000 });
      restarts.push(Date.now() - t);
      return server;
    };
    let current: RunningServer | null = await boot();

    const tally: ClientTally = { sent: 0, complete: new Set(), completeStreams: 0, failed: 0 };
    let stopping = false;
    let counter = 0;
    const client = async (lane: number) => {
      while (!stopping) {
        const target = current;
        if (!target) {
          await sleep(20);
          continue;
        }
        const marker = `kl-${lane}-${counter++}`;
        const stream = counter % 2 === 0;
        tally.sent++;
        const ok = await sendOne(target.url, key, marker, stream);
        if (ok) {
          tally.complete.add(marker);
          if (stream) tally.completeStreams++;
        } else {
          tally.failed++;
          await sleep(20);
        }
      }
    };
    const clients = Array.from({ length: concurrency }, (_, i) => client(i));

    for (let k = 0; k < kills; k++) {
      await sleep(minUpMs + Math.random() * (maxUpMs - minUpMs));
      const victim: RunningServer = current as unknown as RunningServer;
      current = null;
      await victim.kill();
      log(`kill ${k + 1}/${kills}: ${tally.complete.size} complete so far`);
      current = await boot();
    }
    await sleep(minUpMs);
    stopping = true;
    await Promise.all(clients);

    // Let the consumers of the last process catch up, then stop it cleanly.
    const check = await openStore(db, { migrate: false });
    const maxSeqRow = await check.db
      .selectFrom('events')
      .select((eb) => eb.fn.max('seq').as('m'))
      .executeTakeFirst();
    const maxSeq = Number(maxSeqRow?.m ?? 0);
    const until = Date.now() + 60_000;
    let meteringCursor = 0;
    let registryCursor = 0;
    const cursorOf = async (name: string) =>
      Number(
        (
          await check.db
            .selectFrom('consumer_cursors')
            .select('position')
            .where('name', '=', name)
            .executeTakeFirst()
        )?.position ?? 0,
      );
    while (Date.now() < until) {
      meteringCursor = await cursorOf('metering');
      registryCursor = await cursorOf('registry');
      if (meteringCursor >= maxSeq && registryCursor >= maxSeq) break;
      await sleep(100);
    }
    // Detection writes its assessment after metering's batch; give it a moment past the cursor.
    await sleep(1500);
    await (current as unknown as RunningServer).stop();
    current = null;
    server = null;

    const rows = await check.db
      .selectFrom('events')
      .select(['id', 'seq', 'request_body', 'status', 'output', 'endpoint'])
      .execute();
    // The registry fingerprints every ok event with output text (embeddings excepted), once, by id.
    const served = new Set(
      rows.filter((r) => r.status === 'ok' && r.output && r.endpoint !== '/v1/embeddings').map((r) => r.id),
    );
    const registered = new Set(
      (await check.db.selectFrom('provenance_outputs').select('id').execute()).map((r) => r.id),
    );
    let servedWithoutRegistry = 0;
    for (const id of served) if (!registered.has(id)) servedWithoutRegistry++;
    let registryWithoutEvent = 0;
    for (const id of registered) if (!served.has(id)) registryWithoutEvent++;
    const perMarker = new Map<string, number>();
    for (const row of rows) {
      let marker = '';
      try {
        marker = String((JSON.parse(row.request_body) as { user?: unknown }).user ?? '');
      } catch {
        marker = '';
      }
      perMarker.set(marker, (perMarker.get(marker) ?? 0) + 1);
    }
    let completeWithoutEvent = 0;
    for (const marker of tally.complete) if (!perMarker.has(marker)) completeWithoutEvent++;
    let duplicateRequestEvents = 0;
    let eventsWithoutComplete = 0;
    for (const [marker, n] of perMarker) {
      if (n > 1) duplicateRequestEvents += n - 1;
      if (!tally.complete.has(marker)) eventsWithoutComplete += n;
    }
    const metered = await check.db
      .selectFrom('usage_daily')
      .select((eb) => eb.fn.sum<number>('requests').as('n'))
      .executeTakeFirst();
    const risk = await check.db
      .selectFrom('account_risk')
      .innerJoin('accounts', 'accounts.id', 'account_risk.account_id')
      .select('account_risk.requests')
      .where('accounts.name', '=', 'load')
      .executeTakeFirst();
    await check.close();

    let integrity = 'n/a (PostgreSQL: see amcheck note in docs/reliability.md)';
    if (backend === 'sqlite') {
      const file = db.slice('sqlite:'.length);
      const raw = new Database(file, { readonly: true });
      integrity = (raw.pragma('integrity_check') as { integrity_check: string }[])
        .map((r) => r.integrity_check)
        .join('; ');
      raw.close();
    }

    return {
      backend,
      kills,
      concurrency,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      sent: tally.sent,
      complete: tally.complete.size,
      completeStreams: tally.completeStreams,
      failedAtClient: tally.failed,
      events: rows.length,
      completeWithoutEvent,
      duplicateRequestEvents,
      eventsWithoutCompleteResponse: eventsWithoutComplete,
      meteredRequests: Number(metered?.n ?? 0),
      meteringCursor,
      maxSeq,
      detectionRequests: risk ? Number(risk.requests) : null,
      detectableEvents: rows.filter((r) => r.status !== 'error').length,
      registryCursor,
      servedOutputs: served.size,
      registeredOutputs: registered.size,
      servedWithoutRegistry,
      registryWithoutEvent,
      integrity,
      restartMs: { median: median(restarts), max: Math.max(...restarts) },
    };
  } finally {
    const s = server as RunningServer | null;
    if (s) await s.kill().catch(() => undefined);
    await redis?.destroy().catch(() => undefined);
    await pg?.destroy().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
