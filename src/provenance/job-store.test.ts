// The provenance job store on both backends: the interrupted rules (a dead runner's stale jobs, a
// stopping runner's own), writes that stop counting once a job is no longer running, the bound on
// finished jobs (results deleted with them), and the order results are shown in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, testBackends } from '../../test/helpers/databases.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import {
  bestResults,
  failInterrupted,
  finishJob,
  getJob,
  heartbeat,
  INTERRUPTED,
  insertJob,
  type JobRow,
  listJobs,
  pruneFinishedJobs,
  recordTraceChunk,
  startJob,
} from './job-store.js';

const T0 = 1_700_000_000_000;
let counter = 0;

function job(fields: Partial<JobRow> = {}): JobRow {
  counter++;
  return {
    id: `trace_${counter}`,
    kind: 'trace',
    name: 'data.jsonl',
    endpoint: null,
    status: 'queued',
    done: 0,
    total: 3,
    error: null,
    problems: '[]',
    summary: null,
    created_at: T0 + counter,
    finished_at: null,
    created_by: 'test',
    runner: 'node-a',
    heartbeat_at: T0,
    ...fields,
  };
}

function resultRow(seq: number, matched: boolean, score: number) {
  return {
    seq,
    matched: matched ? 1 : 0,
    score,
    result: JSON.stringify({ id: `d${seq}`, match: matched, score }),
    text: `document ${seq}`,
  };
}

describe.each(testBackends())('provenance job store on %s', (backend) => {
  let database: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    store = await openStore(database.url);
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('fails as interrupted only the active jobs whose heartbeat is stale', async () => {
    const dead = job({ status: 'running', runner: 'dead', heartbeat_at: T0 });
    const alive = job({ status: 'running', runner: 'alive', heartbeat_at: T0 });
    const audit = job({ id: 'audit_1', kind: 'audit-model', runner: 'dead', heartbeat_at: T0 });
    const finished = job({ status: 'done', runner: 'dead', heartbeat_at: T0, finished_at: T0 });
    for (const j of [dead, alive, audit, finished]) await insertJob(store.db, j);
    await heartbeat(store.db, 'alive', T0 + 50_000);

    expect(await failInterrupted(store.db, { staleMs: 30_000 }, T0 + 60_000)).toBe(2);
    expect(await getJob(store.db, 'trace', dead.id)).toMatchObject({
      status: 'failed',
      error: INTERRUPTED.trace,
      finished_at: T0 + 60_000,
    });
    expect(await getJob(store.db, 'audit-model', audit.id)).toMatchObject({
      status: 'failed',
      error: INTERRUPTED['audit-model'],
    });
    expect((await getJob(store.db, 'trace', alive.id))?.status).toBe('running');
    expect((await getJob(store.db, 'trace', finished.id))?.status).toBe('done');

    // A runner that stops fails its own jobs, and no one else's.
    const other = job({ status: 'running', runner: 'node-b', heartbeat_at: T0 + 60_000 });
    await insertJob(store.db, other);
    expect(await failInterrupted(store.db, { runner: 'alive' }, T0 + 61_000)).toBe(1);
    expect((await getJob(store.db, 'trace', alive.id))?.status).toBe('failed');
    expect((await getJob(store.db, 'trace', other.id))?.status).toBe('running');
  });

  it('writes nothing for a job that is no longer running, and tells its runner', async () => {
    const j = job();
    await insertJob(store.db, j);
    expect(await startJob(store.db, j.id, T0 + 1)).toBe(true);
    expect(await startJob(store.db, j.id, T0 + 1)).toBe(false);
    expect(await recordTraceChunk(store.db, j.id, 1, [resultRow(0, false, 0.1)], T0 + 2)).toBe(true);
    await failInterrupted(store.db, { runner: 'node-a' }, T0 + 3);
    expect(await recordTraceChunk(store.db, j.id, 2, [resultRow(1, true, 0.9)], T0 + 4)).toBe(false);
    expect(await finishJob(store.db, j.id, { documents: 3 }, T0 + 5)).toBe(false);
    const after = await getJob(store.db, 'trace', j.id);
    expect(after).toMatchObject({ status: 'failed', done: 1, summary: null });
    expect((await bestResults(store.db, j.id, 10)).map((r) => r.seq)).toEqual([0]);
  });

  it('shows matches first, then by score, in upload order among equals', async () => {
    const j = job();
    await insertJob(store.db, j);
    await startJob(store.db, j.id, T0);
    const rows = [
      resultRow(0, false, 0.5),
      resultRow(1, true, 0.2),
      resultRow(2, false, 0.7),
      resultRow(3, true, 0.8),
      resultRow(4, true, 0.2),
    ];
    expect(await recordTraceChunk(store.db, j.id, 5, rows, T0)).toBe(true);
    expect((await bestResults(store.db, j.id, 4)).map((r) => r.seq)).toEqual([3, 1, 4, 2]);
  });

  it('keeps the newest jobs of a kind, deleting the oldest finished ones and their results', async () => {
    const kind = 'audit-model' as const;
    for (const j of await listJobs(store.db, kind))
      await store.db.deleteFrom('provenance_jobs').where('id', '=', j.id).execute();
    const oldRunning = job({ kind, id: 'audit_running', status: 'running', created_at: T0 - 10 });
    const oldest = job({ id: 'trace_oldest', status: 'done', created_at: T0 - 9 });
    await insertJob(store.db, oldRunning);
    await insertJob(store.db, oldest);
    await store.db
      .insertInto('provenance_job_results')
      .values({ job_id: oldest.id, ...resultRow(0, true, 1) })
      .execute();
    for (let i = 0; i < 4; i++)
      await insertJob(store.db, job({ kind, id: `audit_${i}_done`, status: 'done' }));
    await pruneFinishedJobs(store.db, kind, 3);
    // The running job stays however old it is; the two oldest finished ones go.
    expect((await listJobs(store.db, kind)).map((j) => j.id)).toEqual([
      'audit_3_done',
      'audit_2_done',
      'audit_running',
    ]);
    // Another kind is bounded on its own; deleting a job deletes its results.
    expect(await getJob(store.db, 'trace', oldest.id)).toBeDefined();
    const traces = (await listJobs(store.db, 'trace')).length;
    await pruneFinishedJobs(store.db, 'trace', traces - 1);
    expect(await getJob(store.db, 'trace', oldest.id)).toBeUndefined();
    const orphans = await store.db
      .selectFrom('provenance_job_results')
      .select('seq')
      .where('job_id', '=', oldest.id)
      .execute();
    expect(orphans).toEqual([]);
  });
});
