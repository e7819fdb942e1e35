// Provenance registry contract, on every store backend: ingest is idempotent by id, trace finds a
// scrubbed and truncated served output and attributes it to its account, never-served text does not
// match, too-short documents are undecided, raw texts honour retention, canaries are sampled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeploymentSecret } from '../../src/config/deployment-secret.js';
import { listCanaries, openRegistry, type Registry, type ServedOutput } from '../../src/provenance/index.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase, type TestDatabase, testBackends } from '../helpers/databases.js';

const SECRET = new DeploymentSecret(Buffer.alloc(32, 9));
const T0 = 1_767_225_600_000;

const ANSWERS = [
  'To brew a good cup of pour-over coffee, start by heating water to just below boiling, about 93 degrees. Grind 15 grams of beans to a medium-fine texture, similar to table salt. Rinse the paper filter with hot water to remove any papery taste and warm the dripper. Add the grounds, then pour a small amount of water to let the coffee bloom for thirty seconds. Continue pouring slowly in circles until you reach 250 grams of water. The whole brew should take around three minutes. As an AI language model, I recommend experimenting with grind size to adjust the taste.',
  'Photosynthesis is the process by which green plants, algae and some bacteria turn light energy into chemical energy. Inside the chloroplasts, chlorophyll absorbs mostly red and blue light. The light-dependent reactions split water molecules, releasing oxygen and producing ATP and NADPH. In the Calvin cycle, the plant then uses that ATP and NADPH to fix carbon dioxide from the air into sugars. These sugars feed the plant and, through food chains, nearly every other living thing on the planet. Contact Dr. Jane Smith at jane.smith@example.org for the lab handout.',
  'A binary search finds an item in a sorted list by repeatedly halving the range it looks in. You compare the target with the middle element; if they are equal you are done, if the target is smaller you continue in the left half, and otherwise in the right half. Because the range halves every step, the search needs at most about log2 of n comparisons, which makes it far faster than scanning every element of a long list. The list must be sorted first, or the method gives wrong answers.',
];

const HUMAN =
  'The village fair opened on a grey Saturday morning, and by noon the square was crowded with stalls selling honey, wool and second-hand books. Children queued for the carousel while the brass band played the same three marches it had played for forty years. Nobody minded the drizzle; the baker sold out of apple cake before two o’clock, and the mayor gave a short speech that most people did not hear.';

function output(i: number, account: string, id = `out-${account}-${i}`): ServedOutput {
  return {
    id,
    accountId: account,
    keyId: `key-${account}`,
    channel: 'direct',
    endCustomer: null,
    ts: T0 + i,
    prompt: `Question ${i}: please explain this topic to me in detail.`,
    text: ANSWERS[i],
  };
}

