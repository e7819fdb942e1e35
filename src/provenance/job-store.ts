// The admin API's provenance jobs in the Store (tables of migration 005-provenance-jobs), so that every
// gateway node sees them and a restart keeps them. A job belongs to the process that runs it (its
// `runner`), which refreshes `heartbeat_at` while it works; a queued or running job whose heartbeat has
// gone stale was left by a process that died, and is failed as interrupted (never left "running").
// Every write of a running job is conditional on its status, so once a job is failed (or deleted) by
// another process its runner's later writes change nothing and tell it to stop.
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Database } from '../store/schema.js';
import type { ProvenanceJobResultsTable, ProvenanceJobsTable } from '../store/tables/provenance.js';

export type JobKind = ProvenanceJobsTable['kind'];
export type JobStatus = ProvenanceJobsTable['status'];
export type JobRow = Selectable<ProvenanceJobsTable>;
export type JobResultRow = Pick<ProvenanceJobResultsTable, 'seq' | 'result' | 'text'>;

/** The error of a job whose process stopped or died while it was queued or running. */
export const INTERRUPTED: Record<JobKind, string> = {
  trace: 'interrupted: the gateway restarted while this job ran; upload it again',
  'audit-model': 'interrupted: the gateway restarted while this job ran; start the audit again',
};

const ACTIVE: JobStatus[] = ['queued', 'running'];
const FINISHED: JobStatus[] = ['done', 'failed'];

export function isActive(job: Pick<JobRow, 'status'>): boolean {
  return ACTIVE.includes(job.status);
}

/** Whether a queued or running job's runner has stopped saying it is alive. */
export function isStale(job: Pick<JobRow, 'status' | 'heartbeat_at'>, now: number, staleMs: number): boolean {
  return isActive(job) && job.heartbeat_at < now - staleMs;
}

export async function insertJob(db: Kysely<Database>, job: JobRow): Promise<void> {
  await db.insertInto('provenance_jobs').values(job).execute();
}

/**
 * Applies `changes` to the job only while it has `status`; false (nothing written) when it has not:
 * another process failed it as interrupted, or it was deleted.
 */
async function updateWhile(
  db: Kysely<Database>,
  id: string,
  status: JobStatus,
  changes: Updateable<ProvenanceJobsTable>,
): Promise<boolean> {
  const result = await db
    .updateTable('provenance_jobs')
    .set(changes)
    .where('id', '=', id)
    .where('status', '=', status)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** queued → running; false when the job is no longer queued (failed as interrupted, or deleted). */
export function startJob(db: Kysely<Database>, id: string, now: number): Promise<boolean> {
  return updateWhile(db, id, 'queued', { status: 'running', heartbeat_at: now });
}

/** Progress of a running job; false when it is no longer running. */
export function recordProgress(
  db: Kysely<Database>,
  id: string,
  progress: { done: number; total: number },
  now: number,
): Promise<boolean> {
  return updateWhile(db, id, 'running', { ...progress, heartbeat_at: now });
}

/**
 * One traced chunk of a trace job: its result rows and the progress, in one transaction; false (and
 * nothing written) when the job is no longer running.
 */
export async function recordTraceChunk(
  db: Kysely<Database>,
  id: string,
  done: number,
  rows: Omit<ProvenanceJobResultsTable, 'job_id'>[],
  now: number,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    if (!(await updateWhile(trx, id, 'running', { done, heartbeat_at: now }))) return false;
    if (rows.length > 0)
      await trx
        .insertInto('provenance_job_results')
        .values(rows.map((row) => ({ job_id: id, ...row })))
        .execute();
    return true;
  });
}

export function finishJob(db: Kysely<Database>, id: string, summary: unknown, now: number): Promise<boolean> {
  return updateWhile(db, id, 'running', {
    status: 'done',
    summary: JSON.stringify(summary),
    finished_at: now,
    heartbeat_at: now,
  });
}

export async function failJob(db: Kysely<Database>, id: string, error: string, now: number): Promise<void> {
  await db
    .updateTable('provenance_jobs')
    .set({ status: 'failed', error, finished_at: now })
    .where('id', '=', id)
    .where('status', 'in', ACTIVE)
    .execute();
}

/** Keeps the jobs a live runner still works on from going stale. */
export async function heartbeat(db: Kysely<Database>, runner: string, now: number): Promise<void> {
  await db
    .updateTable('provenance_jobs')
    .set({ heartbeat_at: now })
    .where('runner', '=', runner)
    .where('status', 'in', ACTIVE)
    .execute();
}

/**
 * Fails as interrupted the queued and running jobs of one runner (`runner`, when it stops) or of every
 * runner that has not sent a heartbeat for `staleMs` (`staleMs`, a process that died). Returns how many.
 */
export async function failInterrupted(
  db: Kysely<Database>,
  which: { runner: string } | { staleMs: number },
  now: number,
): Promise<number> {
  let failed = 0;
  for (const kind of Object.keys(INTERRUPTED) as JobKind[]) {
    let query = db
      .updateTable('provenance_jobs')
      .set({ status: 'failed', error: INTERRUPTED[kind], finished_at: now })
      .where('kind', '=', kind)
      .where('status', 'in', ACTIVE);
    query =
      'runner' in which
        ? query.where('runner', '=', which.runner)
        : query.where('heartbeat_at', '<', now - which.staleMs);
    failed += Number((await query.executeTakeFirst()).numUpdatedRows);
  }
  return failed;
}

/** Deletes the oldest finished jobs of a kind (and their results) beyond the newest `keep` jobs. */
export async function pruneFinishedJobs(db: Kysely<Database>, kind: JobKind, keep: number): Promise<void> {
  const { count } = await db
    .selectFrom('provenance_jobs')
    .select((eb) => eb.fn.countAll().as('count'))
    .where('kind', '=', kind)
    .executeTakeFirstOrThrow();
  const excess = Number(count) - keep;
  if (excess <= 0) return;
  const oldest = await db
    .selectFrom('provenance_jobs')
    .select('id')
    .where('kind', '=', kind)
    .where('status', 'in', FINISHED)
    .orderBy('created_at')
    .orderBy('id')
    .limit(excess)
    .execute();
  // The results go with their job (ON DELETE CASCADE).
  if (oldest.length > 0)
    await db
      .deleteFrom('provenance_jobs')
      .where(
        'id',
        'in',
        oldest.map((row) => row.id),
      )
      .execute();
}

/** The jobs of a kind, newest first. */
export async function listJobs(db: Kysely<Database>, kind: JobKind): Promise<JobRow[]> {
  return db
    .selectFrom('provenance_jobs')
    .selectAll()
    .where('kind', '=', kind)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

export async function getJob(db: Kysely<Database>, kind: JobKind, id: string): Promise<JobRow | undefined> {
  return db
    .selectFrom('provenance_jobs')
    .selectAll()
    .where('kind', '=', kind)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** A trace job's results, matches first and then by score (upload order among equals), up to `limit`. */
export async function bestResults(db: Kysely<Database>, id: string, limit: number): Promise<JobResultRow[]> {
  return db
    .selectFrom('provenance_job_results')
    .select(['seq', 'result', 'text'])
    .where('job_id', '=', id)
    .orderBy('matched', 'desc')
    .orderBy('score', 'desc')
    .orderBy('seq')
    .limit(limit)
    .execute();
}

/** All of a trace job's results, in upload order. */
export async function allResults(db: Kysely<Database>, id: string): Promise<JobResultRow[]> {
  return db
    .selectFrom('provenance_job_results')
    .select(['seq', 'result', 'text'])
    .where('job_id', '=', id)
    .orderBy('seq')
    .execute();
}
