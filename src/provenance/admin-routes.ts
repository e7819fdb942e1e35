// Provenance jobs for the dashboard: upload a suspect dataset (the DESIGN.md text-file contract) and
// trace it against the registry in the background with progress; read the per-account summary, the
// matched spans beside the served text, and the HTML report; run model audits (audit-model) the same
// way. Jobs live in the Store (job-store.ts), so every gateway node sees them and a restart keeps
// them; the node that accepted a job runs it, and a job its node stopped or died during is failed as
// interrupted (its input is the upload, which is not kept: it is uploaded again).
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { WardenError } from '../errors.js';
import { actorOf, adminIdentity, READ_ROLES } from '../gateway/admin/auth.js';
import { errorResponses } from '../gateway/admin/schemas.js';
import type { AdminPluginContext, AdminPluginFactory } from '../gateway/admin-plugin.js';
import { listCanaries } from './canaries.js';
import {
  allResults,
  bestResults,
  failInterrupted,
  failJob,
  finishJob,
  getJob,
  heartbeat,
  insertJob,
  isStale,
  type JobKind,
  type JobResultRow,
  type JobRow,
  listJobs,
  pruneFinishedJobs,
  recordProgress,
  recordTraceChunk,
  startJob,
} from './job-store.js';
import { openRegistry } from './registry/registry.js';
import { renderTraceReport } from './report/index.js';
import { summarizeTrace } from './summary.js';
import { parseTextFile, type TextDocument } from './text-file/index.js';
import type { TraceResult, TraceSummary } from './types.js';

const TRACE_ROLES = ['analyst', 'admin'] as const;
/** Largest dataset accepted in one upload. */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;
/** Jobs kept of each kind; the oldest finished ones are deleted first. */
export const MAX_JOBS = 50;
/** Documents traced per step, so progress moves and the event loop breathes. */
const TRACE_CHUNK = 200;
/** Results sent with a job (the HTML report has them all). */
const RESULTS_SHOWN = 500;
const TEXT_SHOWN = 4000;
/** Matches kept per result: all that the job view and the report show. */
const MATCHES_KEPT = 3;
/** How often a node refreshes the heartbeat of the jobs it runs. */
const HEARTBEAT_MS = 10_000;
/**
 * A queued or running job without a heartbeat for this long was left by a process that died. Several
 * missed heartbeats, so that a busy event loop (the registry building its index) is not taken for death.
 */
const STALE_MS = 90_000;

export interface ProvenanceRoutesOptions {
  /** How often this node refreshes the heartbeat of the jobs it runs (ms). */
  heartbeatMs?: number;
  /** A queued or running job whose heartbeat is older than this is failed as interrupted (ms). */
  staleMs?: number;
}

function jobId(prefix: string): string {
  return `${prefix}_${randomBytes(9).toString('base64url')}`;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(Number(ms)).toISOString();
}

function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

function traceJobView(job: JobRow, results?: JobResultRow[]) {
  return {
    id: job.id,
    name: job.name,
    status: job.status,
    done: job.done,
    total: job.total,
    error: job.error,
    problems: JSON.parse(job.problems) as string[],
    created_at: iso(job.created_at),
    finished_at: iso(job.finished_at),
    created_by: job.created_by,
    summary: parseJson<TraceSummary>(job.summary),
    ...(results
      ? {
          results: results.map((row) => {
            const r = JSON.parse(row.result) as TraceResult;
            return {
              id: r.id,
              match: r.match,
              account: r.account,
              score: r.score,
              coverage: r.coverage,
              fpr: r.fpr,
              accounts: r.accounts,
              text: row.text.slice(0, TEXT_SHOWN),
              matches: r.matches.slice(0, MATCHES_KEPT).map((m) => ({
                output: m.output,
                account: m.account,
                servedAt: m.servedAt,
                score: m.score,
                coverage: m.coverage,
                documentSpans: m.documentSpans?.filter(([s]) => s < TEXT_SHOWN),
                servedText: m.servedText?.slice(0, TEXT_SHOWN),
                servedSpans: m.servedSpans?.filter(([s]) => s < TEXT_SHOWN),
              })),
            };
          }),
        }
      : {}),
  };
}