describe.each(testBackends())('provenance registry on %s', (backend) => {
  let database: TestDatabase;
  let store: Store;
  let registry: Registry;
  let now = T0;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    store = await openStore(database.url);
    await store.db
      .insertInto('accounts')
      .values([
        { id: 'acct_a', name: 'acme', status: 'active', created_at: T0, updated_at: T0 },
        { id: 'acct_g', name: 'globex', status: 'active', created_at: T0, updated_at: T0 },
      ] as never)
      .execute();
    registry = await openRegistry(store, SECRET, {
      retentionDays: 30,
      canaryRate: 0,
      canariesPerAccount: 1,
      now: () => now,
    });
    await registry.ingest([output(0, 'acct_a'), output(1, 'acct_g'), output(2, 'acct_a')]);
  });
  afterAll(async () => {
    await registry.close();
    await store.close();
    await database.drop();
  });

  it('is idempotent by output id', async () => {
    await registry.ingest([output(0, 'acct_a'), output(1, 'acct_g')]);
    const count = await store.db
      .selectFrom('provenance_outputs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(3);
    const [result] = await registry.trace([{ id: 'd', text: ANSWERS[1] }]);
    expect(result.outputs).toEqual(['out-acct_g-1']);
  });

  it('finds a brand-scrubbed, PII-scrubbed, reformatted and truncated output and attributes it', async () => {
    const scrubbed = ANSWERS[0]
      .replace('As an AI language model, I recommend', 'I recommend')
      .replace(/\d+/g, '[NUM]')
      .toUpperCase()
      .slice(0, Math.floor(ANSWERS[0].length * 0.6));
    const pii = ANSWERS[1].replace('Dr. Jane Smith', '[NAME]').replace('jane.smith@example.org', '[EMAIL]');
    const [a, g] = await registry.trace([
      { id: 'scrubbed', text: scrubbed },
      { id: 'pii', text: `Some notes I found online.\n\n${pii}` },
    ]);
    expect(a).toMatchObject({ id: 'scrubbed', match: true, account: 'acme', outputs: ['out-acct_a-0'] });
    expect(a.score).toBeGreaterThan(0.5);
    expect(a.fpr).toBeLessThanOrEqual(0.001);
    expect(a.coverage).toBeGreaterThan(0.5);
    expect(g).toMatchObject({ match: true, account: 'globex', accounts: ['globex'] });
  });

  it('does not match never-served text, and leaves too-short documents undecided', async () => {
    const [human, short, empty] = await registry.trace([
      { id: 'human', text: HUMAN },
      { id: 'short', text: 'Photosynthesis turns light into sugar.' },
      { id: 'empty', text: '' },
    ]);
    expect(human).toMatchObject({ match: false, account: null, outputs: [] });
    expect(short.match).toBeNull();
    expect(empty.match).toBeNull();
  });

  it('sees outputs another registry instance ingested after it loaded its index', async () => {
    const other = await openRegistry(store, SECRET, { canaryRate: 0, canariesPerAccount: 1, now: () => now });
    const extra = { ...output(2, 'acct_g', 'out-extra'), text: `${HUMAN} ${HUMAN.toUpperCase()}` };
    await other.ingest([extra]);
    await other.close();
    const [result] = await registry.trace([{ id: 'x', text: HUMAN }]);
    expect(result).toMatchObject({ match: true, account: 'globex', outputs: ['out-extra'] });
  });

  it('compacts small segments, and a loaded index follows without losing or doubling outputs', async () => {
    const [before] = await registry.trace([{ id: 'old', text: ANSWERS[1] }]);
    const writer = await openRegistry(store, SECRET, {
      canaryRate: 0,
      canariesPerAccount: 0,
      now: () => now,
    });
    for (let i = 0; i < 40; i++) {
      await writer.ingest([
        {
          ...output(1, 'acct_g', `small-${i}`),
          text: `${ANSWERS[2]} Variant number ${'x'.repeat(i + 1)} ends here now.`,
        },
      ]);
    }
    await writer.close();
    const segments = await store.db.selectFrom('provenance_segments').select('id').execute();
    expect(segments.length).toBeLessThan(40);
    const [old, recent] = await registry.trace([
      { id: 'old', text: ANSWERS[1] },
      { id: 'recent', text: `${ANSWERS[2]} Variant number ${'x'.repeat(40)} ends here now.` },
    ]);
    expect(old.outputs).toEqual(['out-acct_g-1']);
    expect(old.matches[0].sharedFingerprints).toBe(before.matches[0].sharedFingerprints);
    expect(old.score).toBe(before.score);
    expect(recent.outputs).toContain('small-39');
    // a second compaction round, then a fresh registry sees exactly the same
    const fresh = await openRegistry(store, SECRET);
    const [again] = await fresh.trace([{ id: 'old', text: ANSWERS[1] }]);
    await fresh.close();
    expect(again.matches[0].sharedFingerprints).toBe(before.matches[0].sharedFingerprints);
  });

  it('keeps the first outputs of each account as canaries', async () => {
    const canaries = await listCanaries(store);
    expect(canaries.map((c) => c.id).sort()).toEqual(['out-acct_a-0', 'out-acct_g-1']);
    expect(canaries[0].prompt).toMatch(/^Question/);
    expect(await listCanaries(store, { account: 'globex' })).toHaveLength(1);
  });

  it('drops raw texts past the retention horizon but keeps the fingerprints', async () => {
    now = T0 + 31 * 86_400_000;
    await registry.ingest([{ ...output(2, 'acct_a', 'out-late'), text: `${ANSWERS[2]} Late.` }]);
    const texts = await store.db.selectFrom('provenance_texts').select('ordinal').execute();
    expect(texts).toHaveLength(1);
    const [result] = await registry.trace([{ id: 'd', text: ANSWERS[0] }], { detail: true });
    expect(result.match).toBe(true);
    expect(result.matches[0].servedText).toBeUndefined();
    expect(result.matches[0].documentSpans?.length).toBeGreaterThan(0);
  });
});
