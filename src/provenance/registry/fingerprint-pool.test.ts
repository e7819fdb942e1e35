import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, testBackends } from '../../../test/helpers/databases.js';
import { DeploymentSecret } from '../../config/deployment-secret.js';
import { openStore } from '../../store/open-store.js';
import { KeyedHasher } from '../fingerprint/index.js';
import type { ServedOutput } from '../types.js';
import { FingerprintPool, fingerprintOne, POOL_CHUNK, POOL_MIN_BATCH } from './fingerprint-pool.js';
import { openRegistry } from './registry.js';

// Generated answers: each a different ~60-word text over a small vocabulary.
const VOCABULARY =
  'river stone bridge market harvest lantern orchard window shadow meadow copper signal winter garden ladder compass harbor thunder violet candle'.split(
    ' ',
  );
function answer(i: number): string {
  const words: string[] = [];
  let x = i * 7919 + 17;
  for (let w = 0; w < 60; w++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    words.push(VOCABULARY[x % VOCABULARY.length]);
  }
  return `${words.join(' ')} number ${i}.`;
}

const key = Buffer.alloc(32, 6);
const hasher = new KeyedHasher(key);

describe('FingerprintPool', () => {
  const pool = new FingerprintPool(hasher, key, 2);
  afterAll(() => pool.close());

  it('gives worker threads large batches and the same fingerprints as the calling thread', async () => {
    const inputs = Array.from({ length: POOL_MIN_BATCH + 50 }, (_, i) => ({
      text: answer(i),
      prompt: i % 3 === 0 ? answer(i + 1) : null,
    }));
    expect(pool.uses(inputs.length)).toBe(true);
    expect(pool.uses(POOL_MIN_BATCH - 1)).toBe(false);
    const [a, b] = await Promise.all([pool.fingerprint(inputs), pool.fingerprint(inputs.slice(0, 600))]);
    expect(a).toHaveLength(inputs.length);
    for (let i = 0; i < inputs.length; i++) {
      const inline = fingerprintOne(hasher, inputs[i]);
      expect(Array.from(a[i].keys)).toEqual(Array.from(inline.keys));
      expect(Array.from(a[i].positions)).toEqual(Array.from(inline.positions));
      if (i < 600) expect(Array.from(b[i].keys)).toEqual(Array.from(inline.keys));
    }
  });

  it('rejects a batch a worker cannot fingerprint, and works again afterwards', async () => {
    const bad = Array.from({ length: POOL_MIN_BATCH }, () => ({
      text: 42 as unknown as string,
      prompt: null,
    }));
    await expect(pool.fingerprint(bad)).rejects.toThrow(/fingerprint worker/);
    const good = Array.from({ length: POOL_MIN_BATCH }, (_, i) => ({ text: answer(i), prompt: null }));
    expect((await pool.fingerprint(good))[5].keys.length).toBeGreaterThan(0);
  });
});

describe.each(testBackends())('registry ingest with worker threads on %s', (backend) => {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    for (const database of databases) await database.drop();
  });

  async function registered(threads: number): Promise<{ ids: string[]; postings: number; segments: number }> {
    const database = await createTestDatabase(backend);
    databases.push(database);
    const store = await openStore(database.url);
    const registry = await openRegistry(store, new DeploymentSecret(Buffer.alloc(32, 2)), {
      retentionDays: 0,
      fingerprintThreads: threads,
    });
    const outputs: ServedOutput[] = Array.from({ length: 2 * POOL_CHUNK + 300 }, (_, i) => ({
      id: `o${i}`,
      accountId: `a${i % 3}`,
      keyId: null,
      channel: 'direct',
      endCustomer: null,
      ts: i,
      prompt: null,
      text: answer(i),
    }));
    await registry.ingest([...outputs, outputs[7]]); // a repeated id is stored once
    const [traced] = await registry.trace([{ id: 'd', text: answer(1234) }]);
    expect(traced.outputs).toEqual(['o1234']);
    expect(traced.account).toBe('a1');
    const rows = await store.db.selectFrom('provenance_outputs').select(['id', 'fingerprints']).execute();
    const segments = await store.db.selectFrom('provenance_segments').select(['postings']).execute();
    await registry.close();
    await store.close();
    return {
      ids: rows.map((r) => `${r.id}:${r.fingerprints}`).sort(),
      postings: segments.reduce((sum, s) => sum + Number(s.postings), 0),
      segments: segments.length,
    };
  }

  it('stores exactly what the calling thread alone stores, in one segment per chunk', async () => {
    const threaded = await registered(2);
    const inline = await registered(0);
    expect(threaded.ids).toHaveLength(2 * POOL_CHUNK + 300);
    expect(threaded.segments).toBe(3);
    expect(inline.segments).toBe(1);
    expect({ ...threaded, segments: 0 }).toEqual({ ...inline, segments: 0 });
  });
});
