// Per-core throughput of the pure parts, on natural text: `tsx bench/provenance/throughput.ts`.
// Normalization alone, and normalization + keyed hashing + winnowing (what ingest does per output),
// for English (C3 BBC news) and Chinese (C4 THUCNews), in MB of UTF-8 input per CPU-second (the best
// of three passes; the first pass also fills the per-word hash cache). Then `Registry.trace` end to
// end (normalize, hash, look up, score, fetch the matches' metadata) over the same texts, warm (best of
// three passes), against a registry holding 20,000 of the benchmark's served and human texts; per
// document its cost does not depend on the registry's size (RESULTS.md, scale table).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeploymentSecret } from '../../src/config/deployment-secret.js';
import { KeyedHasher, outputFingerprints } from '../../src/provenance/fingerprint/index.js';
import { openRegistry } from '../../src/provenance/index.js';
import { normalizeText } from '../../src/provenance/normalize/index.js';
import { openStore } from '../../src/store/open-store.js';
import { loadNeverServed, loadServed } from './corpora.js';

async function perCpuSecond(bytes: number, work: () => unknown): Promise<number> {
  let best = 0;
  for (let pass = 0; pass < 3; pass++) {
    const start = process.cpuUsage();
    await work();
    const used = process.cpuUsage(start);
    best = Math.max(best, bytes / 1e6 / ((used.user + used.system) / 1e6));
  }
  return best;
}

const hasher = new KeyedHasher(Buffer.alloc(32, 7));
const sets = loadNeverServed();
const dir = mkdtempSync(join(tmpdir(), 'warden-throughput-'));
const store = await openStore(`sqlite:${join(dir, 'warden.db')}`);
const registry = await openRegistry(store, new DeploymentSecret(Buffer.alloc(32, 7)), { retentionDays: 0 });
const registered = [
  ...loadServed().map((s) => s.text),
  ...sets.filter((s) => s.source !== 'C3 bbc' && s.source !== 'C4 thucnews').map((s) => s.text),
].slice(0, 20_000);
await registry.ingest(
  registered.map((text, i) => ({
    id: `r${i}`,
    accountId: 'a',
    keyId: null,
    channel: 'direct',
    endCustomer: null,
    ts: 0,
    prompt: null,
    text,
  })),
);
process.stdout.write(
  '| text | MB | normalize MB/s per CPU-s | normalize + fingerprint MB/s per CPU-s | Registry.trace MB/s per CPU-s (warm) |\n|---|---:|---:|---:|---:|\n',
);
for (const source of ['C3 bbc', 'C4 thucnews']) {
  const texts = sets.filter((s) => s.source === source).map((s) => s.text);
  const bytes = texts.reduce((a, t) => a + Buffer.byteLength(t), 0);
  const normalize = await perCpuSecond(bytes, () => {
    for (const t of texts) normalizeText(t);
  });
  const fingerprint = await perCpuSecond(bytes, () => {
    for (const t of texts) outputFingerprints(hasher, normalizeText(t).words, null);
  });
  const documents = texts.map((text, i) => ({ id: `d${i}`, text }));
  const trace = await perCpuSecond(bytes, () => registry.trace(documents));
  process.stdout.write(
    `| ${source} | ${(bytes / 1e6).toFixed(1)} | ${normalize.toFixed(1)} | ${fingerprint.toFixed(1)} | ${trace.toFixed(1)} |\n`,
  );
}
await registry.close();
await store.close();
rmSync(dir, { recursive: true, force: true });
