// Provenance jobs for the dashboard: upload a suspect dataset (the DESIGN.md text-file contract) and
// trace it against the registry in the background with progress; read the per-account summary, the
// matched spans beside the served text, and the HTML report; run model audits (audit-model) the same
// way. Jobs live in this process's memory (they are re-runnable and their inputs are the upload), so
// a restart forgets them; the registry they read is durable.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { WardenError } from '../errors.js';
import { actorOf, adminIdentity, READ_ROLES } from '../gateway/admin/auth.js';
import { errorResponses } from '../gateway/admin/schemas.js';
import type { AdminPluginContext, AdminPluginFactory } from '../gateway/admin-plugin.js';
import { listCanaries } from './canaries.js';
import { openRegistry } from './registry/registry.js';
import { renderTraceReport } from './report/index.js';
import { summarizeTrace } from './summary.js';
import { parseTextFile, type TextDocument } from './text-file/index.js';
import type { TraceResult, TraceSummary } from './types.js';

const TRACE_ROLES = ['analyst', 'admin'] as const;
/** Largest dataset accepted in one upload. */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;
/** Jobs kept in memory; the oldest finished ones are dropped first. */
const MAX_JOBS = 50;
/** Documents traced per step, so progress moves and the event loop breathes. */
const TRACE_CHUNK = 200;
/** Results sent with a job (the HTML report has them all). */
const RESULTS_SHOWN = 500;
const TEXT_SHOWN = 4000;

type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface TraceJob {
  id: string;
  name: string;
  status: JobStatus;
  done: number;
  total: number;
  error: string | null;
  problems: string[];
  created_at: string;
  finished_at: string | null;
  created_by: string;
  documents: TextDocument[];
  results: TraceResult[];
  summary: TraceSummary | null;
}

export interface AuditJob {
  id: string;
  status: JobStatus;
  endpoint: string;
  model: string;
  done: number;
  total: number;
  created_at: string;
  created_by: string;
  error: string | null;
  verdict: string | null;
  report: Record<string, unknown> | null;
}

function jobId(prefix: string): string {
  return `${prefix}_${randomBytes(9).toString('base64url')}`;
}

function keepRecent<T extends { status: JobStatus }>(jobs: Map<string, T>): void {
  if (jobs.size <= MAX_JOBS) return;
  for (const [id, job] of jobs) {
    if (jobs.size <= MAX_JOBS) break;
    if (job.status === 'done' || job.status === 'failed') jobs.delete(id);
  }
}

function traceJobView(job: TraceJob, withResults: boolean) {
  const textOf = new Map(job.documents.map((d) => [d.id, d.text]));
  return {
    id: job.id,
    name: job.name,
    status: job.status,
    done: job.done,
    total: job.total,
    error: job.error,
    problems: job.problems,
    created_at: job.created_at,
    finished_at: job.finished_at,
    created_by: job.created_by,
    summary: job.summary,
    ...(withResults
      ? {
          results: [...job.results]
            .sort((a, b) => Number(b.match === true) - Number(a.match === true) || b.score - a.score)
            .slice(0, RESULTS_SHOWN)
            .map((r) => ({
              id: r.id,
              match: r.match,
              account: r.account,
              score: r.score,
              coverage: r.coverage,
              fpr: r.fpr,
              accounts: r.accounts,
              text: (textOf.get(r.id) ?? '').slice(0, TEXT_SHOWN),
              matches: r.matches.slice(0, 3).map((m) => ({
                output: m.output,
                account: m.account,
                servedAt: m.servedAt,
                score: m.score,
                coverage: m.coverage,
                documentSpans: m.documentSpans?.filter(([s]) => s < TEXT_SHOWN),
                servedText: m.servedText?.slice(0, TEXT_SHOWN),
                servedSpans: m.servedSpans?.filter(([s]) => s < TEXT_SHOWN),
              })),
            })),
        }
      : {}),
  };
}

async function runTrace(context: AdminPluginContext, job: TraceJob): Promise<void> {
  const registry = await openRegistry(context.store, context.secret, {
    retentionDays: context.config.provenance.retention_days,
  });
  try {
    job.status = 'running';
    for (let i = 0; i < job.documents.length; i += TRACE_CHUNK) {
      const chunk = job.documents.slice(i, i + TRACE_CHUNK).map((d) => ({ id: d.id, text: d.text }));
      const results = await registry.trace(chunk, { detail: true });
      job.results.push(...results);
      job.done = Math.min(job.total, i + chunk.length);
      await new Promise((resolve) => setImmediate(resolve));
    }
    job.summary = summarizeTrace(job.results);
    job.status = 'done';
  } finally {
    job.finished_at = new Date().toISOString();
    await registry.close();
  }
}

