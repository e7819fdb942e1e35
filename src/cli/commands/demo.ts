// `warden demo [--port N] [--exit] [--json]`: the whole story in under two minutes, on a temporary
// database with the built-in demo model. Ordinary customers chat, code and write; one customer, buying
// both directly and through a reseller, runs a distillation pipeline (self-instruct generation,
// annotation batches, LLM-as-judge evaluation), first at low volume. Warden flags it, suspends it
// pending investigation (its next request is refused with the case id), notifies the reseller with a
// signed webhook, and traces a "desensitized" copy of what it harvested back to it. Everything after
// start-up goes through the public and admin HTTP APIs, as a real deployment would.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import { desensitize, type Harvested } from '../../../demo/desensitize.js';
import {
  buildDemoTraffic,
  type ChatBody,
  DISTILLER,
  DISTILLER_AT_PARTNER,
  type DistillerRequest,
  ORDINARY_CUSTOMERS,
  PARTNER,
} from '../../../demo/traffic.js';
import { configSchema } from '../../config/config.js';
import { verifyWebhookSignature } from '../../enforce/webhooks/signature.js';
import { type GatewayNode, startGatewayNode } from '../../runtime/gateway-node.js';
import { ExitError } from '../exit-error.js';
import { parsePortFlag } from './serve.js';

/** The reseller's end-customer account of the distiller. */
export const DISTILLER_VIA_PARTNER = `${DISTILLER}-via-${PARTNER}`;

export interface DemoOptions {
  port?: string;
  /** Stop after the scripted part instead of serving until Ctrl-C. */
  exit?: boolean;
  json?: boolean;
  /** Where narrative lines go (default stdout, unless --json). */
  say?: (line: string) => void;
  /** Scale of the traffic (tests may shrink it). */
  ordinaryPerCustomer?: number;
}

export interface DemoAccountOutcome {
  account: string;
  risk: number | null;
  verdict: string | null;
  status: string;
  case: string | null;
  /** Requests the detection engine has scored. */
  scored: number;
  /** The engine's 1-based index of the request at which the verdict first left "ok". */
  detectedAfter: number | null;
  /** Requests the account had sent when the demo first saw it flagged / suspended. */
  flaggedAfter: number | null;
  suspendedAfter: number | null;
}

export interface DemoResult {
  url: string;
  dashboard: string;
  adminToken: string;
  database: string;
  seconds: number;
  requests: { ordinary: number; distiller: number; refused: number };
  lowVolume: DemoAccountOutcome[];
  distiller: DemoAccountOutcome[];
  ordinary: DemoAccountOutcome[];
  refusal: { status: number; code: string | null; caseId: string | null; message: string } | null;
  webhooks: { type: string; account: string | null; signatureValid: boolean }[];
  trace: {
    harvested: number;
    records: number;
    human: number;
    matched: number;
    matchedHarvested: number;
    falseMatches: number;
    accounts: { account: string; documents: number }[];
  } | null;
  audit: { entries: number; verified: boolean | null } | null;
  suspended: boolean;
  traced: boolean;
}

export interface RunningDemo {
  result: DemoResult;
  close(): Promise<void>;
}

interface WebhookReceiver {
  url: string;
  received: { type: string; body: Record<string, unknown>; signatureValid: boolean }[];
  close(): Promise<void>;
}

/** Where each customer's requests come from; the reseller calls from its own servers. */
const CLIENT_ADDRESSES: Record<string, string> = {
  'acme-support': '198.51.100.11',
  'globex-dev': '198.51.100.12',
  'initech-writers': '198.51.100.13',
  [DISTILLER]: '203.0.113.7',
  [PARTNER]: '192.0.2.40',
};

