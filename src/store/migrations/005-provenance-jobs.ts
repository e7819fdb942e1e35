// Provenance jobs (owned by src/provenance/job-store.ts): the admin API's trace and model-audit jobs,
// shared by every gateway node and kept across restarts. A trace's per-document results are rows of a
// child table, appended chunk by chunk as the job runs, so a big upload never becomes one multi-MB
// value to rewrite or parse, and the job view reads only the rows it shows (best first, in SQL).
import type { Kysely } from 'kysely';
import type { DialectName } from '../store.js';
import { doubleType } from './column-types.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>, dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('provenance_jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // 'trace' | 'audit-model'
    .addColumn('kind', 'text', (c) => c.notNull())
    // the uploaded file's name (trace) or the audited model (audit-model)
    .addColumn('name', 'text', (c) => c.notNull())
    // the audited endpoint (audit-model only)
    .addColumn('endpoint', 'text')
    // 'queued' | 'running' | 'done' | 'failed'
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('done', 'integer', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('error', 'text')
    // JSON array of the upload's first problems ("line N: …")
    .addColumn('problems', 'text', (c) => c.notNull())
    // JSON: the trace's per-account summary, or the model audit's report
    .addColumn('summary', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('created_by', 'text', (c) => c.notNull())
    // the process running the job, and when it last said it was alive (see job-store.ts)
    .addColumn('runner', 'text', (c) => c.notNull())
    .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('provenance_jobs_kind')
    .on('provenance_jobs')
    .columns(['kind', 'created_at'])
    .execute();

  await db.schema
    .createTable('provenance_job_results')
    .addColumn('job_id', 'text', (c) => c.notNull().references('provenance_jobs.id').onDelete('cascade'))
    // the document's position in the upload
    .addColumn('seq', 'integer', (c) => c.notNull())
    // 1 when the document matched (match === true), else 0
    .addColumn('matched', 'integer', (c) => c.notNull())
    .addColumn('score', doubleType(dialect), (c) => c.notNull())
    // JSON: the TraceResult (with detail; its first three matches, all that views and reports show)
    .addColumn('result', 'text', (c) => c.notNull())
    // the document's text: whole when it matched (the report highlights it), else the part a view shows
    .addColumn('text', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('provenance_job_results_pk', ['job_id', 'seq'])
    .execute();
  await db.schema
    .createIndex('provenance_job_results_best')
    .on('provenance_job_results')
    .columns(['job_id', 'matched', 'score'])
    .execute();
}
