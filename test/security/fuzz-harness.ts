// Property-based fuzzing (fast-check) of everything that reads outside input: the public and admin HTTP
// APIs (in process, app.inject) and the files of `detect`, `trace` and `registry add`. The properties:
// no crash, no 5xx (the demo upstream never faults), an error body in the documented shape, and nothing
// written for refused input. Used by test/security/fuzz.test.ts (a share) and bench/reliability/fuzz.ts
// (the full counts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { sql } from 'kysely';
import { createAccount } from '../../src/accounts/index.js';
import { detect } from '../../src/cli/commands/detect.js';
import { registryAdd } from '../../src/cli/commands/registry.js';
import { trace } from '../../src/cli/commands/trace.js';
import { ExitError } from '../../src/cli/exit-error.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import type { InProcessGateway } from './in-process-gateway.js';

const ROUTES: [string, string][] = [
  ['POST', '/v1/chat/completions'],
  ['POST', '/v1/completions'],
  ['POST', '/v1/embeddings'],
  ['GET', '/v1/models'],
  ['GET', '/healthz'],
  ['GET', '/admin/v1/accounts'],
  ['POST', '/admin/v1/accounts'],
  ['GET', '/admin/v1/accounts/:id'],
  ['GET', '/admin/v1/accounts/:id/usage'],
  ['POST', '/admin/v1/accounts/:id/suspend'],
  ['POST', '/admin/v1/accounts/:id/reinstate'],
  ['POST', '/admin/v1/accounts/:id/terminate'],
  ['GET', '/admin/v1/accounts/:id/keys'],
  ['POST', '/admin/v1/accounts/:id/keys'],
  ['GET', '/admin/v1/audit/entries'],
  ['GET', '/admin/v1/audit/entries/:id/proof'],
  ['GET', '/admin/v1/audit/head'],
  ['POST', '/admin/v1/audit/heads'],
  ['POST', '/admin/v1/audit/verify'],
  ['GET', '/admin/v1/partners'],
  ['POST', '/admin/v1/partners'],
  ['GET', '/admin/v1/partners/:id/keys'],
  ['POST', '/admin/v1/partners/:id/keys'],
  ['GET', '/admin/v1/partners/:id/customers'],
  ['GET', '/admin/v1/provenance/traces'],
  ['GET', '/admin/v1/provenance/traces/:id'],
  ['GET', '/admin/v1/provenance/traces/:id/report'],
  ['GET', '/admin/v1/provenance/audits'],
  ['GET', '/admin/v1/provenance/audits/:id'],
  ['GET', '/admin/v1/policy-actions'],
  ['GET', '/admin/v1/keys/:id'],
  ['POST', '/admin/v1/keys/:id/revoke'],
  ['GET', '/admin/v1/whoami'],
  ['GET', '/admin/v1/webhooks/deliveries'],
  ['GET', '/admin/v1/webhooks/deliveries/:id'],
  ['POST', '/admin/v1/webhooks/deliveries/:id/retry'],
  ['POST', '/admin/v1/session'],
  ['GET', '/admin/v1/dashboard/overview'],
  ['GET', '/admin/v1/dashboard/accounts'],
  ['GET', '/admin/v1/dashboard/accounts/:id/traffic'],
  ['GET', '/admin/v1/dashboard/changes'],
  ['GET', '/admin/v1/cases'],
  ['POST', '/admin/v1/cases'],
  ['GET', '/admin/v1/cases/:id'],
  ['POST', '/admin/v1/cases/:id/notes'],
  ['POST', '/admin/v1/cases/:id/assign'],
  ['POST', '/admin/v1/cases/:id/remediation'],
  ['POST', '/admin/v1/cases/:id/decide'],
  ['POST', '/admin/v1/cases/:id/partner-decision'],
];

/** Hostile strings: injection payloads, traversal, control and odd Unicode characters. */
const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    "' OR 1=1 --",
    '"; DROP TABLE accounts; --',
    '../../../etc/passwd',
    '%2e%2e%2f%2e%2e%2f',
    '<script>alert(1)</script>',
    ['$', '{jndi:ldap://x}'].join(''),
    '__proto__',
    'constructor',
    '\u0000',
    '\ud800',
    '\u202e',
    'a'.repeat(5000),
    '-1',
    '1e309',
    'NaN',
    'null',
  ),
);

