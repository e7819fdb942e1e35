// The registry of served outputs over the one Store (SQLite or PostgreSQL, same Kysely queries):
// ingest fingerprints outputs and writes one metadata row each plus one postings segment per call;
// trace loads the segments into an in-memory index (once, then only new segments) and scores
// documents against it. Raw texts are kept until the retention horizon; a sample becomes canaries.
import { createHmac } from 'node:crypto';
import type { DeploymentSecret } from '../../config/deployment-secret.js';
import type { Store } from '../../store/store.js';
import { type Fingerprints, KeyedHasher, KGRAM_WORDS } from '../fingerprint/index.js';
import { normalizeText } from '../normalize/index.js';
import {
  DEFAULT_FPR,
  falsePositiveRate,
  minimumEvidence,
  scoreThreshold,
  tooShortToDecide,
} from '../trace/calibration.js';
import {
  type CandidateEvidence,
  coverageOf,
  type DocumentEvidence,
  documentEvidence,
  MINIMUM_SHARED,
} from '../trace/evidence.js';
import type {
  Registry,
  RegistryOptions,
  ServedOutput,
  TraceMatch,
  TraceOptions,
  TraceResult,
} from '../types.js';
import { defaultFingerprintThreads, FingerprintPool, POOL_CHUNK } from './fingerprint-pool.js';
import { decodePostings, encodePostings } from './posting-codec.js';
import { PostingIndex } from './posting-index.js';

const DAY_MS = 86_400_000;
/** Rows per INSERT statement (SQLite allows 32,766 parameters; 8 columns a row). */
const INSERT_CHUNK = 500;
/** Segments smaller than this are merged once there are COMPACT_AFTER of them. */
const SMALL_SEGMENT_OUTPUTS = 2_000;
const COMPACT_AFTER = 32;
/** Outputs considered per document in a result. */
const OUTPUTS_PER_RESULT = 20;