const WEBHOOK_SECRET = 'demo-partner-webhook-secret-0123456789';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The reseller's side: a loopback HTTP server that checks each webhook's signature as a partner would. */
async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: WebhookReceiver['received'] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const header = request.headers['x-warden-signature'];
      const check = verifyWebhookSignature(WEBHOOK_SECRET, Array.isArray(header) ? header[0] : header, body);
      let parsed: Record<string, unknown> = {};
      try {
        parsed = JSON.parse(body) as Record<string, unknown>;
      } catch {
        // Kept empty: the narrative reports the type from the header.
      }
      const type = String(request.headers['x-warden-event-type'] ?? parsed.type ?? 'unknown');
      received.push({ type, body: parsed, signatureValid: check.ok });
      response.writeHead(check.ok ? 200 : 401, { 'content-type': 'application/json' });
      response.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/warden-webhook`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

class DemoClient {
  constructor(
    readonly base: string,
    readonly adminToken: string,
  ) {}

  async admin<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.base}/admin/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`${method} /admin/v1${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : {}) as T;
  }

  async upload<T>(path: string, content: string): Promise<T> {
    const response = await fetch(`${this.base}/admin/v1${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.adminToken}`, 'content-type': 'application/x-ndjson' },
      body: content,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`POST /admin/v1${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }

  /** One chat completion; returns the status, the output text and the error body. */
  async chat(key: string, body: ChatBody, from: string, endCustomer?: string) {
    const response = await fetch(`${this.base}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        // Every customer calls from its own address (documentation ranges, RFC 5737); the demo node
        // trusts X-Forwarded-For as if it sat behind a proxy, since every request really comes from loopback.
        'x-forwarded-for': from,
        ...(endCustomer ? { 'x-warden-end-customer': endCustomer } : {}),
      },
      body: JSON.stringify(body),
    });
    const data = (await response.json().catch(() => ({}))) as {
      choices?: { message?: { content?: string } }[];
      error?: { code?: string; message?: string; case_id?: string };
    };
    return {
      status: response.status,
      text: data.choices?.[0]?.message?.content ?? null,
      error: data.error ?? null,
    };
  }
}

interface AccountDetail {
  name: string;
  status: string;
  case: { id: string } | null;
  risk: { risk: number; verdict: string; requests: number; detected_after: number | null } | null;
}

async function outcome(client: DemoClient, account: string): Promise<DemoAccountOutcome> {
  const a = await client.admin<AccountDetail>('GET', `/accounts/${encodeURIComponent(account)}`);
  return {
    account,
    risk: a.risk ? Math.round(a.risk.risk * 10) / 10 : null,
    verdict: a.risk?.verdict ?? null,
    status: a.status,
    case: a.case?.id ?? null,
    scored: a.risk?.requests ?? 0,
    detectedAfter: a.risk?.detected_after ?? null,
    flaggedAfter: null,
    suspendedAfter: null,
  };
}

/** Runs `tasks` with at most `limit` at a time. */
async function inParallel<T>(items: T[], limit: number, task: (item: T, index: number) => Promise<void>) {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await task(items[i], i);
    }
  });
  await Promise.all(workers);
}