const jsonish = fc.jsonValue({ maxDepth: 4 });

/** A plausible body with hostile mutations: wrong types, extra and prototype keys, odd values. */
const body = fc.oneof(
  {
    arbitrary: fc
      .record({
        content: hostileString,
        stream: fc.boolean(),
        route: fc.constantFrom('chat', 'completion', 'embedding'),
      })
      .map(({ content, stream, route }) =>
        JSON.stringify(
          route === 'chat'
            ? { model: 'demo', messages: [{ role: 'user', content }], max_tokens: 8, stream }
            : route === 'completion'
              ? { model: 'demo', prompt: content, max_tokens: 8, stream }
              : { model: 'demo', input: content },
        ),
      ),
    weight: 2,
  },
  fc
    .record(
      {
        model: fc.oneof(fc.constant('demo'), hostileString, jsonish),
        messages: fc.oneof(
          fc.array(
            fc.record({
              role: fc.oneof(fc.constantFrom('user', 'system', 'assistant'), hostileString),
              content: fc.oneof(hostileString, jsonish),
            }),
            { maxLength: 3 },
          ),
          jsonish,
        ),
        prompt: fc.oneof(hostileString, jsonish),
        input: fc.oneof(hostileString, jsonish),
        stream: fc.oneof(fc.boolean(), jsonish),
        n: fc.oneof(fc.integer({ min: -5, max: 200 }), jsonish),
        max_tokens: fc.oneof(fc.integer({ min: -5, max: 64 }), jsonish),
        name: hostileString,
        reason: hostileString,
        role: fc.oneof(fc.constantFrom('viewer', 'analyst', 'admin', 'root'), hostileString),
        limits: jsonish,
        account: hostileString,
        url: fc.oneof(
          fc.constantFrom(
            'http://127.0.0.1/',
            'http://169.254.169.254/latest/meta-data',
            'file:///etc/passwd',
          ),
          hostileString,
        ),
        __proto__: jsonish,
        constructor: jsonish,
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o)),
  jsonish.map((v) => JSON.stringify(v)),
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    '',
    '{',
    '{"model":',
    'null',
    '[]',
    '{"model":"demo","messages":[{"role":"user","content":"hi"}]}x',
  ),
);

/** encodeURIComponent, with lone surrogates (which it refuses) replaced first. */
function safeEncode(value: string): string {
  return encodeURIComponent(
    value.replace(/[\ud800-\udfff]/g, (c, i: number, all: string) => {
      const code = c.charCodeAt(0);
      const next = all.charCodeAt(i + 1);
      const prev = all.charCodeAt(i - 1);
      const paired = code < 0xdc00 ? next >= 0xdc00 && next <= 0xdfff : prev >= 0xd800 && prev < 0xdc00;
      return paired ? c : '\ufffd';
    }),
  );
}

export interface ApiFuzzStats {
  requests: number;
  byStatus: Record<string, number>;
  accepted: number;
  refused: number;
  seconds: number;
}

async function maxRowIds(store: Store): Promise<string> {
  const parts: string[] = [];
  for (const table of [
    'events',
    'accounts',
    'api_keys',
    'partners',
    'admin_tokens',
    'audit_entries',
    'cases',
  ]) {
    const { rows } = await sql<{ m: number | null }>`select max(rowid) as m from ${sql.table(table)}`.execute(
      store.db,
    );
    parts.push(`${table}=${rows[0]?.m ?? 0}`);
  }
  return parts.join(' ');
}

