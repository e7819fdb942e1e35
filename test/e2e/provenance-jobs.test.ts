// Provenance jobs are stored, end to end against real `warden serve` processes over HTTP: a trace job
// and its report outlive a restart on SQLite; on PostgreSQL a second node lists and reads the jobs the
// first one ran; a job its node stopped during (SIGTERM) or died during (SIGKILL) reads as failed,
// interrupted, never as running forever.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createAdminToken } from '../../src/accounts/index.js';
import { DeploymentSecret } from '../../src/config/deployment-secret.js';
import { getJob, INTERRUPTED } from '../../src/provenance/job-store.js';
import { openRegistry } from '../../src/provenance/registry/registry.js';
import { openStore } from '../../src/store/open-store.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { type RunningServer, startServer } from '../helpers/server.js';

const SECRET = randomBytes(32).toString('hex');
const env = { WARDEN_SECRET: SECRET };
const SERVED =
  'The lighthouse keeper climbed the spiral stairs every evening at dusk, counting the one hundred and ' +
  'twelve steps aloud, polishing the great lens with a soft cloth, trimming the wick, and writing the ' +
  'weather, the ships that passed and the colour of the sea into a leather logbook that his grandfather ' +
  'had started sixty years before, in a hand so small that the pages seemed to be covered in frost.';
const DATASET = [
  JSON.stringify({ id: 'copied', text: SERVED.replace('lighthouse keeper', 'keeper').slice(0, 300) }),
  JSON.stringify({
    id: 'fresh',
    text: 'Bread rises because yeast ferments sugars and releases carbon dioxide that the gluten network traps while the dough rests in a warm kitchen for an hour or two before baking.',
  }),
].join('\n');

/** `count` distinct documents of about 60 words each: a job that runs for a while. */
function bigDataset(count: number): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const words = Array.from({ length: 60 }, (_, k) => `w${(i * 7919 + k * 104_729) % 100_003}`);
    lines.push(JSON.stringify({ id: `doc-${i}`, text: words.join(' ') }));
  }
  return lines.join('\n');
}

/** An account that was served SERVED (in the registry), and an analyst token; returns the token. */
async function seed(url: string): Promise<string> {
  const store = await openStore(url);
  try {
    const account = await createAccount(store, { name: 'busy' });
    const registry = await openRegistry(store, new DeploymentSecret(Buffer.from(SECRET, 'hex')));
    await registry.ingest([
      {
        id: 'out_1',
        accountId: account.id,
        keyId: null,
        channel: 'direct',
        endCustomer: null,
        ts: Date.now(),
        prompt: 'tell me a story',
        text: SERVED,
      },
    ]);
    await registry.close();
    return (await createAdminToken(store, { role: 'analyst' })).token;
  } finally {
    await store.close();
  }
}

