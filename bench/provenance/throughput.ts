// Per-core throughput of the pure parts, on natural text: `tsx bench/provenance/throughput.ts`.
// Normalization alone, and normalization + keyed hashing + winnowing (what ingest does per output),
// for English (C3 BBC news) and Chinese (C4 THUCNews), in MB of UTF-8 input per CPU-second (the best
// of three passes; the first pass also fills the per-word hash cache).
import { KeyedHasher, outputFingerprints } from '../../src/provenance/fingerprint/index.js';
import { normalizeText } from '../../src/provenance/normalize/index.js';
import { loadNeverServed } from './corpora.js';

function perCpuSecond(bytes: number, work: () => void): number {
  let best = 0;
  for (let pass = 0; pass < 3; pass++) {
    const start = process.cpuUsage();
    work();
    const used = process.cpuUsage(start);
    best = Math.max(best, bytes / 1e6 / ((used.user + used.system) / 1e6));
  }
  return best;
}

const hasher = new KeyedHasher(Buffer.alloc(32, 7));
const sets = loadNeverServed();
process.stdout.write(
  '| text | MB | normalize MB/s per CPU-s | normalize + fingerprint MB/s per CPU-s |\n|---|---:|---:|---:|\n',
);
for (const source of ['C3 bbc', 'C4 thucnews']) {
  const texts = sets.filter((s) => s.source === source).map((s) => s.text);
  const bytes = texts.reduce((a, t) => a + Buffer.byteLength(t), 0);
  const normalize = perCpuSecond(bytes, () => {
    for (const t of texts) normalizeText(t);
  });
  const fingerprint = perCpuSecond(bytes, () => {
    for (const t of texts) outputFingerprints(hasher, normalizeText(t).words, null);
  });
  process.stdout.write(
    `| ${source} | ${(bytes / 1e6).toFixed(1)} | ${normalize.toFixed(1)} | ${fingerprint.toFixed(1)} |\n`,
  );
}