/** Sends `runs` generated requests; throws (with the counterexample) on the first broken property. */
export async function fuzzApis(
  gw: InProcessGateway,
  { runs, seed }: { runs: number; seed?: number },
): Promise<ApiFuzzStats> {
  const stats: ApiFuzzStats = { requests: 0, byStatus: {}, accepted: 0, refused: 0, seconds: 0 };
  const started = Date.now();
  const ids = fc.oneof(
    fc.constantFrom(gw.accountId, gw.endCustomerAccountId, 'alice', 'bob', 'reseller', '0', '1'),
    hostileString.map((s) => safeEncode(s)),
    hostileString,
  );
  const auth = fc.oneof(
    fc.constant(undefined),
    fc.constantFrom(
      `Bearer ${gw.key}`,
      `Bearer ${gw.partnerKey}`,
      `Bearer ${gw.adminTokens.viewer}`,
      `Bearer ${gw.adminTokens.analyst}`,
      `Bearer ${gw.adminTokens.admin}`,
      `bearer ${gw.key}`,
      `Bearer ${gw.key} extra`,
      `Basic ${Buffer.from('a:b').toString('base64')}`,
      'Bearer ',
    ),
    hostileString.map((s) => `Bearer ${s}`),
  );
  const request = fc.record({
    route: fc.constantFrom(...ROUTES),
    method: fc.oneof(
      fc.constant(null),
      fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
    ),
    id: ids,
    query: fc.oneof(
      fc.constant(''),
      fc.dictionary(hostileString, hostileString, { maxKeys: 3 }).map((q) => `?${new URLSearchParams(q)}`),
    ),
    auth: fc.oneof(
      { arbitrary: fc.constant(`Bearer ${gw.key}`), weight: 2 },
      { arbitrary: fc.constant(`Bearer ${gw.adminTokens.admin}`), weight: 2 },
      { arbitrary: auth, weight: 2 },
    ),
    endCustomer: fc.oneof(fc.constant(undefined), fc.constant(gw.endCustomer), hostileString),
    contentType: fc.oneof(
      fc.constant('application/json'),
      fc.constant(undefined),
      fc.constantFrom(
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/json; charset=utf-16',
      ),
    ),
    body,
  });
  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      const [routeMethod, template] = r.route;
      const method = r.method ?? routeMethod;
      const url = template.replace(':id', safeEncode(String(r.id)) || 'x') + r.query;
      const headers: Record<string, string> = {};
      // Header values a client library could send (no CR/LF: the raw-socket suite covers those).
      const clean = (v: string) => v.replace(/[\r\n\0]/g, '').replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');
      if (r.auth !== undefined) headers.authorization = clean(r.auth);
      if (r.endCustomer !== undefined) headers['x-warden-end-customer'] = clean(r.endCustomer);
      if (r.contentType) headers['content-type'] = r.contentType;
      const before = await maxRowIds(gw.store);
      const response = await gw.app.inject({
        method: method as 'GET',
        url,
        headers,
        payload: method === 'GET' || method === 'HEAD' ? undefined : r.body,
      });
      stats.requests++;
      stats.byStatus[response.statusCode] = (stats.byStatus[response.statusCode] ?? 0) + 1;
      if (response.statusCode >= 500) {
        throw new Error(
          `${method} ${url.slice(0, 120)} → ${response.statusCode}: ${response.body.slice(0, 300)}`,
        );
      }
      if (response.statusCode >= 400) {
        stats.refused++;
        if (method !== 'HEAD') {
          const parsed = JSON.parse(response.body) as { error?: { message?: unknown; code?: unknown } };
          if (typeof parsed.error?.message !== 'string')
            throw new Error(
              `${method} ${url.slice(0, 120)} → ${response.statusCode} without an error message: ${response.body.slice(0, 200)}`,
            );
        }
        const after = await maxRowIds(gw.store);
        if (after !== before) {
          // A 4xx answered by the upstream itself is a served request and is recorded as such.
          const last = await gw.store.db
            .selectFrom('events')
            .select(['http_status', 'upstream'])
            .orderBy('seq', 'desc')
            .executeTakeFirst();
          const onlyEvent = before.replace(/events=\d+/, '') === after.replace(/events=\d+/, '');
          if (!(onlyEvent && last?.upstream && last.http_status === response.statusCode))
            throw new Error(
              `${method} ${url.slice(0, 120)} → ${response.statusCode} wrote rows: ${before} → ${after}`,
            );
        }
      } else {
        stats.accepted++;
      }
    }),
    { numRuns: runs, seed, endOnFailure: true },
  );
  stats.seconds = (Date.now() - started) / 1000;
  return stats;
}

