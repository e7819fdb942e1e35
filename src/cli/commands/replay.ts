// `warden replay --traffic FILE --url URL`: sends a traffic file (DESIGN.md "Traffic file") through a
// running Warden as real API traffic. Accounts, partners, end customers and keys that the file names
// are created in the database first (`--db`), so a recorded or synthetic workload can be replayed onto a
// fresh deployment: the gateway, the detectors, enforcement and the registry see it as live traffic.
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { createAccount, createApiKey, createPartner, getAccount, getPartner } from '../../accounts/index.js';
import { parseTrafficLine, type TrafficRecord } from '../../events/traffic-record.js';
import { openStore, resolveDbUrl } from '../../store/open-store.js';
import type { Store } from '../../store/store.js';
import { usageError } from '../exit-error.js';
import { formatTable, printResult } from '../output.js';

export interface ReplayOptions {
  traffic: string;
  url: string;
  db?: string;
  /** Replay at the file's pace divided by this factor; absent: as fast as the concurrency allows. */
  speed?: number;
  /** Accounts replayed at once (each account's requests stay in order). */
  concurrency?: number;
  warn?: (message: string) => void;
}

export interface ReplayAccountResult {
  account: string;
  channel: string;
  sent: number;
  statuses: Record<string, number>;
  /** 1-based index of the account's first refused request (403), or null. */
  first_refused: number | null;
  /** The case id named by the first refusal, if any. */
  case_id: string | null;
}

export interface ReplayResult {
  requests: number;
  skipped: number;
  seconds: number;
  accounts: ReplayAccountResult[];
}

interface Credentials {
  key: string;
  endCustomer: string | null;
}

const ENDPOINTS = new Set(['/v1/chat/completions', '/v1/completions', '/v1/embeddings']);

async function readTraffic(
  path: string,
  warn: (m: string) => void,
): Promise<{ records: TrafficRecord[]; skipped: number }> {
  const records: TrafficRecord[] = [];
  let skipped = 0;
  let lineNo = 0;
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    const parsed = parseTrafficLine(line);
    if (typeof parsed === 'string') {
      warn(`${path}:${lineNo}: ${parsed} (skipped)`);
      skipped++;
      continue;
    }
    if (parsed.endpoint && !ENDPOINTS.has(parsed.endpoint)) {
      warn(`${path}:${lineNo}: endpoint ${parsed.endpoint} cannot be replayed (skipped)`);
      skipped++;
      continue;
    }
    records.push(parsed);
  }
  return { records, skipped };
}

/** Makes sure the account (and its partner) exist, and issues a key to replay with. */
async function credentialsFor(store: Store, account: string, channel: string): Promise<Credentials> {
  if (channel.startsWith('partner:')) {
    const partnerName = channel.slice('partner:'.length);
    if (!(await getPartner(store, partnerName))) await createPartner(store, { name: partnerName });
    if (!(await getAccount(store, account)))
      await createAccount(store, { name: account, partner: partnerName, externalId: account });
    const { key } = await createApiKey(store, { partner: partnerName, name: 'replay' });
    const customer = await getAccount(store, account);
    return { key, endCustomer: customer?.externalId ?? account };
  }
  if (!(await getAccount(store, account))) await createAccount(store, { name: account });
  const { key } = await createApiKey(store, { account, name: 'replay' });
  return { key, endCustomer: null };
}

export async function replay(options: ReplayOptions): Promise<ReplayResult> {
  const warn = options.warn ?? ((m: string) => process.stderr.write(`warden replay: ${m}\n`));
  if (!existsSync(options.traffic)) throw usageError(`${options.traffic}: no such traffic file`);
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw usageError(`--url "${options.url}" is not a URL`);
  }
  if (options.speed !== undefined && !(options.speed > 0))
    throw usageError('--speed must be a positive number');
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw usageError('--concurrency must be a positive integer');

  const { records, skipped } = await readTraffic(options.traffic, warn);
  const byAccount = new Map<string, TrafficRecord[]>();
  for (const record of records) {
    const key = `${record.channel ?? 'direct'}\u0000${record.account}`;
    const list = byAccount.get(key) ?? [];
    list.push(record);
    byAccount.set(key, list);
  }

  const store = await openStore(resolveDbUrl(options.db));
  const credentials = new Map<string, Credentials>();
  try {
    for (const [key, list] of byAccount)
      credentials.set(key, await credentialsFor(store, list[0].account, list[0].channel ?? 'direct'));
  } finally {
    await store.close();
  }

  const started = Date.now();
  const firstTs = Math.min(...records.map((r) => (r.ts ? Date.parse(r.ts) : Number.POSITIVE_INFINITY)));
  const results: ReplayAccountResult[] = [];
  const queue = [...byAccount.entries()];

  async function replayAccount([key, list]: [string, TrafficRecord[]]): Promise<void> {
    const creds = credentials.get(key) as Credentials;
    const result: ReplayAccountResult = {
      account: list[0].account,
      channel: list[0].channel ?? 'direct',
      sent: 0,
      statuses: {},
      first_refused: null,
      case_id: null,
    };
    for (const record of list) {
      if (options.speed && record.ts && Number.isFinite(firstTs)) {
        const due = started + (Date.parse(record.ts) - firstTs) / options.speed;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        authorization: `Bearer ${creds.key}`,
      };
      if (creds.endCustomer) headers['x-warden-end-customer'] = creds.endCustomer;
      const response = await fetch(new URL(record.endpoint ?? '/v1/chat/completions', base), {
        method: 'POST',
        headers,
        body: JSON.stringify({ ...record.request, stream: false }),
      });
      const body = await response.text();
      result.sent++;
      result.statuses[response.status] = (result.statuses[response.status] ?? 0) + 1;
      if (response.status === 403 && result.first_refused === null) {
        result.first_refused = result.sent;
        try {
          result.case_id = (JSON.parse(body) as { error?: { case_id?: string } }).error?.case_id ?? null;
        } catch {
          result.case_id = null;
        }
      }
    }
    results.push(result);
  }

  const workers = Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
    for (let next = queue.shift(); next; next = queue.shift()) await replayAccount(next);
  });
  await Promise.all(workers);
  results.sort((a, b) => a.account.localeCompare(b.account));
  return { requests: records.length, skipped, seconds: (Date.now() - started) / 1000, accounts: results };
}

export function register(program: Command): void {
  program
    .command('replay')
    .description('send a traffic file through a running Warden (creating its accounts and keys)')
    .requiredOption('--traffic <file>', 'traffic file, one JSON request record per line')
    .requiredOption('--url <url>', "the running Warden's base URL, e.g. http://127.0.0.1:8787")
    .option('--db <url>', "Warden's database, where the accounts and keys are created")
    .option(
      '--speed <factor>',
      "replay at the file's pace times this factor (default: as fast as possible)",
      Number,
    )
    .option('--concurrency <n>', 'accounts replayed at once', (v) => Number.parseInt(v, 10))
    .option('--json', 'print JSON')
    .action(async (options: ReplayOptions & { json?: boolean }) => {
      const result = await replay(options);
      printResult(result, options, (r) =>
        [
          `replayed ${r.requests} requests in ${r.seconds.toFixed(1)} s (${r.skipped} lines skipped)`,
          formatTable(
            ['account', 'channel', 'sent', 'statuses', 'first refused', 'case'],
            r.accounts.map((a) => [
              a.account,
              a.channel,
              a.sent,
              Object.entries(a.statuses)
                .map(([s, n]) => `${s}×${n}`)
                .join(' '),
              a.first_refused,
              a.case_id,
            ]),
          ),
        ].join('\n'),
      );
    });
}
