import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../store/open-store.js';
import { ExitError } from '../exit-error.js';
import { registryAdd } from './registry.js';
import { trace, traceLine } from './trace.js';

const OUTPUTS = [
  'Tides are caused mainly by the gravitational pull of the moon on the oceans. Because the earth rotates under two bulges of water, one facing the moon and one on the opposite side, most coasts see two high tides and two low tides every lunar day of about 24 hours and 50 minutes. The sun adds a smaller pull: when sun and moon line up we get larger spring tides, and when they are at right angles we get weaker neap tides.',
  'To keep basil alive indoors, put it on the sunniest windowsill you have, ideally one facing south, and turn the pot every few days so it grows evenly. Water when the top of the soil feels dry, never leave the pot standing in water, and pinch off the flower buds as soon as they appear so the plant keeps making leaves instead of seeds.',
];

describe('warden registry add / trace', () => {
  let dir: string;
  let db: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-trace-'));
    db = `sqlite:${join(dir, 'warden.db')}`;
    const store = await openStore(db);
    await store.db
      .insertInto('accounts')
      .values({ id: 'acct_1', name: 'acme', status: 'active', created_at: 1, updated_at: 1 } as never)
      .execute();
    await store.close();
    writeFileSync(
      join(dir, 'served.jsonl'),
      [
        JSON.stringify({ id: 'o-1', text: OUTPUTS[0], prompt: 'why are there two high tides a day' }),
        JSON.stringify({
          messages: [
            { role: 'user', content: 'basil tips?' },
            { role: 'assistant', content: OUTPUTS[1] },
          ],
          id: 'o-2',
        }),
      ].join('\n'),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('registers the outputs of a file for an existing account, once', async () => {
    const first = await registryAdd({ account: 'acme', files: [join(dir, 'served.jsonl')], db });
    expect(first).toMatchObject({ account: 'acme', documents: 2, added: 2 });
    const again = await registryAdd({ account: 'acme', files: [join(dir, 'served.jsonl')], db });
    expect(again.added).toBe(0);
  });

  it('refuses an unknown account and malformed lines (exit 2) without writing', async () => {
    await expect(
      registryAdd({ account: 'nobody', files: [join(dir, 'served.jsonl')], db }),
    ).rejects.toMatchObject({
      exitCode: 2,
    });
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(
      bad,
      `${JSON.stringify({ id: 'x', text: 'fine' })}\n{oops\n${JSON.stringify({ nothing: 1 })}\n`,
    );
    const error = await registryAdd({ account: 'acme', files: [bad], db }).catch((e) => e);
    expect(error).toBeInstanceOf(ExitError);
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('bad.jsonl:2');
    expect(error.message).toContain('bad.jsonl:3');
    const store = await openStore(db);
    const ids = await store.db.selectFrom('provenance_outputs').select('id').execute();
    await store.close();
    expect(ids.map((r) => r.id).sort()).toEqual(['o-1', 'o-2']);
  });

  it('traces a dataset: matches with account, non-matches, too short, summary and HTML report', async () => {
    const suspect = join(dir, 'suspect.jsonl');
    writeFileSync(
      suspect,
      [
        JSON.stringify({
          instruction: 'explain tides',
          input: '',
          output: OUTPUTS[0].toLowerCase().replace(/moon/g, 'Moon'),
        }),
        JSON.stringify({
          id: 'human',
          text: 'My grandmother kept a vegetable garden behind the house, and every August we spent whole afternoons shelling peas on the back steps while she told stories about the war.',
        }),
        JSON.stringify({ id: 'tiny', text: 'basil likes sun' }),
      ].join('\n'),
    );
    const report = join(dir, 'report.html');
    const progress: number[] = [];
    const run = await trace({ files: [suspect], db, report, onProgress: (done) => progress.push(done) });
    expect(run.results.map(traceLine)).toMatchObject([
      { id: 'suspect.jsonl:1', match: true, account: 'acme', outputs: ['o-1'] },
      { id: 'human', match: false, account: null, outputs: [] },
      { id: 'tiny', match: null, account: null },
    ]);
    expect(run.summary).toMatchObject({
      documents: 3,
      matched: 1,
      tooShort: 1,
      accounts: [{ account: 'acme', documents: 1 }],
    });
    expect(progress.at(-1)).toBe(3);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('<mark>');
    expect(html).not.toMatch(/<script|https?:\/\/(?!example)/);
  });

  it('rejects a bad --fpr and missing files with exit 2', async () => {
    await expect(trace({ files: [join(dir, 'served.jsonl')], db, fpr: 0 })).rejects.toMatchObject({
      exitCode: 2,
    });
    await expect(trace({ files: [join(dir, 'missing.jsonl')], db })).rejects.toMatchObject({ exitCode: 2 });
  });
});
