// End to end, over HTTP against the real `warden serve` on SQLite with the demo upstream: the official
// openai client works unchanged (streaming included), every request leaves one durable usage event,
// bad input gets OpenAI-shaped errors and writes nothing, and a CLI suspension reaches the running
// server within a second.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { type RunningServer, runCli, runCliJson, startServer } from '../helpers/server.js';

let server: RunningServer;
let db: string;
let client: OpenAI;

async function eventCount(): Promise<number> {
  const store = await openStore(db, { migrate: false });
  try {
    const row = await store.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  } finally {
    await store.close();
  }
}

/**
 * POSTs with node:http rather than fetch: when the server refuses a body early (413) and closes the
 * connection while the upload is still going, node:http still delivers the response it got; fetch
 * reports only the broken upload.
 */
function post(
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  headers: { get(name: string): string | null };
  json: { error: Record<string, unknown> };
}> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = httpRequest(
      `${server.url}${path}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${server.apiKey}`, ...headers },
      },
      (response) => {
        answered = true;
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () => {
          const raw = response.headers;
          resolve({
            status: response.statusCode ?? 0,
            headers: { get: (name) => (raw[name.toLowerCase()] as string | undefined) ?? null },
            json: JSON.parse(text),
          });
        });
      },
    );
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    request.end(body);
  });
}

/**
 * Declares a body of `bytes` but sends only its first chunk, then reads the answer: the server must
 * refuse on the declared length alone (413), and the client never races the server's close.
 */
function postOversized(
  path: string,
  bytes: number,
): Promise<{ status: number; json: { error: Record<string, unknown> } }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${server.url}${path}`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': bytes,
          authorization: `Bearer ${server.apiKey}`,
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () => {
          request.destroy();
          resolve({ status: response.statusCode ?? 0, json: JSON.parse(text) });
        });
      },
    );
    request.on('error', () => {});
    request.on('close', () => reject(new Error('closed without an answer')));
    request.write(`{"model":"demo","messages":[{"role":"user","content":"${'x'.repeat(65_536)}`);
  });
}

beforeAll(async () => {
  db = `sqlite:${join(mkdtempSync(join(tmpdir(), 'warden-e2e-')), 'warden.db')}`;
  server = await startServer({ db });
  client = new OpenAI({ apiKey: server.apiKey ?? '', baseURL: `${server.url}/v1` });
});
afterAll(async () => {
  await server?.stop();
});

