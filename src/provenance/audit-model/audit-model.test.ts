import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditModel as auditModelCommand } from '../../cli/commands/audit-model.js';
import { ExitError } from '../../cli/exit-error.js';
import { runCli } from '../../cli/program.js';
import { auditModel, decideVerdict, sampleCanaries } from './audit-model.js';
import { renderAuditReport } from './audit-report.js';
import { SELF_IDENTIFICATION_PROMPTS } from './self-identification.js';
import { seededRandom } from './statistics.js';

// A small fixture written to a temporary folder: 16 canaries (prompt + served output), three
// reference models that rewrite a shared task answer their own way, a student that copies the served
// outputs and an independent model drawn like the references.
const dir = mkdtempSync(join(tmpdir(), 'warden-audit-model-'));
const random = seededRandom(42);
const words =
  'the a model answer river city light stone paper garden music market winter ocean method number table window bridge forest letter school story system energy'.split(
    ' ',
  );
const word = () => `${words[Math.floor(random() * words.length)]}${Math.floor(random() * 400)}`;
const tasks = Array.from({ length: 16 }, () => Array.from({ length: 30 }, word));
const rewrite = (tokens: string[], rate: number) =>
  tokens.map((t) => (random() < rate ? word() : t)).join(' ');
const canaries = tasks.map((t, i) => ({
  id: `c${i}`,
  prompt: `Question number ${i}: describe item ${i}.`,
  output: rewrite(t, 0.4),
}));
const modelAnswers = (rate: number) => tasks.map((t, i) => ({ id: `c${i}`, output: rewrite(t, rate) }));
const jsonl = (rows: object[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join('');
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const canaryFile = file('canaries.jsonl', jsonl(canaries));
const referenceFiles = [0.3, 0.4, 0.5].map((rate, j) =>
  file(`reference-${j}.jsonl`, jsonl(modelAnswers(rate))),
);
const studentFile = file('student.jsonl', jsonl(canaries.map((c) => ({ id: c.id, output: c.output }))));
const independentFile = file('independent.jsonl', jsonl(modelAnswers(0.45)));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--answers mode (no network)', () => {
  it('finds a student that copies the served outputs', async () => {
    const result = await auditModelCommand({
      canaries: canaryFile,
      answers: studentFile,
      reference: referenceFiles,
    });
    expect(result.mode).toBe('answers');
    expect(result.verdict).toBe('likely_trained_on_outputs');
    expect(result.canary_test.n).toBe(16);
    expect(result.canary_test.p_value).toBeLessThan(0.01);
    expect(result.canary_test.references.map((r) => r.name)).toEqual([
      'reference-0',
      'reference-1',
      'reference-2',
    ]);
    expect(result.self_identification).toBeNull();
    expect(result.probes.sent).toBe(0);
  });

  it('does not accuse an independent model', async () => {
    const result = await auditModelCommand({
      canaries: canaryFile,
      answers: independentFile,
      reference: referenceFiles,
    });
    expect(result.verdict).not.toBe('likely_trained_on_outputs');
    expect(result.canary_test.p_value).toBeGreaterThanOrEqual(0.01);
  });

  it('is inconclusive, with the reason, when no reference answers are given', async () => {
    const result = await auditModelCommand({ canaries: canaryFile, answers: studentFile });
    expect(result.verdict).toBe('inconclusive');
    expect(result.reasons[0]).toMatch(/at least two reference models/);
  });

  it('reports a bad line with its file and line number (exit 2)', async () => {
    const bad = file(
      'bad.jsonl',
      `${JSON.stringify({ id: 'c0', output: 'x' })}\n{not json\n${JSON.stringify({ id: 'c2' })}\n`,
    );
    const error = await auditModelCommand({
      canaries: canaryFile,
      answers: bad,
      reference: referenceFiles,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(ExitError);
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(`${bad}:2: not valid JSON (and 1 more bad line)`);
  });

  it('refuses --endpoint and --answers together, and neither (exit 2)', async () => {
    for (const options of [
      { canaries: canaryFile },
      { canaries: canaryFile, answers: studentFile, endpoint: 'https://x.example/v1' },
    ]) {
      const error = await auditModelCommand(options).catch((e) => e);
      expect(error.exitCode).toBe(2);
    }
  });
});

describe('probing a mock OpenAI-compatible server', () => {
  let server: Server;
  let base: string;
  const requests: { url: string; body: Record<string, unknown> | null; auth?: string }[] = [];
  const byPrompt = new Map(canaries.map((c) => [c.prompt, c.output]));
  const selfPrompts = new Set(SELF_IDENTIFICATION_PROMPTS.map((p) => p.prompt));

  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => {
        raw += c;
      });
      req.on('end', () => {
        const body = raw ? JSON.parse(raw) : null;
        requests.push({ url: req.url ?? '', body, auth: req.headers.authorization });
        res.setHeader('content-type', 'application/json');
        if (req.url === '/v1/models') {
          res.end(JSON.stringify({ object: 'list', data: [{ id: 'suspect-1', object: 'model' }] }));
          return;
        }
        if (req.url !== '/v1/chat/completions') {
          res.statusCode = 404;
          res.end(JSON.stringify({ error: { message: 'not found' } }));
          return;
        }
        const prompt = body?.messages?.[0]?.content as string;
        let content: string;
        if (selfPrompts.has(prompt))
          content = prompt.includes('你') ? '我是ChatGPT，由OpenAI开发。' : 'I am ChatGPT <b>by</b> OpenAI.';
        else content = byPrompt.get(prompt) ?? 'I do not know.';
        res.end(
          JSON.stringify({
            id: 'x',
            object: 'chat.completion',
            choices: [{ index: 0, message: { role: 'assistant', content } }],
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('finds the student end to end: verdict, evidence, self-identification, report', async () => {
    requests.length = 0;
    const progress: number[] = [];
    const reportPath = join(dir, 'report.html');
    const answersPath = join(dir, 'saved.jsonl');
    const result = await auditModelCommand({
      endpoint: base,
      apiKey: 'sk-test',
      canaries: canaryFile,
      reference: referenceFiles,
      allowPrivate: true,
      report: reportPath,
      saveAnswers: answersPath,
      onProgress: (done) => progress.push(done),
    });
    expect(result.verdict).toBe('likely_trained_on_outputs');
    expect(result.model).toBe('suspect-1');
    expect(result.canary_test.p_value).toBeLessThan(0.01);
    expect(result.canary_test.top[0].answer).toBe(result.canary_test.top[0].served);
    expect(result.probes).toEqual({
      sent: SELF_IDENTIFICATION_PROMPTS.length + 16,
      failed: 0,
      first_error: null,
    });
    const selfId = result.self_identification;
    expect(selfId?.hits.length).toBe(SELF_IDENTIFICATION_PROMPTS.length);
    expect(selfId?.languages).toEqual(expect.arrayContaining(['en', 'zh', 'es', 'fr', 'de', 'ja', 'ru']));
    expect(selfId?.hits[0].brands).toEqual(['OpenAI', 'ChatGPT']);
    const chat = requests.filter((r) => r.url === '/v1/chat/completions');
    expect(chat[0].body).toMatchObject({ model: 'suspect-1', temperature: 0 });
    expect(chat[0].auth).toBe('Bearer sk-test');
    expect(progress.at(-1)).toBe(SELF_IDENTIFICATION_PROMPTS.length + 16);
    expect(readFileSync(answersPath, 'utf8').trim().split('\n')).toHaveLength(16);

    const html = readFileSync(reportPath, 'utf8');
    expect(html).toContain('Likely trained on our outputs');
    expect(html).toContain('I am ChatGPT &#60;b&#62;by&#60;/b&#62; OpenAI.');
    expect(html).not.toContain('<b>by</b>');
    expect(html).not.toMatch(/<(script|link|img|iframe)\b|src=|href=/i);
  });

  it('refuses the loopback endpoint without --allow-private: exit 2, one line, no request', async () => {
    requests.length = 0;
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let code: number;
    let written = '';
    try {
      code = await runCli([
        'audit-model',
        '--endpoint',
        base,
        '--canaries',
        canaryFile,
        '--reference',
        ...referenceFiles,
      ]);
      written = stderr.mock.calls.map((c) => String(c[0])).join('');
    } finally {
      stderr.mockRestore();
    }
    expect(code).toBe(2);
    expect(written.trim().split('\n')).toHaveLength(1);
    expect(written).toMatch(
      /^warden: endpoint refused: 127\.0\.0\.1 is loopback, which is refused.*--allow-private/,
    );
    expect(requests).toHaveLength(0);
  });

  it('fails (exit 1) when every probe fails', async () => {
    const error = await auditModel({
      endpoint: `${base}/../nowhere`,
      model: 'suspect-1',
      canaries,
      references: [],
      allowPrivate: true,
      skipSelfIdentification: true,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/every probe of .* failed; the first: .*HTTP/);
  });
});

describe('renderAuditReport', () => {
  it('escapes model text and needs no external asset', async () => {
    const result = await auditModel({
      canaries: [{ id: '<x>', prompt: '"><script>alert(1)</script>', output: 'a b c d' }],
      answers: [{ id: '<x>', output: '<img src=x onerror=alert(1)>' }],
      references: [],
    });
    const html = renderAuditReport(result);
    expect(html).not.toMatch(/<script>|<img/);
    expect(html).toContain("default-src 'none'");
  });
});

describe('decideVerdict and sampleCanaries', () => {
  const test = (p: number) =>
    ({ ran: true, reason: null, n: 50, p_value: p, p_canary: p, p_model: p }) as Parameters<
      typeof decideVerdict
    >[0];
  const hit = {
    brands: ['OpenAI'],
    asked: 3,
    answered: 3,
    hits: [
      {
        language: 'en',
        question: 'maker' as const,
        prompt: 'Who created you?',
        answer: 'OpenAI',
        brands: ['OpenAI'],
      },
    ],
    languages: ['en'],
  };
  it('decides by the canary test; brand hits alone make it inconclusive', () => {
    expect(decideVerdict(test(0.001), null, 0.01).verdict).toBe('likely_trained_on_outputs');
    expect(decideVerdict(test(0.03), null, 0.01).verdict).toBe('inconclusive');
    expect(decideVerdict(test(0.5), null, 0.01).verdict).toBe('no_evidence');
    expect(decideVerdict(test(0.5), hit, 0.01).verdict).toBe('inconclusive');
    expect(decideVerdict(test(0.5), hit, 0.01).reasons[1]).toMatch(
      /1 of 3 self-identification answers name OpenAI/,
    );
  });
  it('samples the same canaries for a seed, in their original order', () => {
    const a = sampleCanaries(canaries, 5, 7).map((c) => c.id);
    expect(a).toEqual(sampleCanaries(canaries, 5, 7).map((c) => c.id));
    expect(a).toHaveLength(5);
    expect([...a].sort((x, y) => Number(x.slice(1)) - Number(y.slice(1)))).toEqual(a);
    expect(sampleCanaries(canaries, 100, 7)).toHaveLength(16);
  });
});
