// The provenance scale benchmark: `tsx bench/provenance/run.ts --scale [--outputs 100000,300000]
// [--db sqlite|postgres] [--retention-days 0] [--threads N]` (N fingerprint worker threads; default:
// the registry's, one per core). Registers N synthetic outputs of ~250 words (words
// drawn Zipf-like from the human corpora, so every output is new text, a prompt of ~30 words each),
// then traces 4,000 documents (half registered outputs with 10% of words replaced and cut to half,
// half new text) and the 2,225 BBC news articles of C3 (natural English).
// Reports ingest rate, bytes stored per output, index load time, trace throughput (MB of input per
// CPU-second and per wall-second) and per-document latency. Times are also given in CPU seconds
// because the machine is shared (the load average is printed).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DeploymentSecret } from '../../src/config/deployment-secret.js';
import { openRegistry } from '../../src/provenance/index.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { loadNeverServed } from './corpora.js';
import { seededRandom } from './desensitize.js';

const POSTGRES = process.env.WARDEN_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

function vocabularyOf(texts: string[], size: number): string[] {
  const counts = new Map<string, number>();
  for (const t of texts)
    for (const m of t.matchAll(/\p{Ll}{2,}/gu)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, size)
    .map(([w]) => w);
}

/** Draws words with probability ∝ 1/rank (Zipf, s = 1). */
function zipfSampler(vocabulary: string[], random: () => number): () => string {
  const n = vocabulary.length;
  const harmonic = Math.log(n) + 0.5772;
  return () => {
    const rank = Math.min(n - 1, Math.floor(Math.exp(random() * harmonic)) - 1);
    return vocabulary[Math.max(0, rank)];
  };
}

function makeText(draw: () => string, random: () => number, words: number): string {
  const parts: string[] = [];
  let sentence = 0;
  for (let i = 0; i < words; i++) {
    let w = draw();
    if (sentence === 0) w = w[0].toUpperCase() + w.slice(1);
    sentence++;
    if (sentence > 8 && random() < 0.12) {
      w += '.';
      sentence = 0;
    }
    parts.push(w);
  }
  return `${parts.join(' ')}.`;
}

