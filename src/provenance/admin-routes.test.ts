// The provenance job routes in process (app.inject) on both backends, for what needs a clock or a
// process boundary faked: a job its node stops during is failed as interrupted; a job a dead node left
// running is failed once its heartbeat is stale, while a live node's long job is not; the newest
// MAX_JOBS jobs are kept. (Restarts and a second node over HTTP: test/e2e/provenance-jobs.test.ts.)
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, testBackends } from '../../test/helpers/databases.js';
import { createAdminToken } from '../accounts/index.js';
import { configSchema } from '../config/config.js';
import { DeploymentSecret } from '../config/deployment-secret.js';
import { adminRoutes } from '../gateway/admin/index.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { MAX_JOBS, type ProvenanceRoutesOptions, registerProvenanceRoutes } from './admin-routes.js';
import { getJob, INTERRUPTED, insertJob, type JobRow } from './job-store.js';

const secret = new DeploymentSecret(Buffer.alloc(32, 7));

/** `count` distinct documents of about 60 words each. */
function dataset(count: number): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const words = Array.from({ length: 60 }, (_, k) => `w${(i * 7919 + k * 104_729) % 100_003}`);
    lines.push(JSON.stringify({ id: `doc-${i}`, text: words.join(' ') }));
  }
  return lines.join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe.each(testBackends())('provenance job routes on %s', (backend) => {
  let database: TestDatabase;
  let store: Store;
  let token: string;
  const apps: FastifyInstance[] = [];

  async function node(options: ProvenanceRoutesOptions = {}): Promise<FastifyInstance> {
    const context = { store, secret, config: configSchema.parse({}), onStateChange: () => {} };
    const app = Fastify();
    await app.register(
      async (admin) => {
        await adminRoutes(admin, { store, secret });
        await admin.register(async (scoped) => registerProvenanceRoutes(scoped, context, options));
      },
      { prefix: '/admin/v1' },
    );
    await app.ready();
    apps.push(app);
    return app;
  }

  const upload = (app: FastifyInstance, body: string) =>
    app.inject({
      method: 'POST',
      url: '/admin/v1/provenance/traces?name=big.jsonl',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      payload: body,
    });
  const get = (app: FastifyInstance, url: string) =>
    app.inject({ method: 'GET', url: `/admin/v1${url}`, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    store = await openStore(database.url);
    token = (await createAdminToken(store, { role: 'analyst' })).token;
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await store?.close();
    await database?.drop();
  });

  it('fails a job as interrupted when its node stops while it runs', async () => {
    const app = await node();
    const started = await upload(app, dataset(3000));
    expect(started.statusCode).toBe(202);
    const id = started.json().id as string;
    await app.close();
    const job = await getJob(store.db, 'trace', id);
    expect(job).toMatchObject({ status: 'failed', error: INTERRUPTED.trace });
    expect(job?.finished_at).toBeGreaterThan(0);
    // Its run stops at its next step and writes nothing more.
    await sleep(300);
    expect(await getJob(store.db, 'trace', id)).toEqual(job);
  });

  it("fails a dead node's job once its heartbeat is stale, never a live node's running job", async () => {
    const staleMs = 300;
    const app = await node({ heartbeatMs: 30, staleMs });
    const orphan: JobRow = {
      id: 'trace_orphan',
      kind: 'trace',
      name: 'left.jsonl',
      endpoint: null,
      status: 'running',
      done: 200,
      total: 1000,
      error: null,
      problems: '[]',
      summary: null,
      created_at: Date.now(),
      finished_at: null,
      created_by: 'admin:someone',
      runner: 'a-node-that-died',
      heartbeat_at: Date.now(),
    };
    await insertJob(store.db, orphan);
    // Fresh: its runner may still be alive.
    expect((await get(app, `/provenance/traces/${orphan.id}`)).json().status).toBe('running');
    const uploaded = Date.now();
    const live = (await upload(app, dataset(30_000))).json().id as string;
    // Poll both: the orphan turns failed; this node's own job is never failed, and is seen running
    // after a stale interval has passed.
    let orphanView = { status: 'running' };
    let liveSeenRunningWhenStale = false;
    for (let i = 0; i < 200 && orphanView.status !== 'failed'; i++) {
      await sleep(20);
      const jobs = (await get(app, '/provenance/traces')).json().traces as { id: string; status: string }[];
      orphanView = jobs.find((j) => j.id === orphan.id) ?? orphanView;
      const mine = jobs.find((j) => j.id === live);
      expect(mine?.status).not.toBe('failed');
      if (mine?.status === 'running' && Date.now() - uploaded > staleMs) liveSeenRunningWhenStale = true;
    }
    expect(orphanView).toMatchObject({ status: 'failed', error: INTERRUPTED.trace, done: 200 });
    expect(liveSeenRunningWhenStale).toBe(true);
    await app.close();
  });

  it(`keeps the newest ${MAX_JOBS} trace jobs, deleting the oldest finished ones`, async () => {
    await store.db.deleteFrom('provenance_jobs').execute();
    const old = Date.now() - 3_600_000;
    for (let i = 0; i < MAX_JOBS; i++)
      await insertJob(store.db, {
        id: `trace_old_${String(i).padStart(2, '0')}`,
        kind: 'trace',
        name: 'old.jsonl',
        endpoint: null,
        status: 'done',
        done: 1,
        total: 1,
        error: null,
        problems: '[]',
        summary: null,
        created_at: old + i,
        finished_at: old + i,
        created_by: 'admin:someone',
        runner: 'gone',
        heartbeat_at: old + i,
      });
    const app = await node();
    const id = (await upload(app, dataset(1))).json().id as string;
    const listed = (await get(app, '/provenance/traces')).json().traces as { id: string }[];
    expect(listed).toHaveLength(MAX_JOBS);
    expect(listed[0].id).toBe(id);
    expect(listed.map((j) => j.id)).not.toContain('trace_old_00');
    expect(listed.at(-1)?.id).toBe('trace_old_01');
    await app.close();
  });
});
