// Soak: `npx tsx bench/reliability/soak.ts [--minutes 10] [--load 0.8] [--step-seconds 6]`.
// Starts the real `warden serve` (SQLite, demo upstream, loopback only), measures its maximum
// throughput with a short closed-loop ramp, then sends an open-loop load at `load` × that maximum (half
// of it streaming) for `minutes`, bounded to 256 requests in flight. Reports per minute: requests,
// errors, p50/p99 latency (to the end of the body), the server's RSS; at the end: RSS growth, and that
// every served request has exactly one usage event and metering counted each once. Writes
// bench/reliability/results/soak.json.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { createAccount, createApiKey } from '../../src/accounts/index.js';
import { openStore } from '../../src/store/open-store.js';
import { startServer } from '../../test/helpers/server.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    load: { type: 'string', default: '0.8' },
    'step-seconds': { type: 'string', default: '6' },
  },
});
const minutes = Number(values.minutes);
const loadShare = Number(values.load);
const stepSeconds = Number(values['step-seconds']);
const MAX_IN_FLIGHT = 256;

const dir = mkdtempSync(join(tmpdir(), 'warden-soak-'));
const db = `sqlite:${join(dir, 'warden.db')}`;
const setup = await openStore(db);
await createAccount(setup, { name: 'soak', limits: { rpm: 100_000_000, tpm: 100_000_000_000 } });
const key = (await createApiKey(setup, { account: 'soak' })).key;
await setup.close();
const server = await startServer({ db, timeoutMs: 90_000 });
const pid = server.process.pid ?? 0;
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
const dispatcher = new Agent({ connections: MAX_IN_FLIGHT, pipelining: 1, keepAliveTimeout: 30_000 });