function auditJobView(job: JobRow) {
  const report = parseJson<Record<string, unknown>>(job.summary);
  return {
    id: job.id,
    status: job.status,
    endpoint: job.endpoint ?? '',
    model: job.name,
    done: job.done,
    total: job.total,
    created_at: iso(job.created_at),
    created_by: job.created_by,
    error: job.error,
    verdict: typeof report?.verdict === 'string' ? report.verdict : null,
    report,
  };
}

const nameQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { name: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

const jobParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

export async function registerProvenanceRoutes(
  app: FastifyInstance,
  context: AdminPluginContext,
  { heartbeatMs = HEARTBEAT_MS, staleMs = STALE_MS }: ProvenanceRoutesOptions = {},
): Promise<void> {
  const { db } = context.store;
  /** This process, as the runner of the jobs it accepts (the host and pid help an operator reading the table). */
  const runner = `${hostname()}:${process.pid}:${randomBytes(6).toString('base64url')}`;
  /** Jobs this process is running. */
  const running = new Set<string>();
  let closing = false;

  // Jobs a previous process left queued or running (it died: no heartbeat for staleMs) are failed now;
  // those of a process that stopped cleanly were failed as it stopped (the onClose hook below).
  await failInterrupted(db, { staleMs }, Date.now());
  const beat = setInterval(() => {
    if (running.size === 0) return;
    heartbeat(db, runner, Date.now()).catch((error: Error) =>
      app.log.warn({ err: error }, 'could not refresh the heartbeat of provenance jobs'),
    );
  }, heartbeatMs);
  beat.unref();
  app.addHook('onClose', async () => {
    closing = true;
    clearInterval(beat);
    if (running.size > 0)
      await failInterrupted(db, { runner }, Date.now()).catch((error: Error) =>
        app.log.warn({ err: error }, 'could not mark the running provenance jobs interrupted'),
      );
  });

  /** Runs a job in the background; a failure is recorded on the job (unless it stopped running). */
  function runInBackground(id: string, run: () => Promise<void>): void {
    running.add(id);
    run()
      .catch((error: Error) =>
        failJob(db, id, error.message, Date.now()).catch((failure: Error) =>
          app.log.warn({ err: failure, job: id }, 'could not record a provenance job failure'),
        ),
      )
      .finally(() => running.delete(id));
  }

  async function runTrace(id: string, documents: TextDocument[]): Promise<void> {
    const registry = await openRegistry(context.store, context.secret, {
      retentionDays: context.config.provenance.retention_days,
    });
    try {
      if (!(await startJob(db, id, Date.now()))) return;
      const results: TraceResult[] = [];
      for (let i = 0; i < documents.length; i += TRACE_CHUNK) {
        // Stopping: the onClose hook marks the job interrupted.
        if (closing) return;
        const chunk = documents.slice(i, i + TRACE_CHUNK);
        const traced = await registry.trace(
          chunk.map((d) => ({ id: d.id, text: d.text })),
          { detail: true },
        );
        results.push(...traced);
        const rows = traced.map((r, k) => ({
          seq: i + k,
          matched: r.match === true ? 1 : 0,
          score: r.score,
          result: JSON.stringify({ ...r, matches: r.matches.slice(0, MATCHES_KEPT) }),
          // The report highlights a matched document whole; a view shows the start of any other.
          text: r.match === true ? chunk[k].text : chunk[k].text.slice(0, TEXT_SHOWN),
        }));
        const done = Math.min(documents.length, i + chunk.length);
        // Not running any more: failed as interrupted by another process, or deleted.
        if (!(await recordTraceChunk(db, id, done, rows, Date.now()))) return;
        await new Promise((resolve) => setImmediate(resolve));
      }
      await finishJob(db, id, summarizeTrace(results), Date.now());
    } finally {
      await registry.close();
    }
  }

  async function runAudit(
    id: string,
    input: { endpoint: string; model: string; apiKey: string | undefined },
  ): Promise<void> {
    // Imported when used: audit-model pulls in the prober and statistics, which the gateway does not need otherwise.
    const { auditModel } = await import('./audit-model/index.js');
    if (!(await startJob(db, id, Date.now()))) return;
    const canaries = await listCanaries(context.store, { limit: 200 });
    // Progress is written in order, one update at a time; a failed write only loses a progress step.
    let progress = Promise.resolve();
    const result = await auditModel({
      endpoint: input.endpoint,
      apiKey: input.apiKey,
      model: input.model,
      canaries: canaries.map((c) => ({ id: c.id, prompt: c.prompt, output: c.output })),
      references: [],
      samples: 50,
      onProgress: (done, total) => {
        progress = progress
          .then(() => recordProgress(db, id, { done, total }, Date.now()))
          .then(
            () => undefined,
            () => undefined,
          );
      },
    });
    await progress;
    await finishJob(
      db,
      id,
      {
        verdict: result.verdict,
        reasons: result.reasons,
        self_identification: result.self_identification,
        canary_test: result.canary_test,
        probes: result.probes,
      },
      Date.now(),
    );
  }

  /** The jobs of a kind, with those a dead process left running failed first. */
  async function jobsOf(kind: JobKind): Promise<JobRow[]> {
    const now = Date.now();
    const jobs = await listJobs(db, kind);
    if (!jobs.some((job) => isStale(job, now, staleMs))) return jobs;
    await failInterrupted(db, { staleMs }, now);
    return listJobs(db, kind);
  }

  async function jobOf(kind: JobKind, id: string): Promise<JobRow> {
    const now = Date.now();
    let job = await getJob(db, kind, id);
    if (job && isStale(job, now, staleMs)) {
      await failInterrupted(db, { staleMs }, now);
      job = await getJob(db, kind, id);
    }
    if (!job)
      throw new WardenError('ADMIN_NOT_FOUND', {
        what: kind === 'trace' ? 'trace job' : 'model audit',
        id,
      });
    return job;
  }

  /** A new job row of this process. */
  function newJob(
    kind: JobKind,
    fields: Pick<JobRow, 'id' | 'name' | 'endpoint' | 'total' | 'problems' | 'created_by'>,
  ): JobRow {
    const now = Date.now();
    return {
      kind,
      status: 'queued',
      done: 0,
      error: null,
      summary: null,
      created_at: now,
      finished_at: null,
      runner,
      heartbeat_at: now,
      ...fields,
    };
  }

  // Datasets arrive as the raw file (JSONL, JSON or text), not as JSON to parse.
  for (const type of ['application/octet-stream', 'text/plain', 'application/x-ndjson', 'application/jsonl'])
    app.addContentTypeParser(
      type,
      { parseAs: 'string', bodyLimit: MAX_UPLOAD_BYTES },
      (_request, body, done) => done(null, body),
    );

  app.post<{ Querystring: { name?: string }; Body: string }>(
    '/provenance/traces',
    {
      config: { allow: TRACE_ROLES },
      bodyLimit: MAX_UPLOAD_BYTES,
      schema: { querystring: nameQuery, response: errorResponses },
    },
    async (request, reply) => {
      const name = request.query.name ?? 'dataset.jsonl';
      const body = typeof request.body === 'string' ? request.body : (request.rawBody ?? '');
      if (body.trim() === '')
        throw new WardenError('ADMIN_INVALID', { detail: 'the uploaded dataset is empty' });
      const parsed = parseTextFile(name, body);
      if (parsed.documents.length === 0) {
        const first = parsed.problems[0];
        throw new WardenError('ADMIN_INVALID', {
          detail: first
            ? `${name} has no document to trace: line ${first.line}: ${first.message}`
            : `${name} has no document to trace`,
        });
      }
      const job = newJob('trace', {
        id: jobId('trace'),
        name,
        endpoint: null,
        total: parsed.documents.length,
        problems: JSON.stringify(parsed.problems.slice(0, 20).map((p) => `line ${p.line}: ${p.message}`)),
        created_by: actorOf(adminIdentity(request)),
      });
      await insertJob(db, job);
      await pruneFinishedJobs(db, 'trace', MAX_JOBS);
      // The documents stay in this process's memory while the job runs; only results are stored.
      runInBackground(job.id, () => runTrace(job.id, parsed.documents));
      return reply.code(202).send(traceJobView(job));
    },
  );

  app.get('/provenance/traces', { config: { allow: READ_ROLES } }, async () => ({
    traces: (await jobsOf('trace')).map((job) => traceJobView(job)),
  }));

  app.get<{ Params: { id: string } }>(
    '/provenance/traces/:id',
    { config: { allow: READ_ROLES }, schema: { params: jobParams } },
    async (request) => {
      const job = await jobOf('trace', request.params.id);
      return traceJobView(
        job,
        job.status === 'done' ? await bestResults(db, job.id, RESULTS_SHOWN) : undefined,
      );
    },
  );

  app.get<{ Params: { id: string } }>(
    '/provenance/traces/:id/report',
    { config: { allow: READ_ROLES }, schema: { params: jobParams } },
    async (request, reply) => {
      const job = await jobOf('trace', request.params.id);
      if (job.status !== 'done')
        throw new WardenError('ADMIN_CONFLICT', { detail: `trace job ${job.id} is ${job.status}, not done` });
      const rows = await allResults(db, job.id);
      const results = rows.map((row) => JSON.parse(row.result) as TraceResult);
      const html = renderTraceReport(results, {
        documents: rows.map((row, i) => ({ id: results[i].id, text: row.text })),
        title: `Trace of ${job.name}`,
      });
      return reply
        .header('content-type', 'text/html; charset=utf-8')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
        .header('content-disposition', `attachment; filename="trace-${job.id}.html"`)
        .send(html);
    },
  );

  app.post<{ Body: { endpoint: string; model: string; api_key?: string } }>(
    '/provenance/audits',
    {
      config: { allow: TRACE_ROLES },
      schema: {
        body: {
          type: 'object',
          required: ['endpoint', 'model'],
          additionalProperties: false,
          properties: {
            endpoint: { type: 'string', minLength: 1, maxLength: 2000 },
            model: { type: 'string', minLength: 1, maxLength: 200 },
            api_key: { type: 'string', minLength: 1, maxLength: 500 },
          },
        },
        response: errorResponses,
      },
    },
    async (request, reply) => {
      let url: URL;
      try {
        url = new URL(request.body.endpoint);
      } catch {
        throw new WardenError('ADMIN_INVALID', {
          detail: `endpoint "${request.body.endpoint}" is not a URL`,
        });
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new WardenError('ADMIN_INVALID', { detail: 'endpoint must be an http(s) URL' });
      const job = newJob('audit-model', {
        id: jobId('audit'),
        name: request.body.model,
        endpoint: url.toString(),
        total: 0,
        problems: '[]',
        created_by: actorOf(adminIdentity(request)),
      });
      await insertJob(db, job);
      await pruneFinishedJobs(db, 'audit-model', MAX_JOBS);
      // The suspect's API key is used for this run only and never stored or returned.
      const input = { endpoint: url.toString(), model: request.body.model, apiKey: request.body.api_key };
      runInBackground(job.id, () => runAudit(job.id, input));
      return reply.code(202).send(auditJobView(job));
    },
  );

  app.get('/provenance/audits', { config: { allow: READ_ROLES } }, async () => ({
    audits: (await jobsOf('audit-model')).map(auditJobView),
  }));

  app.get<{ Params: { id: string } }>(
    '/provenance/audits/:id',
    { config: { allow: READ_ROLES }, schema: { params: jobParams } },
    async (request) => auditJobView(await jobOf('audit-model', request.params.id)),
  );
}

/** The admin plugin factory (listed in src/runtime/admin-plugins.ts). */
export const provenanceAdminPlugin: AdminPluginFactory = (context) =>
  async function provenanceRoutes(app) {
    // A child context, so the dataset content-type parsers apply to these routes only.
    await app.register(async (scoped) => registerProvenanceRoutes(scoped, context));
  };
