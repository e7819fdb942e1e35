import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitError } from '../exit-error.js';
import { detect } from './detect.js';

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'warden-detect-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function line(account: string, i: number, content: string): string {
  return JSON.stringify({
    account,
    ts: new Date(Date.parse('2026-01-05T09:00:00Z') + i * 5000).toISOString(),
    channel: 'direct',
    endpoint: '/v1/chat/completions',
    request: { model: 'm', messages: [{ role: 'user', content }] },
  });
}

const HUMAN = [
  'how do volcanoes actually erupt? asking for my kid',
  'Best way to learn jazz piano as an adult beginner?',
  'why are there two high tides a day',
  'Are mRNA vaccines safe during pregnancy?',
  'write a short poem about the Golden Gate bridge in fog',
  'my bees are swarming, what do I do right now',
  'When is the next comet visible from Europe?',
  'Explain how glaciers carve valleys, with an example from Norway.',
  '沙漠里晚上为什么那么冷？',
  'Can I keep coral in a 20 gallon tank?',
];
const TOPICS = [
  'volcanoes',
  'jazz',
  'tides',
  'vaccines',
  'bridges',
  'bees',
  'comets',
  'glaciers',
  'deserts',
  'coral',
];
const traffic = [
  ...TOPICS.flatMap((t, i) => [
    line(
      'pipeline',
      i,
      `You are asked to come up with a set of 20 diverse task instructions about ${t}. Output them as a JSON list of {"instruction", "input", "output"} records, one per line, no commentary.`,
    ),
    line('human', i, HUMAN[i]),
  ]),
  '{"account": "broken", "request": ',
  line(
    'pipeline',
    20,
    `You are asked to come up with a set of 20 diverse task instructions about rivers. Output them as a JSON list of {"instruction", "input", "output"} records, one per line, no commentary.`,
  ),
];

describe('warden detect', () => {
  it('prints the contract shape and reports a malformed line with its number', async () => {
    const file = tempFile('traffic.jsonl', `${traffic.join('\n')}\n`);
    const warnings: string[] = [];
    const run = await detect({ traffic: file, warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([
      expect.stringMatching(new RegExp(`^${file}:21: not valid JSON .*\\(skipped\\)$`)),
    ]);
    expect(run.skipped).toBe(1);
    const accounts = run.result.accounts;
    expect(accounts.map((a) => a.account).sort()).toEqual(['human', 'pipeline']);
    for (const a of accounts) {
      expect(Object.keys(a)).toEqual(
        expect.arrayContaining([
          'account',
          'requests',
          'risk',
          'verdict',
          'detected_after',
          'signals',
          'linked',
        ]),
      );
      expect(a.risk).toBeGreaterThanOrEqual(0);
      expect(a.risk).toBeLessThanOrEqual(100);
      expect(['ok', 'review', 'suspend']).toContain(a.verdict);
      for (const s of a.signals) expect(Object.keys(s).sort()).toEqual(['evidence', 'id', 'score']);
    }
    const pipeline = accounts.find((a) => a.account === 'pipeline');
    expect(pipeline?.requests).toBe(11);
    expect(pipeline?.verdict).not.toBe('ok');
    expect(pipeline?.detected_after).toBeGreaterThanOrEqual(1);
    expect(accounts.find((a) => a.account === 'human')?.verdict).toBe('ok');
    // JSON round trip: the printed object is plain data.
    expect(JSON.parse(JSON.stringify(run.result))).toEqual(run.result);
  });

  it('fails on the first malformed line with --strict (exit 2)', async () => {
    const file = tempFile('traffic.jsonl', `${line('a', 0, 'hi')}\n{"account": 3, "request": {}}\n`);
    const error = await detect({ traffic: file, strict: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExitError);
    expect((error as ExitError).exitCode).toBe(2);
    expect((error as ExitError).message).toBe(`${file}:2: "account" must be a non-empty string (--strict)`);
  });

  it('fails at load on a malformed policy, naming the path and the reason (exit 2)', async () => {
    const file = tempFile('traffic.jsonl', `${line('a', 0, 'hi')}\n`);
    const policy = tempFile(
      'policy.yaml',
      'version: 1\ncombine: { weights: {} }\nrules:\n  - name: r\n    when: { risk_at_least: high }\n    verdict: review\n',
    );
    const error = await detect({ traffic: file, policy }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExitError);
    expect((error as ExitError).exitCode).toBe(2);
    expect((error as ExitError).message).toBe(`${policy}: rules[0].when.risk_at_least must be a number`);
  });
});