describe('gateway, end to end', () => {
  it('prints an admin token and a demo key on first start', () => {
    expect(server.adminToken).toMatch(/^wdn-admin-/);
    expect(server.apiKey).toMatch(/^sk-wdn-/);
  });

  it('serves a chat completion to the official openai client, and records its event before answering', async () => {
    const before = await eventCount();
    const completion = await client.chat.completions.create({
      model: 'demo',
      messages: [{ role: 'user', content: 'Tell me about the weather in Hertfordshire.' }],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0].message.content?.length).toBeGreaterThan(20);
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
    expect(await eventCount()).toBe(before + 1);
  });

  it('streams chunk by chunk with usage, and the event carries the whole output', async () => {
    const stream = await client.chat.completions.create({
      model: 'demo',
      messages: [{ role: 'user', content: 'Write about a ball at Netherfield.' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let chunks = 0;
    let usage: number | undefined;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage.total_tokens;
    }
    expect(chunks).toBeGreaterThan(3);
    expect(text.length).toBeGreaterThan(20);
    expect(usage).toBeGreaterThan(0);
    const store = await openStore(db, { migrate: false });
    const last = await store.db
      .selectFrom('events')
      .selectAll()
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    await store.close();
    expect(last.stream).toBe(1);
    expect(last.output).toBe(text);
    expect(last.total_tokens).toBe(usage);
  });

  it('serves completions, embeddings and the model list', async () => {
    const completion = await client.completions.create({
      model: 'demo',
      prompt: 'Once upon a time',
      max_tokens: 20,
    });
    expect(completion.choices[0].text.length).toBeGreaterThan(0);
    const embedding = await client.embeddings.create({ model: 'demo', input: 'hello world' });
    expect(embedding.data[0].embedding.length).toBeGreaterThan(10);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain('demo');
  });

  it('refuses bad input with OpenAI-shaped errors and writes nothing', async () => {
    const before = await eventCount();
    const cases: [Promise<{ status: number; json: { error: Record<string, unknown> } }>, number, string][] = [
      [post('/v1/chat/completions', '{"model": "demo", "messages": ['), 400, 'invalid_json'],
      [
        post('/v1/chat/completions', JSON.stringify({ model: 'demo', messages: 'hi' })),
        400,
        'invalid_request',
      ],
      [
        post('/v1/chat/completions', JSON.stringify({ messages: [{ role: 'user', content: 'x' }] })),
        400,
        'invalid_request',
      ],
      [
        post(
          '/v1/chat/completions',
          JSON.stringify({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
        ),
        404,
        'model_not_found',
      ],
      [postOversized('/v1/chat/completions', 5_000_000), 413, 'request_too_large'],
      [
        post('/v1/chat/completions', '{}', { authorization: 'Bearer sk-wdn-not-a-key' }),
        401,
        'invalid_api_key',
      ],
      [post('/v1/chat/completions', '{}', { authorization: '' }), 401, 'missing_api_key'],
    ];
    for (const [promise, status, code] of cases) {
      const response = await promise;
      expect(response.status, code).toBe(status);
      expect(response.json.error).toMatchObject({
        code,
        type: expect.any(String),
        message: expect.any(String),
      });
      expect(response.json.error).toHaveProperty('param');
    }
    expect(await eventCount()).toBe(before);
  });

  it('applies a per-account rate limit with Retry-After', async () => {
    const env = { WARDEN_DB: db };
    runCliJson(['accounts', 'create', 'limited', '--rpm', '2'], env);
    const { key } = runCliJson<{ key: string }>(['keys', 'create', '--account', 'limited'], env);
    const body = JSON.stringify({
      model: 'demo',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 5,
    });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 3; i++) {
      const response = await post('/v1/chat/completions', body, { authorization: `Bearer ${key}` });
      statuses.push(response.status);
      if (response.status === 429) {
        retryAfter = response.headers.get('retry-after');
        expect(response.json.error.code).toBe('rate_limit_exceeded');
      }
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // Listing models spends the same budget: no route is free of the limit.
    const models = await fetch(`${server.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    expect(models.status).toBe(429);
    expect(models.headers.get('retry-after')).not.toBeNull();
  });

  it('enforces a suspension made by the CLI within a second, and metering counts usage', async () => {
    const env = { WARDEN_DB: db };
    runCliJson(['accounts', 'create', 'suspect'], env);
    const { key } = runCliJson<{ key: string }>(['keys', 'create', '--account', 'suspect'], env);
    const body = JSON.stringify({
      model: 'demo',
      messages: [{ role: 'user', content: 'hello' }],
      max_tokens: 5,
    });
    expect((await post('/v1/chat/completions', body, { authorization: `Bearer ${key}` })).status).toBe(200);
    const suspend = runCli(['accounts', 'suspend', 'suspect', '--reason', 'testing enforcement'], env);
    expect(suspend.code).toBe(0);
    const suspendedAt = Date.now();
    // Requests admitted before the suspension reaches the server are ordinary, metered requests.
    let served = 1;
    let response = await post('/v1/chat/completions', body, { authorization: `Bearer ${key}` });
    while (response.status === 200 && Date.now() - suspendedAt < 3000) {
      served++;
      await new Promise((r) => setTimeout(r, 50));
      response = await post('/v1/chat/completions', body, { authorization: `Bearer ${key}` });
    }
    expect(Date.now() - suspendedAt).toBeLessThan(1000);
    expect(response.status).toBe(403);
    expect(response.json.error.code).toBe('account_suspended');

    await new Promise((r) => setTimeout(r, 500));
    const shown = runCliJson<{
      status: string;
      usage: { requests: number; tokens: number; days: unknown[] };
    }>(['accounts', 'show', 'suspect'], env);
    expect(shown.status).toBe('suspended');
    expect(shown.usage.requests).toBe(served);
    expect(shown.usage.tokens).toBeGreaterThan(0);
    expect(shown.usage.days).toHaveLength(1);
  });

  it('replays a traffic file, provisioning direct and partner accounts, with attribution to the channel', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'warden-replay-')), 'traffic.jsonl');
    const chat = (content: string) => ({
      model: 'demo',
      messages: [{ role: 'user', content }],
      max_tokens: 8,
    });
    const lines = [
      { account: 'replay-direct', request: chat('first') },
      { account: 'replay-reseller-customer', channel: 'partner:resellco', request: chat('via partner') },
      'not json',
      { account: 'replay-direct', request: chat('second') },
    ];
    writeFileSync(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'));
    const result = runCliJson<{
      requests: number;
      skipped: number;
      accounts: { account: string; channel: string; statuses: Record<string, number> }[];
    }>(['replay', '--traffic', file, '--url', server.url, '--db', db]);
    expect(result.requests).toBe(3);
    expect(result.skipped).toBe(1);
    expect(result.accounts.map((a) => [a.account, a.channel, a.statuses])).toEqual([
      ['replay-direct', 'direct', { 200: 2 }],
      ['replay-reseller-customer', 'partner:resellco', { 200: 1 }],
    ]);
    const store = await openStore(db, { migrate: false });
    const partnerEvent = await store.db
      .selectFrom('events')
      .innerJoin('accounts', 'accounts.id', 'events.account_id')
      .select(['events.channel', 'events.end_customer'])
      .where('accounts.name', '=', 'replay-reseller-customer')
      .executeTakeFirstOrThrow();
    await store.close();
    expect(partnerEvent).toEqual({ channel: 'partner:resellco', end_customer: 'replay-reseller-customer' });
  });

  it('fingerprints served outputs, so a scrubbed copy is traced back to the account', async () => {
    const env = { WARDEN_DB: db };
    runCliJson(['accounts', 'create', 'harvester'], env);
    const { key } = runCliJson<{ key: string }>(['keys', 'create', '--account', 'harvester'], env);
    const harvested: string[] = [];
    for (const topic of ['the militia officers at Meryton', 'an entailed estate in Hertfordshire']) {
      const response = await fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({
          model: 'demo',
          messages: [{ role: 'user', content: `Write about ${topic}.` }],
          max_tokens: 150,
        }),
      });
      const body = (await response.json()) as { choices: { message: { content: string } }[] };
      harvested.push(body.choices[0].message.content);
    }
    // Desensitized: reformatted as a bulleted, upper-cased record, and cut short.
    const dir = mkdtempSync(join(tmpdir(), 'warden-trace-'));
    const dataset = join(dir, 'dataset.jsonl');
    writeFileSync(
      dataset,
      [
        JSON.stringify({
          id: 'ours',
          text: `- ${harvested[0].toUpperCase().split(' ').slice(0, 110).join(' ')}`,
        }),
        JSON.stringify({
          id: 'human',
          text: 'The committee met on Tuesday to discuss the budget for the new library wing, and after a long debate about parking, lighting and the cost of shelving, agreed to ask the council for a further grant before the end of the financial year. '.repeat(
            2,
          ),
        }),
      ].join('\n'),
    );
    let lines: { id: string; match: boolean | null; account: string | null }[] = [];
    for (let attempt = 0; attempt < 20; attempt++) {
      const result = runCli(['trace', dataset, '--json', '--db', db]);
      lines = result.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      if (lines.find((l) => l.id === 'ours')?.match) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(lines.find((l) => l.id === 'ours')).toMatchObject({ match: true, account: 'harvester' });
    expect(lines.find((l) => l.id === 'human')).toMatchObject({ match: false, account: null });
  });
});
