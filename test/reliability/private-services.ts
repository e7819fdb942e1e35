// Private PostgreSQL and Redis instances for restart tests: the machine's shared servers are used by
// other suites and must never be stopped, so anything that restarts a database starts its own here
// (a throw-away cluster under /tmp on its own port, a Redis without persistence) and removes it after.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PG_BIN = '/usr/lib/postgresql/15/bin';

export interface PrivateService {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops and starts again (fast shutdown: clients are cut off as in a real restart). */
  restart(): Promise<void>;
  /** Stops for good and removes the data. */
  destroy(): Promise<void>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > until) throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** As root, PostgreSQL's tools must run as the `postgres` user. */
function asPostgres(command: string, args: string[]): void {
  const line = [command, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const isRoot = process.getuid?.() === 0;
  const result = isRoot
    ? spawnSync('su', ['postgres', '-s', '/bin/sh', '-c', line], { encoding: 'utf8' })
    : spawnSync('/bin/sh', ['-c', line], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr || result.stdout}`);
}

/** A private PostgreSQL 15 cluster on `port` (trust auth, fsync on), database `test`. */
export async function startPrivatePostgres(port = 55_432): Promise<PrivateService> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres', dir]);
  asPostgres(`${PG_BIN}/initdb`, ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const ctl = (action: string, extra: string[] = []) =>
    asPostgres(`${PG_BIN}/pg_ctl`, [
      '-D',
      data,
      '-l',
      join(dir, 'log'),
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200`,
      '-w',
      '-t',
      '30',
      ...extra,
      action,
    ]);
  ctl('start');
  asPostgres(`${PG_BIN}/createdb`, ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'test']);
  let running = true;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/test`,
    port,
    async stop() {
      if (running) ctl('stop', ['-m', 'fast']);
      running = false;
    },
    async start() {
      if (!running) ctl('start');
      running = true;
    },
    async restart() {
      ctl('stop', ['-m', 'fast']);
      running = false;
      ctl('start');
      running = true;
    },
    async destroy() {
      try {
        if (running) ctl('stop', ['-m', 'immediate']);
      } catch {
        // Already gone.
      }
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A private Redis on `port` without persistence (a restart empties it, as a failover may). */
export async function startPrivateRedis(port = 16_379): Promise<PrivateService> {
  let child: ReturnType<typeof spawn> | null = null;
  const start = async () => {
    if (child) return;
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    await waitForPort(port);
  };
  const stop = async () => {
    const c = child;
    if (!c) return;
    child = null;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop,
    async restart() {
      await stop();
      await start();
    },
    async destroy() {
      await stop();
    },
  };
}