export async function openRegistry(
  store: Store,
  secret: DeploymentSecret,
  {
    retentionDays = 30,
    canaryRate = 0.01,
    canariesPerAccount = 20,
    now = () => Date.now(),
    fingerprintThreads = defaultFingerprintThreads(),
  }: RegistryOptions = {},
): Promise<Registry> {
  if (!(retentionDays >= 0)) throw new Error('retentionDays must be 0 or more');
  const fingerprintKey = secret.derive('fingerprint');
  const hasher = new KeyedHasher(fingerprintKey);
  const pool = new FingerprintPool(hasher, fingerprintKey, fingerprintThreads);
  const canaryKey = secret.derive('canary-sampling');
  let current = new PostingIndex();
  const loadedSegments = new Set<number>();
  let indexLoaded = false;
  // Account numbers of the loaded outputs (for weighting fingerprints by how many accounts hold them).
  const accountNumbers = new Map<string, number>();
  let accountsLoadedTo = 0; // outputs with ordinal ≤ this have their account recorded in `current`
  const canaryCounts = new Map<string, number>();
  let lastPurge = 0;
  const db = store.db;

  function sampledAsCanary(id: string): boolean {
    const digest = createHmac('sha256', canaryKey).update(id).digest();
    return digest.readUInt32LE(0) / 2 ** 32 < canaryRate;
  }

  async function canaryCount(accountId: string): Promise<number> {
    let count = canaryCounts.get(accountId);
    if (count === undefined) {
      const row = await db
        .selectFrom('provenance_canaries')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      count = Number(row?.n ?? 0);
      canaryCounts.set(accountId, count);
    }
    return count;
  }

  async function purgeExpiredTexts(): Promise<void> {
    const t = now();
    if (t - lastPurge < 60_000) return;
    lastPurge = t;
    await db.deleteFrom('provenance_texts').where('expires_at', '<', t).execute();
  }

  async function compact(): Promise<void> {
    const small = await db
      .selectFrom('provenance_segments')
      .select(['id', 'base_ordinal', 'data'])
      .where('outputs', '<', SMALL_SEGMENT_OUTPUTS)
      .orderBy('id')
      .execute();
    if (small.length < COMPACT_AFTER) return;
    const keys: number[] = [];
    const ordinals: number[] = [];
    const positions: number[] = [];
    let outputs = 0;
    const seen = new Set<number>();
    for (const segment of small) {
      decodePostings(toBytes(segment.data), Number(segment.base_ordinal), (key, ordinal, position) => {
        keys.push(key);
        ordinals.push(ordinal);
        positions.push(position);
        if (!seen.has(ordinal)) {
          seen.add(ordinal);
          outputs++;
        }
      });
    }
    const base = Math.min(...small.map((s) => Number(s.base_ordinal)));
    const data = encodePostings(
      {
        keys: Uint32Array.from(keys),
        ordinals: Uint32Array.from(ordinals),
        positions: Int32Array.from(positions),
      },
      base,
    );
    await db.transaction().execute(async (tx) => {
      // Only the segments read above: another process may have added more since.
      const deleted = await tx
        .deleteFrom('provenance_segments')
        .where(
          'id',
          'in',
          small.map((s) => s.id),
        )
        .executeTakeFirst();
      if (Number(deleted.numDeletedRows) !== small.length)
        throw new Error('concurrent compaction; retry later');
      await tx
        .insertInto('provenance_segments')
        .values({
          base_ordinal: base,
          outputs: Math.max(outputs, small.length),
          postings: keys.length,
          data: toStoredBlob(data),
          merged_from: JSON.stringify(small.map((s) => Number(s.id))),
          created_at: now(),
        })
        .execute();
    });
  }

  async function ingest(outputs: ServedOutput[]): Promise<void> {
    if (outputs.length === 0) return;
    const unique = new Map<string, ServedOutput>();
    for (const output of outputs) if (!unique.has(output.id)) unique.set(output.id, output);
    const distinct = [...unique.values()];
    // A small batch is fingerprinted here and written in one transaction. A large one is cut into
    // chunks that worker threads fingerprint in turn; each chunk is written (its own transaction:
    // ingest is idempotent by id, so a retry after a failure part way through is safe) as soon as its
    // fingerprints are back, while the workers go on with the next chunks.
    const chunks: ServedOutput[][] = [];
    if (pool.uses(distinct.length))
      for (let i = 0; i < distinct.length; i += POOL_CHUNK) chunks.push(distinct.slice(i, i + POOL_CHUNK));
    else chunks.push(distinct);
    const fingerprinted = chunks.map((chunk) => pool.fingerprint(chunk));
    for (const pending of fingerprinted) pending.catch(() => {}); // awaited below, in order
    for (let c = 0; c < chunks.length; c++) await write(chunks[c], await fingerprinted[c]);
    await compact().catch((error: Error) => {
      // Another process compacted the same segments first: the next ingest tries again.
      if (!error.message.startsWith('concurrent compaction')) throw error;
    });
    if (retentionDays > 0) await purgeExpiredTexts();
    else await db.deleteFrom('provenance_texts').execute();
  }

  /** Writes fingerprinted outputs (metadata rows, one postings segment, texts, canaries) in one transaction. */
  async function write(outputs: ServedOutput[], fingerprints: Fingerprints[]): Promise<void> {
    const prepared = new Map<string, { output: ServedOutput; fingerprints: Fingerprints }>();
    outputs.forEach((output, i) => {
      prepared.set(output.id, { output, fingerprints: fingerprints[i] });
    });
    const retained = retentionDays > 0;
    const expiresAt = now() + retentionDays * DAY_MS;
    const canaries: ServedOutput[] = [];
    for (const { output } of prepared.values()) {
      if (!output.prompt) continue;
      if (sampledAsCanary(output.id) || (await canaryCount(output.accountId)) < canariesPerAccount) {
        canaries.push(output);
        canaryCounts.set(output.accountId, (canaryCounts.get(output.accountId) ?? 0) + 1);
      }
    }
    await db.transaction().execute(async (tx) => {
      const inserted: { ordinal: number; id: string }[] = [];
      const rows = [...prepared.values()];
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        const chunk = rows.slice(i, i + INSERT_CHUNK);
        const returned = await tx
          .insertInto('provenance_outputs')
          .values(
            chunk.map(({ output, fingerprints }) => ({
              id: output.id,
              account_id: output.accountId,
              key_id: output.keyId,
              channel: output.channel,
              end_customer: output.endCustomer,
              ts: output.ts,
              fingerprints: fingerprints.keys.length,
            })),
          )
          .onConflict((oc) => oc.column('id').doNothing())
          .returning(['ordinal', 'id'])
          .execute();
        for (const row of returned) inserted.push({ ordinal: Number(row.ordinal), id: row.id });
      }
      if (inserted.length === 0) return;
      let postings = 0;
      for (const { id } of inserted) postings += prepared.get(id)?.fingerprints.keys.length ?? 0;
      const keys = new Uint32Array(postings);
      const ordinals = new Uint32Array(postings);
      const positions = new Int32Array(postings);
      let at = 0;
      let base = Number.POSITIVE_INFINITY;
      for (const { ordinal, id } of inserted) {
        const fingerprints = prepared.get(id)?.fingerprints;
        if (!fingerprints) continue;
        keys.set(fingerprints.keys, at);
        positions.set(fingerprints.positions, at);
        ordinals.fill(ordinal, at, at + fingerprints.keys.length);
        at += fingerprints.keys.length;
        base = Math.min(base, ordinal);
      }
      if (postings > 0) {
        await tx
          .insertInto('provenance_segments')
          .values({
            base_ordinal: base,
            outputs: inserted.length,
            postings,
            data: toStoredBlob(encodePostings({ keys, ordinals, positions }, base)),
            merged_from: null,
            created_at: now(),
          })
          .execute();
      }
      if (retained) {
        const texts = inserted.map(({ ordinal, id }) => {
          const output = prepared.get(id)?.output as ServedOutput;
          return { ordinal, prompt: output.prompt, text: output.text, expires_at: expiresAt };
        });
        for (let i = 0; i < texts.length; i += INSERT_CHUNK) {
          await tx
            .insertInto('provenance_texts')
            .values(texts.slice(i, i + INSERT_CHUNK))
            .execute();
        }
      }
      const insertedIds = new Set(inserted.map((r) => r.id));
      const newCanaries = canaries.filter((c) => insertedIds.has(c.id));
      for (let i = 0; i < newCanaries.length; i += INSERT_CHUNK) {
        await tx
          .insertInto('provenance_canaries')
          .values(
            newCanaries.slice(i, i + INSERT_CHUNK).map((c) => ({
              output_id: c.id,
              account_id: c.accountId,
              prompt: c.prompt as string,
              output: c.text,
              ts: c.ts,
            })),
          )
          .onConflict((oc) => oc.column('output_id').doNothing())
          .execute();
      }
    });
  }

  /** Records the account of every output the index holds that it has no account for yet. */
  async function loadAccounts(): Promise<void> {
    const upTo = current.maxOrdinal;
    while (accountsLoadedTo < upTo) {
      const rows = await db
        .selectFrom('provenance_outputs')
        .select(['ordinal', 'account_id'])
        .where('ordinal', '>', accountsLoadedTo)
        .where('ordinal', '<=', upTo)
        .orderBy('ordinal')
        .limit(50_000)
        .execute();
      if (rows.length === 0) break;
      for (const row of rows) {
        let account = accountNumbers.get(row.account_id);
        if (account === undefined) {
          account = accountNumbers.size + 1;
          accountNumbers.set(row.account_id, account);
        }
        current.setAccount(Number(row.ordinal), account);
      }
      accountsLoadedTo = Number(rows[rows.length - 1].ordinal);
    }
  }

  /** Brings the in-memory index up to date with the segments in the database. */
  async function refreshIndex(): Promise<void> {
    const segments = await db.selectFrom('provenance_segments').select(['id', 'merged_from']).execute();
    const ids = segments.map((r) => Number(r.id));
    // A compaction replaces segments by one merged segment holding the same postings. Every output's
    // postings sit in exactly one segment, so a merged segment is loaded for the outputs we do not
    // hold yet, and the segments it replaced are no longer expected.
    const partlyHeld = new Set<number>();
    for (const segment of segments) {
      if (loadedSegments.has(Number(segment.id)) || !segment.merged_from) continue;
      const from = JSON.parse(segment.merged_from) as number[];
      const held = from.filter((id) => loadedSegments.has(id));
      if (held.length === 0) continue;
      for (const id of held) loadedSegments.delete(id);
      if (held.length === from.length) loadedSegments.add(Number(segment.id));
      else partlyHeld.add(Number(segment.id));
    }
    const present = new Set(ids);
    let vanished = false;
    for (const id of loadedSegments) if (!present.has(id)) vanished = true;
    if (vanished) {
      // Segments we hold disappeared some other way: start over.
      loadedSegments.clear();
      partlyHeld.clear();
      current = new PostingIndex();
      accountsLoadedTo = 0;
      indexLoaded = false;
    }
    const missing = ids.filter((id) => !loadedSegments.has(id));
    if (missing.length === 0 && indexLoaded) return;
    for (let i = 0; i < missing.length; i += 64) {
      const rows = await db
        .selectFrom('provenance_segments')
        .select(['id', 'base_ordinal', 'data'])
        .where('id', 'in', missing.slice(i, i + 64))
        .execute();
      for (const row of rows) {
        const id = Number(row.id);
        if (partlyHeld.has(id)) {
          // skip the outputs already held (decided before loading any of this segment's postings)
          const keys: number[] = [];
          const ordinals: number[] = [];
          const positions: number[] = [];
          decodePostings(toBytes(row.data), Number(row.base_ordinal), (key, ordinal, position) => {
            if (current.fingerprintsOf(ordinal) > 0) return;
            keys.push(key);
            ordinals.push(ordinal);
            positions.push(position);
          });
          for (let j = 0; j < keys.length; j++) current.load(keys[j], ordinals[j], positions[j]);
        } else {
          decodePostings(toBytes(row.data), Number(row.base_ordinal), (key, ordinal, position) =>
            current.load(key, ordinal, position),
          );
        }
        loadedSegments.add(id);
      }
    }
    current.rebuild();
    await loadAccounts();
    indexLoaded = true;
  }

  async function trace(
    documents: { id: string; text: string }[],
    options: TraceOptions = {},
  ): Promise<TraceResult[]> {
    const { fpr = DEFAULT_FPR, onProgress, detail = false } = options;
    const thresholds = { zh: scoreThreshold(fpr, 'zh'), other: scoreThreshold(fpr, 'other') };
    await refreshIndex();
    const evidence: DocumentEvidence[] = [];
    for (let i = 0; i < documents.length; i++) {
      evidence.push(documentEvidence(documents[i].text, hasher, current));
      if (onProgress && (i % 64 === 63 || i === documents.length - 1)) {
        onProgress(i + 1, documents.length);
        // let a progress bar paint
        if (i % 1024 === 1023) await new Promise((resolve) => setImmediate(resolve));
      }
    }
    // Metadata of the outputs that will be reported (the matches only).
    const wanted = new Set<number>();
    for (const e of evidence) {
      for (const c of e.candidates)
        if (c.score >= thresholds[e.language] && c.shared >= MINIMUM_SHARED) wanted.add(c.ordinal);
    }
    const rows = new Map<
      number,
      { id: string; account_id: string; account_name: string | null; ts: number }
    >();
    const ordinals = [...wanted];
    for (let i = 0; i < ordinals.length; i += INSERT_CHUNK) {
      const chunk = await db
        .selectFrom('provenance_outputs as o')
        .leftJoin('accounts as a', 'a.id', 'o.account_id')
        .select(['o.ordinal', 'o.id', 'o.account_id', 'a.name as account_name', 'o.ts'])
        .where('o.ordinal', 'in', ordinals.slice(i, i + INSERT_CHUNK))
        .execute();
      for (const r of chunk) rows.set(Number(r.ordinal), { ...r, ts: Number(r.ts) });
    }
    const texts = new Map<number, { text: string; prompt: string | null }>();
    if (detail) {
      const matched = ordinals.filter((o) =>
        evidence.some((e) =>
          e.candidates.some(
            (c) => c.ordinal === o && c.score >= thresholds[e.language] && c.shared >= MINIMUM_SHARED,
          ),
        ),
      );
      for (let i = 0; i < matched.length; i += INSERT_CHUNK) {
        const chunk = await db
          .selectFrom('provenance_texts')
          .select(['ordinal', 'text', 'prompt'])
          .where('ordinal', 'in', matched.slice(i, i + INSERT_CHUNK))
          .execute();
        for (const r of chunk) texts.set(Number(r.ordinal), { text: r.text, prompt: r.prompt });
      }
    }
    return documents.map((document, i) =>
      traceResult(
        document,
        evidence[i],
        thresholds[evidence[i].language],
        rows,
        detail ? { texts, hasher } : null,
      ),
    );
  }

  return {
    ingest,
    trace,
    async close() {
      await pool.close();
      current = new PostingIndex();
      accountsLoadedTo = 0;
      loadedSegments.clear();
    },
  };
}