function client(token: string) {
  return async function admin(server: RunningServer, method: string, path: string, body?: string | object) {
    const raw = typeof body === 'string';
    return fetch(`${server.url}/admin/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': raw ? 'application/x-ndjson' : 'application/json' }),
      },
      body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
    });
  };
}

type Admin = ReturnType<typeof client>;
type Job = { id: string; status: string; done: number; total: number; error: string | null };

async function waitFinished(admin: Admin, server: RunningServer, path: string): Promise<Job> {
  let job = (await (await admin(server, 'GET', path)).json()) as Job;
  for (let i = 0; i < 300 && job.status !== 'done' && job.status !== 'failed'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    job = (await (await admin(server, 'GET', path)).json()) as Job;
  }
  return job;
}

describe('provenance jobs on SQLite across restarts', () => {
  let dir: string;
  let db: string;
  let admin: Admin;
  let server: RunningServer | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-provenance-jobs-'));
    db = `sqlite:${join(dir, 'warden.db')}`;
    admin = client(await seed(db));
  }, 60_000);
  afterAll(async () => {
    await server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a finished trace job, its results and its report through a restart', async () => {
    server = await startServer({ db, env });
    const upload = await admin(server, 'POST', '/provenance/traces?name=suspect.jsonl', DATASET);
    expect(upload.status).toBe(202);
    const { id } = (await upload.json()) as Job;
    const before = await waitFinished(admin, server, `/provenance/traces/${id}`);
    expect(before).toMatchObject({ status: 'done', done: 2, total: 2 });
    const beforeList = await (await admin(server, 'GET', '/provenance/traces')).json();
    await server.stop();

    server = await startServer({ db, env });
    const after = await (await admin(server, 'GET', `/provenance/traces/${id}`)).json();
    expect(after).toEqual(before);
    expect(after.summary.accounts).toEqual([expect.objectContaining({ account: 'busy', documents: 1 })]);
    const copied = after.results.find((r: { id: string }) => r.id === 'copied');
    expect(copied).toMatchObject({ match: true, account: 'busy', text: expect.stringContaining('keeper') });
    expect(copied.matches[0].servedText).toBe(SERVED);
    expect(await (await admin(server, 'GET', '/provenance/traces')).json()).toEqual(beforeList);
    const report = await admin(server, 'GET', `/provenance/traces/${id}/report`);
    expect(report.status).toBe(200);
    const html = await report.text();
    expect(html).toContain('Trace of suspect.jsonl');
    expect(html).toContain('<mark>');
    expect(html).toContain('1 matched, 1 not matched');
  });

  it('fails as interrupted a job its gateway stopped during, and one it died during', async () => {
    server ??= await startServer({ db, env });
    // Stopped (SIGTERM) right after accepting the upload: failed as it stops.
    const stopped = (await (
      await admin(server, 'POST', '/provenance/traces', bigDataset(20_000))
    ).json()) as Job;
    expect(stopped.status).toBe('queued');
    await server.stop();
    let store = await openStore(db);
    expect(await getJob(store.db, 'trace', stopped.id)).toMatchObject({
      status: 'failed',
      error: INTERRUPTED.trace,
    });
    await store.close();

    // Killed (SIGKILL) while running: the row says "running"; once its heartbeat is stale (the
    // process died longer ago than that: aged here), the next gateway to start fails it.
    server = await startServer({ db, env });
    const killed = (await (
      await admin(server, 'POST', '/provenance/traces', bigDataset(40_000))
    ).json()) as Job;
    let view = killed;
    for (let i = 0; i < 500 && !(view.status === 'running' && view.done > 0); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      view = (await (await admin(server, 'GET', `/provenance/traces/${killed.id}`)).json()) as Job;
    }
    expect(view.status).toBe('running');
    await server.kill();
    store = await openStore(db);
    const left = await getJob(store.db, 'trace', killed.id);
    expect(left?.status).toBe('running');
    await store.db
      .updateTable('provenance_jobs')
      .set({ heartbeat_at: Date.now() - 10 * 60_000 })
      .where('id', '=', killed.id)
      .execute();
    await store.close();

    server = await startServer({ db, env });
    store = await openStore(db);
    // Failed when the gateway started, before anything read it.
    const failed = await getJob(store.db, 'trace', killed.id);
    await store.close();
    expect(failed).toMatchObject({ status: 'failed', error: INTERRUPTED.trace, done: left?.done });
    const read = (await (await admin(server, 'GET', `/provenance/traces/${killed.id}`)).json()) as Job;
    expect(read).toMatchObject({
      status: 'failed',
      error: 'interrupted: the gateway restarted while this job ran; upload it again',
    });
    const report = await admin(server, 'GET', `/provenance/traces/${killed.id}/report`);
    expect(report.status).toBe(409);
  });
});

describe('provenance jobs on PostgreSQL seen from a second node', () => {
  let database: TestDatabase;
  let admin: Admin;
  let a: RunningServer;
  let b: RunningServer;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    admin = client(await seed(database.url));
    a = await startServer({ db: database.url, args: ['--no-consumers'], env });
    b = await startServer({ db: database.url, args: ['--no-consumers'], env });
  }, 60_000);
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await database?.drop();
  });

  it('node B lists and reads the trace job node A ran, with its report', async () => {
    const upload = await admin(a, 'POST', '/provenance/traces?name=suspect.jsonl', DATASET);
    expect(upload.status).toBe(202);
    const { id } = (await upload.json()) as Job;
    const onB = await waitFinished(admin, b, `/provenance/traces/${id}`);
    expect(onB).toMatchObject({ status: 'done', done: 2 });
    expect(await (await admin(a, 'GET', `/provenance/traces/${id}`)).json()).toEqual(onB);
    const listed = (await (await admin(b, 'GET', '/provenance/traces')).json()).traces as Job[];
    expect(listed.map((j) => j.id)).toEqual([id]);
    const report = await admin(b, 'GET', `/provenance/traces/${id}/report`);
    expect(report.status).toBe(200);
    expect(await report.text()).toContain('copied');
  });

  it('node B reads the model audit node A ran, without its API key', async () => {
    const started = await admin(a, 'POST', '/provenance/audits', {
      endpoint: 'http://127.0.0.1:9/v1',
      model: 'suspect',
      api_key: 'sk-secret-2',
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as Job;
    const onB = await waitFinished(admin, b, `/provenance/audits/${id}`);
    expect(onB).toMatchObject({ status: 'failed', endpoint: 'http://127.0.0.1:9/v1', model: 'suspect' });
    expect(onB.error).toMatch(/loopback|private|refused/i);
    const listed = await (await admin(b, 'GET', '/provenance/audits')).text();
    expect(JSON.parse(listed).audits.map((j: Job) => j.id)).toEqual([id]);
    expect(listed).not.toContain('sk-secret-2');
  });
});