// --- files -----------------------------------------------------------------------------------------

/** Lines that are malformed by construction for the text-file contract (trace, registry add). */
const badTextLine = fc.oneof(
  fc.string({ minLength: 1 }).filter((s) => {
    if (s.trim() === '' || s.includes('\n')) return false;
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  }),
  fc
    .oneof(fc.integer(), fc.string(), fc.array(jsonish, { maxLength: 3 }), fc.constant(null), fc.boolean())
    .map((v) => JSON.stringify(v)),
  fc
    .record(
      {
        id: jsonish,
        text: fc.oneof(
          fc.integer(),
          fc.boolean(),
          fc.constant(null),
          fc.array(fc.string(), { maxLength: 2 }),
        ),
        choices: fc.oneof(
          fc.integer(),
          fc.string(),
          fc.array(fc.oneof(fc.integer(), fc.constant(null), fc.boolean()), { maxLength: 3 }),
        ),
        messages: fc.oneof(
          fc.string(),
          fc.array(
            fc.record({
              role: fc.constantFrom('user', 'system', 'tool'),
              content: fc.oneof(fc.string(), jsonish),
            }),
            { maxLength: 3 },
          ),
        ),
        output: fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 })),
        other: jsonish,
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o)),
);

const goodTextLine = fc
  .record({ id: fc.uuid(), text: fc.lorem({ maxCount: 30 }) })
  .map((o) => JSON.stringify(o));

/** Lines that are malformed by construction for the traffic-file contract (detect). */
const badTrafficLine = fc.oneof(
  badTextLine.filter((l) => {
    try {
      const v = JSON.parse(l) as Record<string, unknown> | null;
      return !(v && typeof v === 'object' && !Array.isArray(v) && typeof v.account === 'string');
    } catch {
      return true;
    }
  }),
  fc
    .record({ account: fc.oneof(fc.constant(''), fc.integer(), fc.constant(null)), request: fc.object() })
    .map((o) => JSON.stringify(o)),
  fc
    .record({
      account: fc.string({ minLength: 1 }),
      request: fc.oneof(fc.string(), fc.integer(), fc.array(jsonish), fc.constant(null)),
    })
    .map((o) => JSON.stringify(o)),
  fc
    .record({
      account: fc.string({ minLength: 1 }),
      request: fc.object(),
      ts: fc.oneof(fc.constantFrom('yesterday', '2026-13-45T99:00:00Z', ''), fc.integer()),
    })
    .map((o) => JSON.stringify(o)),
  fc
    .record({
      account: fc.string({ minLength: 1 }),
      request: fc.object(),
      channel: fc.oneof(fc.integer(), fc.array(fc.string()), fc.object()),
    })
    .map((o) => JSON.stringify(o)),
  fc
    .record({
      account: fc.string({ minLength: 1 }),
      request: fc.object(),
      response: fc.oneof(fc.string(), fc.integer(), fc.array(jsonish)),
    })
    .map((o) => JSON.stringify(o)),
);

const goodTrafficLine = fc
  .record({ account: fc.constantFrom('acme', 'globex'), content: fc.lorem({ maxCount: 12 }) })
  .map(({ account, content }) =>
    JSON.stringify({ account, request: { model: 'demo', messages: [{ role: 'user', content }] } }),
  );

/** A file of lines with at least one malformed line; returns the lines and the 1-based bad positions. */
function fileOf(bad: fc.Arbitrary<string>, good: fc.Arbitrary<string>) {
  return fc
    .array(
      fc.oneof(
        { arbitrary: bad.map((l) => [l, true] as const), weight: 3 },
        { arbitrary: good.map((l) => [l, false] as const), weight: 1 },
      ),
      { minLength: 1, maxLength: 20 },
    )
    .filter((rows) => rows.some(([, isBad]) => isBad));
}

export interface FileFuzzStats {
  runs: number;
  malformedLines: number;
  seconds: number;
}