/** Starts Warden and plays the scripted story; the node keeps serving until `close()`. */
export async function demo(options: DemoOptions = {}): Promise<RunningDemo> {
  const say = options.say ?? (options.json ? () => {} : (line: string) => process.stdout.write(`${line}\n`));
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const port = parsePortFlag(options.port) ?? 0;
  const dir = mkdtempSync(join(tmpdir(), 'warden-demo-'));
  const dbUrl = `sqlite:${join(dir, 'warden.db')}`;
  const receiver = await startWebhookReceiver();
  const config = configSchema.parse({
    server: { host: '127.0.0.1', port, trust_proxy: true },
    // The reseller's webhook receiver runs on loopback: allow private webhook targets for this node.
    webhooks: { allow_private: true },
    log_level: 'warn',
  });
  let node: GatewayNode;
  try {
    node = await startGatewayNode({
      config,
      dbUrl,
      logger: pino({ level: 'error' }, pino.destination(2)),
    });
  } catch (error) {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
    throw new ExitError(`warden demo could not start: ${(error as Error).message}`);
  }
  const close = async () => {
    await node.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  };
  if (!node.bootstrap) {
    await close();
    throw new ExitError('warden demo: the temporary database was not fresh');
  }
  const client = new DemoClient(node.url, node.bootstrap.adminToken);
  try {
    const result = await play(client, node, receiver, dbUrl, say, options, elapsed);
    result.seconds = Math.round((Date.now() - started) / 100) / 10;
    return { result, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function play(
  client: DemoClient,
  node: GatewayNode,
  receiver: WebhookReceiver,
  dbUrl: string,
  say: (line: string) => void,
  options: DemoOptions,
  elapsed: () => string,
): Promise<DemoResult> {
  const traffic = buildDemoTraffic({ ordinaryPerCustomer: options.ordinaryPerCustomer ?? 40 });
  say('Warden demo: a distiller hiding among ordinary customers');
  say('');
  say(`1. Warden is serving at ${node.url} with the built-in demo model (temporary database).`);

  // --- Customers, keys, the reseller -------------------------------------------------------------
  const keys = new Map<string, string>();
  for (const customer of ORDINARY_CUSTOMERS) {
    await client.admin('POST', '/accounts', { name: customer.name });
    const key = await client.admin<{ key: string }>('POST', `/accounts/${customer.name}/keys`, {});
    keys.set(customer.name, key.key);
  }
  await client.admin('POST', '/accounts', { name: DISTILLER });
  keys.set(DISTILLER, (await client.admin<{ key: string }>('POST', `/accounts/${DISTILLER}/keys`, {})).key);
  await client.admin('POST', '/partners', {
    name: PARTNER,
    webhook_url: receiver.url,
    webhook_secret: WEBHOOK_SECRET,
  });
  await client.admin('POST', '/accounts', {
    name: DISTILLER_VIA_PARTNER,
    partner: PARTNER,
    external_id: DISTILLER_AT_PARTNER,
  });
  const partnerKey = (await client.admin<{ key: string }>('POST', `/partners/${PARTNER}/keys`, {})).key;
  say(
    `2. Customers: ${ORDINARY_CUSTOMERS.map((c) => `${c.name} (${c.use})`).join(', ')}; ` +
      `${DISTILLER}, which buys directly and also through the reseller ${PARTNER} ` +
      `(as "${DISTILLER_AT_PARTNER}", account ${DISTILLER_VIA_PARTNER}); ${PARTNER}'s webhook listens on loopback.`,
  );

  // --- Replay ---------------------------------------------------------------------------------
  const counts = { ordinary: 0, distiller: 0, refused: 0 };
  const harvested: Harvested[] = [];
  const sent = new Map<string, number>([
    [DISTILLER, 0],
    [DISTILLER_VIA_PARTNER, 0],
  ]);
  const firstFlagged = new Map<string, number>();
  const firstSuspended = new Map<string, number>();
  let refusal: DemoResult['refusal'] = null;

  const sendDistiller = async (request: DistillerRequest) => {
    const viaPartner = request.channel === 'partner';
    const account = viaPartner ? DISTILLER_VIA_PARTNER : DISTILLER;
    sent.set(account, (sent.get(account) ?? 0) + 1);
    const reply = viaPartner
      ? await client.chat(partnerKey, request.body, CLIENT_ADDRESSES[PARTNER], DISTILLER_AT_PARTNER)
      : await client.chat(keys.get(DISTILLER)!, request.body, CLIENT_ADDRESSES[DISTILLER]);
    counts.distiller++;
    if (reply.status === 200 && reply.text && request.phase === 'generation') {
      harvested.push({
        id: `h${harvested.length}`,
        prompt: request.body.messages.at(-1)!.content,
        text: reply.text,
      });
    } else if (reply.status !== 200) {
      counts.refused++;
      if (!firstSuspended.has(account)) firstSuspended.set(account, (sent.get(account) ?? 1) - 1);
    }
    return reply;
  };
  const sendOrdinary = async (i: number) => {
    const request = traffic.ordinary[i];
    const reply = await client.chat(
      keys.get(request.account)!,
      request.body,
      CLIENT_ADDRESSES[request.account],
    );
    counts.ordinary++;
    if (reply.status !== 200) counts.refused++;
  };

  // Phase 1: ordinary traffic, with the distiller's first, small batch mixed in.
  const half = Math.floor(traffic.ordinary.length / 2);
  const phase1: (() => Promise<void>)[] = [];
  const every = Math.max(1, Math.floor(half / Math.max(1, traffic.lowVolume.length)));
  let low = 0;
  for (let i = 0; i < half; i++) {
    phase1.push(() => sendOrdinary(i));
    if (i % every === every - 1 && low < traffic.lowVolume.length) {
      const request = traffic.lowVolume[low++];
      phase1.push(async () => {
        await sendDistiller(request);
      });
    }
  }
  while (low < traffic.lowVolume.length) {
    const request = traffic.lowVolume[low++];
    phase1.push(async () => {
      await sendDistiller(request);
    });
  }
  await inParallel(phase1, 4, (task) => task());
  // Wait until detection (behind the event log) has scored every request sent so far.
  let lowVolume: DemoAccountOutcome[] = [];
  for (let waited = 0; waited < 15_000; waited += 250) {
    lowVolume = [await outcome(client, DISTILLER), await outcome(client, DISTILLER_VIA_PARTNER)];
    if (lowVolume.every((o) => o.scored >= (sent.get(o.account) ?? 0))) break;
    await sleep(250);
  }
  say(
    `3. ${counts.ordinary} ordinary requests; meanwhile ${DISTILLER} sent only ${traffic.lowVolume.length} ` +
      `(self-instruct generation, an annotation batch, LLM-as-judge), split across both channels. ` +
      `Risk after that: ${lowVolume.map((o) => `${o.account} ${o.risk ?? 'not scored'}${o.verdict ? ` (${o.verdict}${o.detectedAfter ? `, from request #${o.detectedAfter}` : ''})` : ''}`).join(', ')}.`,
  );

  // Phase 2: the pipeline at full volume, the rest of the ordinary traffic alongside.
  const watch = async () => {
    for (const account of [DISTILLER, DISTILLER_VIA_PARTNER]) {
      const o = await outcome(client, account);
      if (o.verdict && o.verdict !== 'ok' && !firstFlagged.has(account))
        firstFlagged.set(account, sent.get(account) ?? 0);
      if (o.status === 'suspended' && !firstSuspended.has(account))
        firstSuspended.set(account, sent.get(account) ?? 0);
    }
  };
  let ordinaryNext = half;
  for (let i = 0; i < traffic.fullVolume.length; i++) {
    const request = traffic.fullVolume[i];
    const account = request.channel === 'partner' ? DISTILLER_VIA_PARTNER : DISTILLER;
    if (firstSuspended.has(DISTILLER) && firstSuspended.has(DISTILLER_VIA_PARTNER)) break;
    if (firstSuspended.has(account)) continue;
    const batch: Promise<unknown>[] = [sendDistiller(request)];
    if (ordinaryNext < traffic.ordinary.length) batch.push(sendOrdinary(ordinaryNext++));
    await Promise.all(batch);
    if (i % 5 === 4) await watch();
  }
  await inParallel(
    Array.from({ length: traffic.ordinary.length - ordinaryNext }, (_, k) => ordinaryNext + k),
    4,
    (i) => sendOrdinary(i),
  );
  // Give the detection consumer time to finish the backlog and the policy time to act.
  for (let waited = 0; waited < 20_000; waited += 500) {
    await watch();
    if (firstSuspended.has(DISTILLER) && firstSuspended.has(DISTILLER_VIA_PARTNER)) break;
    await sleep(500);
  }
  const distiller = [await outcome(client, DISTILLER), await outcome(client, DISTILLER_VIA_PARTNER)];
  for (const o of distiller) {
    o.flaggedAfter = firstFlagged.get(o.account) ?? null;
    o.suspendedAfter = firstSuspended.get(o.account) ?? null;
  }
  const ordinary = await Promise.all(ORDINARY_CUSTOMERS.map((c) => outcome(client, c.name)));
  const describe = (o: DemoAccountOutcome) =>
    `${o.account} (${sent.get(o.account) ?? 0} requests): risk ${o.risk ?? '—'}` +
    (o.detectedAfter ? `, flagged from its request #${o.detectedAfter}` : '') +
    `, ${o.status === 'suspended' ? 'suspended pending investigation' : o.status}` +
    (o.suspendedAfter ? ` after ${o.suspendedAfter} requests` : '') +
    (o.case ? ` (case ${o.case})` : '');
  say(
    `4. ${DISTILLER} then scaled its pipeline up. ${distiller.map(describe).join('; ')}. ` +
      `Ordinary customers: ${ordinary.map((o) => `${o.account} ${o.risk ?? '—'} (${o.status})`).join(', ')}.`,
  );

  // The distiller's next request, once the suspension has reached the gateway (within a second: the
  // gateway follows the database's state-change feed; probing earlier would serve it more outputs).
  await sleep(1000);
  const next = await client.chat(
    keys.get(DISTILLER)!,
    traffic.fullVolume[0].body,
    CLIENT_ADDRESSES[DISTILLER],
  );
  if (next.status !== 200) {
    counts.refused++;
    refusal = {
      status: next.status,
      code: next.error?.code ?? null,
      caseId: next.error?.case_id ?? null,
      message: next.error?.message ?? '',
    };
    say(`5. Its next request is refused: HTTP ${next.status} ${refusal.code} — "${refusal.message}"`);
  } else {
    say(`5. Its next request was still served (HTTP ${next.status}): ${DISTILLER} was not suspended.`);
  }

  // The reseller is told about its end customer.
  for (let waited = 0; waited < 10_000 && receiver.received.length === 0; waited += 250) await sleep(250);
  const webhooks = receiver.received.map((w) => {
    const account = (w.body.account ?? w.body.data ?? null) as Record<string, unknown> | string | null;
    const name =
      typeof account === 'string'
        ? account
        : ((account?.external_id ?? account?.name ?? w.body.external_id ?? null) as string | null);
    return { type: w.type, account: name, signatureValid: w.signatureValid };
  });
  say(
    webhooks.length > 0
      ? `6. ${PARTNER} was notified: ${webhooks.map((w) => `${w.type}${w.account ? ` (${w.account})` : ''}, signature ${w.signatureValid ? 'valid' : 'INVALID'}`).join('; ')}.`
      : `6. ${PARTNER} received no webhook.`,
  );

  // The distiller's "clean" dataset, traced back.
  const human = traffic.ordinary
    .filter((r) => r.use === 'writing')
    .slice(0, 10)
    .map((r) => r.body.messages[0].content);
  const records = desensitize(harvested, { human });
  const jsonl = records.map((r) => JSON.stringify(r)).join('\n');
  let trace: DemoResult['trace'] = null;
  try {
    await sleep(1000);
    const job = await client.upload<{ id: string }>(
      `/provenance/traces?name=${DISTILLER}-dataset.jsonl`,
      jsonl,
    );
    let view: {
      status: string;
      error: string | null;
      summary: { matched: number; accounts: { account: string; documents: number }[] } | null;
      results?: { id: string; match: boolean | null; account: string | null }[];
    };
    for (;;) {
      view = await client.admin('GET', `/provenance/traces/${job.id}`);
      if (view.status === 'done' || view.status === 'failed') break;
      await sleep(300);
    }
    if (view.status === 'failed') throw new Error(view.error ?? 'trace failed');
    const results = view.results ?? [];
    trace = {
      harvested: harvested.length,
      records: records.length,
      human: human.length,
      matched: view.summary?.matched ?? 0,
      matchedHarvested: results.filter((r) => r.match && r.id.startsWith('sample-')).length,
      falseMatches: results.filter((r) => r.match && r.id.startsWith('human-')).length,
      accounts: view.summary?.accounts.map((a) => ({ account: a.account, documents: a.documents })) ?? [],
    };
    say(
      `7. A "desensitized" copy of what it harvested (${harvested.length} outputs: names scrubbed, reworded, ` +
        `re-wrapped, truncated, as Alpaca records, mixed with ${human.length} human texts) was traced: ` +
        `${trace.matchedHarvested} of ${harvested.length} attributed — ` +
        `${trace.accounts.map((a) => `${a.account}: ${a.documents}`).join(', ') || 'none'}; ` +
        `${trace.falseMatches} of the human texts matched.`,
    );
  } catch (error) {
    say(`7. Tracing the harvested dataset failed: ${(error as Error).message}`);
  }

  // The audit log.
  let audit: DemoResult['audit'] = null;
  try {
    const { head } = await client.admin<{ head: { tree_size: number } }>('GET', '/audit/head');
    let verified: boolean | null = null;
    try {
      verified = (await client.admin<{ ok: boolean }>('POST', '/audit/verify')).ok;
    } catch {
      verified = null;
    }
    audit = { entries: head.tree_size, verified };
    say(
      `8. Every action is in the tamper-evident audit log: ${head.tree_size} entries` +
        (verified === null ? '.' : verified ? ', verified.' : ', VERIFICATION FAILED.'),
    );
  } catch {
    say('8. (The audit log routes are not available in this build.)');
  }

  const suspended = distiller.some((o) => o.account === DISTILLER && o.status === 'suspended');
  const traced = (trace?.accounts ?? []).some(
    (a) => a.account === DISTILLER || a.account === DISTILLER_VIA_PARTNER,
  );
  say('');
  say(
    `In short: ${DISTILLER} was ${suspended ? 'suspended pending investigation' : 'NOT suspended'} and ` +
      `${traced ? 'traced from its desensitized dataset' : 'NOT traced'}; scripted part took ${elapsed()}.`,
  );
  say(`Dashboard: ${node.url}/dashboard/  — sign in with the admin token ${client.adminToken}`);
  return {
    url: node.url,
    dashboard: `${node.url}/dashboard/`,
    adminToken: client.adminToken,
    database: dbUrl,
    seconds: 0,
    requests: counts,
    lowVolume,
    distiller,
    ordinary,
    refusal,
    webhooks,
    trace,
    audit,
    suspended,
    traced,
  };
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('Run Warden on a temporary database and replay a distillation story (then keep serving)')
    .option('--port <port>', 'port to serve on (default: any free port)')
    .option('--exit', 'stop after the scripted part instead of serving until Ctrl-C')
    .option('--json', 'print the outcome as JSON instead of the narrative')
    .action(async (options: DemoOptions) => {
      const running = await demo(options);
      if (options.json) process.stdout.write(`${JSON.stringify(running.result, null, 2)}\n`);
      if (options.exit) {
        await running.close();
        return;
      }
      process.stdout.write('\nServing until Ctrl-C.\n');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await running.close();
    });
}
