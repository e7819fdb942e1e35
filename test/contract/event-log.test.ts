// Event-log contract on SQLite and PostgreSQL: appends are durable and ordered, duplicates are ignored,
// and a consumer folds every event exactly once into metering, resuming from its cursor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsumer } from '../../src/events/consumer.js';
import { meterEvents } from '../../src/events/metering.js';
import { openEventLog } from '../../src/events/open-event-log.js';
import { newId, type UsageEvent } from '../../src/events/usage-event.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase, type TestDatabase, testBackends } from '../helpers/databases.js';

function event(overrides: Partial<UsageEvent> = {}): UsageEvent {
  return {
    id: newId('evt'),
    ts: Date.parse('2026-11-20T10:00:00Z'),
    accountId: 'acct_a',
    keyId: 'key_a',
    channel: 'direct',
    endCustomer: null,
    model: 'demo',
    endpoint: '/v1/chat/completions',
    stream: false,
    status: 'ok',
    httpStatus: 200,
    errorCode: null,
    requestBody: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'hello there' }] }),
    output: 'General Kenobi',
    promptTokens: 3,
    completionTokens: 4,
    totalTokens: 7,
    latencyMs: 1.5,
    ttfbMs: 0.7,
    clientIp: '127.0.0.1',
    upstream: 'demo',
    ...overrides,
  };
}

describe.each(testBackends())('event log on %s', (backend) => {
  let database: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    store = await openStore(database.url);
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  it('reads back appended events in order, ignoring a duplicate id', async () => {
    const log = openEventLog(store);
    const events = Array.from({ length: 50 }, (_, i) => event({ output: `answer ${i}` }));
    await Promise.all(events.map((e) => log.append(e)));
    await log.append(events[0]);
    const read = await log.read(0, 1000);
    expect(read.map((e) => e.id).sort()).toEqual(events.map((e) => e.id).sort());
    const seqs = read.map((e) => e.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    const first = read.find((e) => e.id === events[0].id);
    expect(first).toMatchObject({ ...events[0], seq: first?.seq });
    expect((await log.read(seqs[9], 5)).map((e) => e.seq)).toEqual(seqs.slice(10, 15));
    await log.close();
  });

  it('meters every event once, across a consumer restart', async () => {
    const log = openEventLog(store);
    const before = await log.read(0, 10_000);
    const runConsumer = async () => {
      const consumer = startConsumer({
        store,
        log,
        name: 'metering-test',
        handle: async (e) => meterEvents(e),
        pollMs: 10,
      });
      await consumer.caughtUp();
      await consumer.stop();
    };
    await runConsumer();
    await log.append(event({ accountId: 'acct_b', totalTokens: null, output: 'one two three' }));
    await log.append(event({ accountId: 'acct_b', ts: Date.parse('2026-11-21T10:00:00Z'), totalTokens: 10 }));
    await runConsumer();
    await runConsumer();
    const rows = await store.db
      .selectFrom('usage_daily')
      .selectAll()
      .orderBy('account_id')
      .orderBy('date')
      .execute();
    expect(rows.find((r) => r.account_id === 'acct_a')).toMatchObject({
      requests: before.length,
      tokens: before.length * 7,
    });
    const b = rows.filter((r) => r.account_id === 'acct_b');
    expect(b.map((r) => [r.date, r.requests])).toEqual([
      ['2026-11-20', 1],
      ['2026-11-21', 1],
    ]);
    // Counted by the tokenizer: the prompt "hello there" and the output "one two three".
    expect(b[0].tokens).toBeGreaterThanOrEqual(4);
    expect(b[1].tokens).toBe(10);
    await log.close();
  });
});