function traceResult(
  document: { id: string; text: string },
  evidence: DocumentEvidence,
  threshold: number,
  rows: Map<number, { id: string; account_id: string; account_name: string | null; ts: number }>,
  detail: { texts: Map<number, { text: string; prompt: string | null }>; hasher: KeyedHasher } | null,
): TraceResult {
  const strongest = evidence.candidates.find((c) => c.shared >= MINIMUM_SHARED);
  if (tooShortToDecide(evidence, strongest, threshold, minimumEvidence(threshold))) {
    return {
      id: document.id,
      match: null,
      account: null,
      score: 0,
      outputs: [],
      coverage: 0,
      fpr: 1,
      accounts: [],
      matches: [],
    };
  }
  const best = evidence.candidates[0] as CandidateEvidence | undefined;
  const passing = evidence.candidates
    .filter((c) => c.score >= threshold && c.shared >= MINIMUM_SHARED && rows.has(c.ordinal))
    .slice(0, OUTPUTS_PER_RESULT);
  const score = best?.score ?? 0;
  const accountOf = (ordinal: number): string => {
    const row = rows.get(ordinal);
    return row ? (row.account_name ?? row.account_id) : 'unknown';
  };
  const matches: TraceMatch[] = passing.map((c) => {
    const row = rows.get(c.ordinal) as { id: string; account_id: string; ts: number };
    const match: TraceMatch = {
      output: row.id,
      account: accountOf(c.ordinal),
      accountId: row.account_id,
      servedAt: row.ts,
      score: round(c.score),
      sharedFingerprints: c.shared,
      outputFingerprints: c.fingerprints,
      coverage: round(c.coverage),
      containment: round(c.containment),
      alignedCoverage: round(c.alignedCoverage),
      fpr: falsePositiveRate(c.score, evidence.language),
    };
    if (detail) {
      match.documentSpans = spansOf(c.positions, evidence.starts, evidence.ends);
      const served = detail.texts.get(c.ordinal);
      if (served) {
        match.servedText = served.text;
        match.servedSpans = servedSpans(served.text, document.text, detail.hasher);
      }
    }
    return match;
  });
  const matched = matches.length > 0;
  const accounts = [...new Set(matches.map((m) => m.account))];
  const coveragePositions = matched ? passing.flatMap((c) => c.positions) : (best?.positions ?? []);
  return {
    id: document.id,
    match: matched,
    account: matched ? matches[0].account : null,
    score: round(score),
    outputs: matches.map((m) => m.output),
    coverage: round(coverageOf(coveragePositions, evidence.words)),
    fpr: falsePositiveRate(score, evidence.language),
    accounts,
    matches,
  };
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

/** Character ranges of the document covered by the matched k-grams (merged). */
function spansOf(positions: number[], starts: number[], ends: number[]): [number, number][] {
  const spans: [number, number][] = [];
  for (const p of positions) {
    const last = Math.min(p + KGRAM_WORDS, starts.length) - 1;
    const start = starts[p];
    const end = ends[last];
    const previous = spans[spans.length - 1];
    if (previous && start <= previous[1] + 1) previous[1] = Math.max(previous[1], end);
    else spans.push([start, end]);
  }
  return spans;
}

/** Character ranges of a served text whose k-grams occur in the document. */
function servedSpans(served: string, document: string, hasher: KeyedHasher): [number, number][] {
  const doc = normalizeText(document);
  const docKeys = new Set(hasher.kgramHashes(doc.words).hi);
  const out = normalizeText(served);
  const hashes = hasher.kgramHashes(out.words);
  const positions: number[] = [];
  for (let i = 0; i < hashes.hi.length; i++) if (docKeys.has(hashes.hi[i])) positions.push(i);
  return spansOf(positions, out.starts, out.ends);
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  throw new Error('a postings segment is not binary data');
}

function toStoredBlob(data: Uint8Array): Uint8Array {
  // better-sqlite3 and pg both accept a Buffer for blob/bytea parameters.
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