/** `detect`: every malformed line is skipped and reported with its line number; nothing crashes. */
export async function fuzzDetect({
  minBadLines,
  seed,
}: {
  minBadLines: number;
  seed?: number;
}): Promise<FileFuzzStats> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-fuzz-detect-'));
  const stats: FileFuzzStats = { runs: 0, malformedLines: 0, seconds: 0 };
  const started = Date.now();
  try {
    const file = join(dir, 'traffic.jsonl');
    await fc.assert(
      fc.asyncProperty(fileOf(badTrafficLine, goodTrafficLine), async (rows) => {
        writeFileSync(file, rows.map(([l]) => l).join('\n'));
        const warnings: string[] = [];
        const run = await detect({ traffic: file, warn: (m) => warnings.push(m) });
        const badAt = rows.flatMap(([, isBad], i) => (isBad ? [i + 1] : []));
        const warnedAt = warnings.map((w) => Number(/traffic\.jsonl:(\d+):/.exec(w)?.[1]));
        if (run.skipped !== badAt.length || warnedAt.join() !== badAt.join())
          throw new Error(`bad lines at ${badAt.join()}, reported ${warnedAt.join()} (${warnings[0] ?? ''})`);
        // Strict mode refuses the file as bad usage (exit 2).
        const strict = await detect({ traffic: file, strict: true, warn: () => {} }).then(
          () => null,
          (error: unknown) => error,
        );
        if (!(strict instanceof ExitError) || strict.exitCode !== 2)
          throw new Error(`--strict did not exit 2: ${String(strict)}`);
        stats.runs++;
        stats.malformedLines += badAt.length;
      }),
      { numRuns: Math.ceil(minBadLines / 4), seed, endOnFailure: true },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  stats.seconds = (Date.now() - started) / 1000;
  return stats;
}

/** `trace` and `registry add`: a file with a malformed line fails with exit 2 naming it; nothing written. */
export async function fuzzTextFiles({
  minBadLines,
  seed,
}: {
  minBadLines: number;
  seed?: number;
}): Promise<{ trace: FileFuzzStats; registry: FileFuzzStats }> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-fuzz-text-'));
  const db = `sqlite:${join(dir, 'w.db')}`;
  const store = await openStore(db);
  await createAccount(store, { name: 'acct' });
  const count = async () => {
    const { rows } = await sql<{
      n: number;
    }>`select (select count(*) from provenance_outputs) + (select count(*) from audit_entries) as n`.execute(
      store.db,
    );
    return Number(rows[0]?.n ?? 0);
  };
  const result = {
    trace: { runs: 0, malformedLines: 0, seconds: 0 },
    registry: { runs: 0, malformedLines: 0, seconds: 0 },
  };
  try {
    for (const which of ['trace', 'registry'] as const) {
      const started = Date.now();
      const file = join(dir, 'docs.jsonl');
      await fc.assert(
        fc.asyncProperty(fileOf(badTextLine, goodTextLine), async (rows) => {
          writeFileSync(file, rows.map(([l]) => l).join('\n'));
          const firstBad = rows.findIndex(([, isBad]) => isBad) + 1;
          const before = await count();
          const outcome = await (which === 'trace'
            ? trace({ files: [file], db })
            : registryAdd({ account: 'acct', files: [file], db })
          ).then(
            () => null,
            (error: unknown) => error,
          );
          if (!(outcome instanceof ExitError) || outcome.exitCode !== 2)
            throw new Error(`${which} did not refuse the file with exit 2: ${String(outcome)}`);
          if (!outcome.message.includes(`docs.jsonl:${firstBad}`))
            throw new Error(`${which} did not name line ${firstBad}: ${outcome.message.slice(0, 200)}`);
          if ((await count()) !== before) throw new Error(`${which} wrote rows for refused input`);
          result[which].runs++;
          result[which].malformedLines += rows.filter(([, isBad]) => isBad).length;
        }),
        { numRuns: Math.ceil(minBadLines / 4), seed, endOnFailure: true },
      );
      result[which].seconds = (Date.now() - started) / 1000;
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}