function cpuSeconds(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

async function databaseBytes(
  store: Store,
  path: string | null,
): Promise<{ total: number; postings: number }> {
  const postings = await store.db
    .selectFrom('provenance_segments')
    .select((eb) => eb.fn.sum<number>('postings').as('n'))
    .executeTakeFirst();
  if (store.dialect === 'sqlite' && path) {
    store.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    return { total: statSync(path).size, postings: Number(postings?.n ?? 0) };
  }
  const client = new pg.Client({ connectionString: POSTGRES });
  await client.connect();
  try {
    const r = await client.query(
      `select coalesce(sum(pg_total_relation_size(format('%I.%I', schemaname, tablename)::regclass)), 0) as bytes
         from pg_tables where schemaname = $1 and tablename like 'provenance_%'`,
      [store.dialect === 'postgres' ? store.schema : 'public'],
    );
    return { total: Number(r.rows[0].bytes), postings: Number(postings?.n ?? 0) };
  } finally {
    await client.end();
  }
}

export async function runScale(args: string[]): Promise<void> {
  const option = (name: string, fallback: string) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
  };
  const sizes = option('--outputs', '100000').split(',').map(Number);
  const backend = option('--db', 'sqlite');
  const retentionDays = Number(option('--retention-days', '0'));
  const words = Number(option('--words', '250'));
  const threadsOption = option('--threads', '');
  const threads = threadsOption === '' ? null : Number(threadsOption);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const human = loadNeverServed().filter((n) => n.kind === 'human' && n.lang === 'en');
  const vocabulary = vocabularyOf(
    human.map((h) => h.text),
    30_000,
  );
  log(
    `| outputs | db | trace MB/s per CPU-s (BBC news) | ingest outputs/s (wall) | ingest outputs/s per CPU-s | bytes/output (db) | postings/output | index load s | trace MB/s per CPU-s | trace MB/s wall | ms/doc p50 | ms/doc p99 | matched copies | matched new | load avg |`,
  );
  log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const size of sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'warden-scale-'));
    const schema = `bench_scale_${Date.now().toString(36)}`;
    const url = backend === 'postgres' ? `${POSTGRES}?schema=${schema}` : `sqlite:${join(dir, 'warden.db')}`;
    const store = await openStore(url);
    try {
      const registry = await openRegistry(store, new DeploymentSecret(Buffer.alloc(32, 3)), {
        retentionDays,
        canaryRate: 0.01,
        ...(threads === null ? {} : { fingerprintThreads: threads }),
      });
      const random = seededRandom(`scale|${size}`);
      const draw = zipfSampler(vocabulary, random);
      const kept: string[] = [];
      const batch = 10_000;
      let ingestWall = 0;
      let ingestCpu = 0;
      let textBytes = 0;
      for (let i = 0; i < size; i += batch) {
        const outputs = [];
        for (let j = i; j < Math.min(size, i + batch); j++) {
          const text = makeText(
            draw,
            random,
            Math.max(50, Math.round(words + (random() - 0.5) * words * 0.6)),
          );
          textBytes += Buffer.byteLength(text);
          if (j % Math.max(1, Math.floor(size / 500)) === 0) kept.push(text);
          outputs.push({
            id: `out-${j}`,
            accountId: `acct_${j % 97}`,
            keyId: `key_${j % 311}`,
            channel: 'direct',
            endCustomer: null,
            ts: 1_767_225_600_000 + j,
            prompt: makeText(draw, random, 30),
            text,
          });
        }
        const wall = performance.now();
        const cpu = process.cpuUsage();
        await registry.ingest(outputs);
        ingestWall += (performance.now() - wall) / 1000;
        ingestCpu += cpuSeconds(cpu);
      }
      const bytes = await databaseBytes(store, backend === 'sqlite' ? join(dir, 'warden.db') : null);
      // Fresh registry: the first trace loads the index from the database.
      await registry.close();
      const tracer = await openRegistry(store, new DeploymentSecret(Buffer.alloc(32, 3)));
      const loadStart = performance.now();
      await tracer.trace([{ id: 'warm', text: 'x' }]);
      const loadSeconds = (performance.now() - loadStart) / 1000;
      const documents: { id: string; text: string }[] = [];
      for (let i = 0; i < 2000; i++) {
        // a registered output, 10% of its words replaced and the second half cut
        const source = kept[i % kept.length].split(' ');
        const changed = source.map((w) => (random() < 0.1 ? draw() : w));
        documents.push({ id: `copy-${i}`, text: changed.slice(0, Math.ceil(changed.length / 2)).join(' ') });
        documents.push({ id: `new-${i}`, text: makeText(draw, random, words) });
      }
      const inputBytes = documents.reduce((a, d) => a + Buffer.byteLength(d.text), 0);
      const wall = performance.now();
      const cpu = process.cpuUsage();
      const results = await tracer.trace(documents);
      const traceWall = (performance.now() - wall) / 1000;
      const traceCpu = cpuSeconds(cpu);
      const latencies: number[] = [];
      for (const d of documents.slice(0, 200)) {
        const t = performance.now();
        await tracer.trace([d]);
        latencies.push(performance.now() - t);
      }
      latencies.sort((a, b) => a - b);
      // Real English prose (BBC news, C3) through the same index: throughput on natural text.
      const news = human.filter((h) => h.source === 'C3 bbc').map((h) => ({ id: h.id, text: h.text }));
      const newsBytes = news.reduce((a, d) => a + Buffer.byteLength(d.text), 0);
      const newsCpu = process.cpuUsage();
      await tracer.trace(news);
      const newsMBps = newsBytes / 1e6 / cpuSeconds(newsCpu);
      const copies = results.filter((r) => r.id.startsWith('copy-'));
      const fresh = results.filter((r) => r.id.startsWith('new-'));
      await tracer.close();
      log(
        `| ${size.toLocaleString('en')} | ${backend} | ${newsMBps.toFixed(1)} | ${Math.round(size / ingestWall)} | ${Math.round(size / ingestCpu)} | ` +
          `${Math.round(bytes.total / size)} | ${(bytes.postings / size).toFixed(1)} | ${loadSeconds.toFixed(1)} | ` +
          `${(inputBytes / 1e6 / traceCpu).toFixed(1)} | ${(inputBytes / 1e6 / traceWall).toFixed(1)} | ` +
          `${latencies[Math.floor(latencies.length / 2)].toFixed(2)} | ${latencies[Math.floor(latencies.length * 0.99)].toFixed(2)} | ` +
          `${copies.filter((r) => r.match).length}/${copies.length} | ${fresh.filter((r) => r.match).length}/${fresh.length} | ` +
          `${loadavg()[0].toFixed(1)} |`,
      );
      process.stderr.write(
        `size ${size}: text ${(textBytes / size).toFixed(0)} B/output, ingest ${ingestWall.toFixed(1)} s wall / ${ingestCpu.toFixed(1)} s CPU, ` +
          `heap ${(process.memoryUsage().rss / 1e9).toFixed(2)} GB rss\n`,
      );
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
      if (backend === 'postgres') {
        const client = new pg.Client({ connectionString: POSTGRES });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await client.end();
      }
    }
  }
}
