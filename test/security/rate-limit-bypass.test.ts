// Rate limits cannot be bypassed: limits are per account, so the sum over every route, header spelling,
// forwarded address, key and channel (direct, partner with X-Warden-End-Customer, streaming) must stay
// within the account's limit. Run with the in-memory limiter and with the Redis one (the shared server
// is only used, never restarted).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createApiKey } from '../../src/accounts/index.js';
import { createMemoryRateLimiter } from '../../src/ratelimit/memory/index.js';
import { createRedisRateLimiter } from '../../src/ratelimit/redis/index.js';
import { REDIS_URL } from '../helpers/databases.js';
import { type InProcessGateway, startInProcessGateway } from './in-process-gateway.js';

const RPM = 12;

interface Channel {
  name: string;
  url: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

function channels(keys: string[], partnerKey: string | null, endCustomer: string | null): Channel[] {
  const chat = { model: 'demo', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 };
  const list: Channel[] = [];
  for (const key of keys) {
    list.push(
      { name: 'chat', url: '/v1/chat/completions', headers: { authorization: `Bearer ${key}` }, body: chat },
      {
        name: 'chat stream',
        url: '/v1/chat/completions',
        headers: { authorization: `Bearer ${key}` },
        body: { ...chat, stream: true },
      },
      {
        name: 'completions',
        url: '/v1/completions',
        headers: { authorization: `Bearer ${key}` },
        body: { model: 'demo', prompt: 'hi', max_tokens: 4 },
      },
      {
        name: 'completions stream',
        url: '/v1/completions',
        headers: { authorization: `Bearer ${key}` },
        body: { model: 'demo', prompt: 'hi', max_tokens: 4, stream: true },
      },
      {
        name: 'embeddings',
        url: '/v1/embeddings',
        headers: { authorization: `Bearer ${key}` },
        body: { model: 'demo', input: 'hi' },
      },
      {
        name: 'header case',
        url: '/v1/chat/completions',
        headers: { AUTHORIZATION: `bearer ${key}` },
        body: chat,
      },
      {
        name: 'forwarded-for',
        url: '/v1/chat/completions',
        headers: {
          authorization: `Bearer ${key}`,
          'x-forwarded-for': `10.0.0.${Math.floor(Math.random() * 250)}`,
          'x-real-ip': '10.9.9.9',
        },
        body: chat,
      },
      {
        name: 'query and trailing slash',
        url: '/v1/chat/completions?x=1',
        headers: { authorization: `Bearer ${key}` },
        body: chat,
      },
    );
  }
  if (partnerKey && endCustomer) {
    list.push(
      {
        name: 'partner',
        url: '/v1/chat/completions',
        headers: { authorization: `Bearer ${partnerKey}`, 'x-warden-end-customer': endCustomer },
        body: chat,
      },
      {
        name: 'partner header case',
        url: '/v1/completions',
        headers: { authorization: `Bearer ${partnerKey}`, 'X-WARDEN-END-CUSTOMER': endCustomer },
        body: { model: 'demo', prompt: 'hi', max_tokens: 4, stream: true },
      },
      {
        name: 'partner embeddings',
        url: '/v1/embeddings',
        headers: { authorization: `Bearer ${partnerKey}`, 'x-warden-end-customer': endCustomer },
        body: { model: 'demo', input: 'hi' },
      },
    );
  }
  return list;
}

for (const backend of ['memory', 'redis'] as const) {
  describe(`rate limits hold across every route and channel (${backend})`, () => {
    let gw: InProcessGateway;
    beforeAll(async () => {
      gw = await startInProcessGateway({
        limits: { rpm: RPM, tpm: 1_000_000 },
        limiter:
          backend === 'redis'
            ? createRedisRateLimiter({ url: REDIS_URL, onStoreFailure: 'closed' })
            : createMemoryRateLimiter(),
      });
    });
    afterAll(async () => {
      await gw?.close();
    });

    async function spray(
      list: Channel[],
      rounds: number,
    ): Promise<{ ok: number; limited: number; other: string[] }> {
      const result = { ok: 0, limited: 0, other: [] as string[] };
      for (let round = 0; round < rounds; round++) {
        for (const channel of list) {
          const response = await gw.app.inject({
            method: 'POST',
            url: channel.url,
            headers: { 'content-type': 'application/json', ...channel.headers },
            payload: JSON.stringify(channel.body),
          });
          if (response.statusCode === 200) result.ok++;
          else if (response.statusCode === 429) {
            result.limited++;
            expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
            expect(response.json().error.code).toBe('rate_limit_exceeded');
          } else result.other.push(`${channel.name}: ${response.statusCode} ${response.body.slice(0, 120)}`);
        }
      }
      return result;
    }

    it(`a direct account with two keys gets ${RPM} requests a minute in total, whatever the route or header`, async () => {
      const second = (await createApiKey(gw.store, { account: 'alice' })).key;
      const result = await spray(channels([gw.key, second], null, null), 3);
      expect(result.other).toEqual([]);
      expect(result.ok).toBe(RPM);
      expect(result.limited).toBe(16 * 3 - RPM);
    });

    it(`a partner's end customer gets ${RPM} in total over the partner channel and its own key`, async () => {
      const own = (await createApiKey(gw.store, { account: 'bob' })).key;
      const result = await spray(channels([own], gw.partnerKey, gw.endCustomer), 3);
      expect(result.other).toEqual([]);
      expect(result.ok).toBe(RPM);
    });

    it('token limits also count streams that report no usage', async () => {
      await createAccount(gw.store, { name: `tokens-${backend}`, limits: { tpm: 400 } });
      const key = (await createApiKey(gw.store, { account: `tokens-${backend}` })).key;
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        const response = await gw.app.inject({
          method: 'POST',
          url: i % 2 === 0 ? '/v1/chat/completions' : '/v1/completions',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          payload: JSON.stringify(
            i % 2 === 0
              ? {
                  model: 'demo',
                  messages: [{ role: 'user', content: 'tell me a story' }],
                  max_tokens: 100,
                  stream: true,
                }
              : { model: 'demo', prompt: 'tell me a story', max_tokens: 100, stream: true },
          ),
        });
        statuses.push(response.statusCode);
        // Charges are applied just after the response; let this one land before the next admission.
        await new Promise((r) => setTimeout(r, 10));
      }
      // ~100 tokens each against 400 a minute: a handful are served, then 429 — before the fix all 12 passed.
      expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(5);
      expect(statuses.slice(-3)).toEqual([429, 429, 429]);
    });
  });
}