let counter = 0;
const complete = new Set<string>();
async function one(): Promise<{ ok: boolean; ms: number; status: number }> {
  const marker = `sk-${counter++}`;
  const stream = counter % 2 === 0;
  const started = performance.now();
  try {
    const response = await request(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        model: 'demo',
        messages: [{ role: 'user', content: `Describe the weather at Longbourn (${marker}).` }],
        max_tokens: 16,
        stream,
        user: marker,
      }),
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    const text = await response.body.text();
    const ok =
      response.statusCode === 200 && (stream ? text.includes('data: [DONE]') : text.includes('"choices"'));
    if (ok) complete.add(marker);
    return { ok, ms: performance.now() - started, status: response.statusCode };
  } catch {
    return { ok: false, ms: performance.now() - started, status: 0 };
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// 1. Ramp (closed loop): the best throughput over a few concurrencies.
const ramp: { concurrency: number; rps: number; p99: number }[] = [];
for (const concurrency of [1, 8, 32, 64]) {
  const until = performance.now() + stepSeconds * 1000;
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const r = await one();
        if (r.ok) latencies.push(r.ms);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  ramp.push({
    concurrency,
    rps: Math.round(latencies.length / stepSeconds),
    p99: Math.round(percentile(latencies, 99) * 10) / 10,
  });
  process.stderr.write(
    `ramp: concurrency ${concurrency}: ${ramp.at(-1)?.rps} req/s, p99 ${ramp.at(-1)?.p99} ms\n`,
  );
}
const maxRps = Math.max(...ramp.map((r) => r.rps));
const targetRps = Math.max(1, Math.round(maxRps * loadShare));
process.stderr.write(`max ${maxRps} req/s; soaking at ${targetRps} req/s for ${minutes} min\n`);

// 2. Soak (open loop at the target rate, at most MAX_IN_FLIGHT outstanding).
const soakStartMarker = counter;
const perMinute: {
  minute: number;
  sent: number;
  ok: number;
  errors: number;
  shed: number;
  p50: number;
  p99: number;
  rssMiB: number;
  load1: number;
}[] = [];
let inFlight = 0;
const soakStarted = performance.now();
let sentTotal = 0;
for (let minute = 1; minute <= minutes; minute++) {
  const latencies: number[] = [];
  let sent = 0;
  let errors = 0;
  let shed = 0;
  const minuteEnd = soakStarted + minute * 60_000;
  const pending: Promise<void>[] = [];
  let next = performance.now();
  while (performance.now() < minuteEnd) {
    next += 1000 / targetRps;
    const wait = next - performance.now();
    // Yield every time, even when behind schedule, so responses are read while requests are sent.
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    else await new Promise((r) => setImmediate(r));
    if (inFlight >= MAX_IN_FLIGHT) {
      shed++;
      continue;
    }
    inFlight++;
    sent++;
    pending.push(
      one().then((r) => {
        inFlight--;
        if (r.ok) latencies.push(r.ms);
        else errors++;
      }),
    );
  }
  await Promise.all(pending);
  sentTotal += sent;
  latencies.sort((a, b) => a - b);
  perMinute.push({
    minute,
    sent,
    ok: latencies.length,
    errors,
    shed,
    p50: Math.round(percentile(latencies, 50) * 10) / 10,
    p99: Math.round(percentile(latencies, 99) * 10) / 10,
    rssMiB: Math.round(rss() / 1048576),
    load1: Math.round(loadavg()[0] * 100) / 100,
  });
  process.stderr.write(`${JSON.stringify(perMinute.at(-1))}\n`);
}

// 3. Every event accounted for: consumers catch up; one event per served request; metering sums match.
const check = await openStore(db, { migrate: false });
const maxSeq = Number(
  (
    await check.db
      .selectFrom('events')
      .select((eb) => eb.fn.max('seq').as('m'))
      .executeTakeFirst()
  )?.m ?? 0,
);
const until = Date.now() + 120_000;
let cursor = 0;
while (Date.now() < until) {
  cursor = Number(
    (
      await check.db
        .selectFrom('consumer_cursors')
        .select('position')
        .where('name', '=', 'metering')
        .executeTakeFirst()
    )?.position ?? 0,
  );
  if (cursor >= maxSeq) break;
  await new Promise((r) => setTimeout(r, 250));
}
const rows = await check.db.selectFrom('events').select('request_body').execute();
const markers = new Map<string, number>();
for (const row of rows) {
  const marker = String((JSON.parse(row.request_body) as { user?: unknown }).user ?? '');
  markers.set(marker, (markers.get(marker) ?? 0) + 1);
}
const metered = Number(
  (
    await check.db
      .selectFrom('usage_daily')
      .select((eb) => eb.fn.sum<number>('requests').as('n'))
      .executeTakeFirst()
  )?.n ?? 0,
);
await check.close();
await server.stop();
await dispatcher.close();
rmSync(dir, { recursive: true, force: true });

const completeWithoutEvent = [...complete].filter((m) => !markers.has(m)).length;
const duplicates = [...markers.values()].filter((n) => n > 1).length;
const first = perMinute[0]?.rssMiB ?? 0;
const last = perMinute.at(-1)?.rssMiB ?? 0;
const out = {
  command: `npx tsx bench/reliability/soak.ts --minutes ${minutes} --load ${loadShare} --step-seconds ${stepSeconds}`,
  at: new Date().toISOString(),
  machine: { cores: 2, loadavgAtEnd: loadavg().map((l) => Math.round(l * 100) / 100) },
  ramp,
  maxRps,
  targetRps,
  perMinute,
  soak: {
    sent: sentTotal,
    ok: perMinute.reduce((s, m) => s + m.ok, 0),
    errors: perMinute.reduce((s, m) => s + m.errors, 0),
    shed: perMinute.reduce((s, m) => s + m.shed, 0),
    firstRequest: soakStartMarker,
  },
  rss: {
    firstMinuteMiB: first,
    lastMinuteMiB: last,
    growthPercent: first ? Math.round(((last - first) / first) * 1000) / 10 : null,
  },
  events: {
    total: rows.length,
    completeResponses: complete.size,
    completeWithoutEvent,
    duplicates,
    metered,
    meteringCursor: cursor,
    maxSeq,
  },
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/soak.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