async function runAudit(
  context: AdminPluginContext,
  job: AuditJob,
  apiKey: string | undefined,
): Promise<void> {
  // Imported when used: audit-model pulls in the prober and statistics, which the gateway does not need otherwise.
  const { auditModel } = await import('./audit-model/index.js');
  job.status = 'running';
  const canaries = await listCanaries(context.store, { limit: 200 });
  const result = await auditModel({
    endpoint: job.endpoint,
    apiKey,
    model: job.model,
    canaries: canaries.map((c) => ({ id: c.id, prompt: c.prompt, output: c.output })),
    references: [],
    samples: 50,
    onProgress: (done, total) => {
      job.done = done;
      job.total = total;
    },
  });
  job.verdict = result.verdict;
  job.report = {
    verdict: result.verdict,
    reasons: result.reasons,
    self_identification: result.self_identification,
    canary_test: result.canary_test,
    probes: result.probes,
  };
  job.status = 'done';
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

export function registerProvenanceRoutes(app: FastifyInstance, context: AdminPluginContext): void {
  const traces = new Map<string, TraceJob>();
  const audits = new Map<string, AuditJob>();

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
      const job: TraceJob = {
        id: jobId('trace'),
        name,
        status: 'queued',
        done: 0,
        total: parsed.documents.length,
        error: null,
        problems: parsed.problems.slice(0, 20).map((p) => `line ${p.line}: ${p.message}`),
        created_at: new Date().toISOString(),
        finished_at: null,
        created_by: actorOf(adminIdentity(request)),
        documents: parsed.documents,
        results: [],
        summary: null,
      };
      traces.set(job.id, job);
      keepRecent(traces);
      runTrace(context, job).catch((error: Error) => {
        job.status = 'failed';
        job.error = error.message;
      });
      return reply.code(202).send(traceJobView(job, false));
    },
  );

  app.get('/provenance/traces', { config: { allow: READ_ROLES } }, async () => ({
    traces: [...traces.values()].reverse().map((job) => traceJobView(job, false)),
  }));

  app.get<{ Params: { id: string } }>(
    '/provenance/traces/:id',
    { config: { allow: READ_ROLES }, schema: { params: jobParams } },
    async (request) => {
      const job = traces.get(request.params.id);
      if (!job) throw new WardenError('ADMIN_NOT_FOUND', { what: 'trace job', id: request.params.id });
      return traceJobView(job, job.status === 'done');
    },
  );

  app.get<{ Params: { id: string } }>(
    '/provenance/traces/:id/report',
    { config: { allow: READ_ROLES }, schema: { params: jobParams } },
    async (request, reply) => {
      const job = traces.get(request.params.id);
      if (!job) throw new WardenError('ADMIN_NOT_FOUND', { what: 'trace job', id: request.params.id });
      if (job.status !== 'done')
        throw new WardenError('ADMIN_CONFLICT', { detail: `trace job ${job.id} is ${job.status}, not done` });
      const html = renderTraceReport(job.results, {
        documents: job.documents,
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
      const job: AuditJob = {
        id: jobId('audit'),
        status: 'queued',
        endpoint: url.toString(),
        model: request.body.model,
        done: 0,
        total: 0,
        created_at: new Date().toISOString(),
        created_by: actorOf(adminIdentity(request)),
        error: null,
        verdict: null,
        report: null,
      };
      audits.set(job.id, job);
      keepRecent(audits);
      // The suspect's API key is used for this run only and never stored or returned.
      runAudit(context, job, request.body.api_key).catch((error: Error) => {
        job.status = 'failed';
        job.error = error.message;
      });
      return reply.code(202).send(job);
    },
  );

  app.get('/provenance/audits', { config: { allow: READ_ROLES } }, async () => ({
    audits: [...audits.values()].reverse(),
  }));

  app.get<{ Params: { id: string } }>(
    '/provenance/audits/:id',
    { config: { allow: READ_ROLES }, schema: { params: jobParams } },
    async (request) => {
      const job = audits.get(request.params.id);
      if (!job) throw new WardenError('ADMIN_NOT_FOUND', { what: 'model audit', id: request.params.id });
      return job;
    },
  );
}

/** The admin plugin factory (listed in src/runtime/admin-plugins.ts). */
export const provenanceAdminPlugin: AdminPluginFactory = (context) =>
  async function provenanceRoutes(app) {
    // A child context, so the dataset content-type parsers apply to these routes only.
    await app.register(async (scoped) => registerProvenanceRoutes(scoped, context));
  };
