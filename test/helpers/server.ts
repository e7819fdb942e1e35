// Starts the real `warden serve` as a child process (through tsx, no build needed) and reads its URL and
// first-start credentials from its banner; also runs other CLI commands.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = ['--import', 'tsx', 'src/cli/index.ts'];

export interface RunningServer {
  url: string;
  adminToken: string | null;
  apiKey: string | null;
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

export interface StartServerOptions {
  db: string;
  args?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const argv = ['serve', '--port', '0', '--db', options.db, '--log-level', 'warn', ...(options.args ?? [])];
  return startProcess(argv, options, /serving at (http:\/\/[^\s]+)/);
}

/** Starts `warden worker` (the consumers alone); its `url` is empty. */
export async function startWorker(options: StartServerOptions): Promise<RunningServer> {
  const argv = ['worker', '--db', options.db, '--log-level', 'warn', ...(options.args ?? [])];
  return startProcess(argv, options, /consuming events/);
}

async function startProcess(
  argv: string[],
  { env = {}, timeoutMs = 30_000 }: StartServerOptions,
  ready: RegExp,
): Promise<RunningServer> {
  const child = spawn(process.execPath, [...ENTRY, ...argv], {
    cwd: ROOT,
    env: { ...process.env, WARDEN_CONFIG: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), timeoutMs);
    const check = () => {
      const match = ready.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] ?? '');
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  // The banner is written in one go; give it a moment to arrive whole.
  await new Promise((r) => setTimeout(r, 50));
  return {
    url,
    adminToken: /admin token:\s+(\S+)/.exec(out)?.[1] ?? null,
    apiKey: /API key \(account [^)]+\):\s+(\S+)/.exec(out)?.[1] ?? null,
    process: child,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `warden ARGS…` to completion. */
export function runCli(args: string[], env: Record<string, string> = {}): CliResult {
  const result = spawnSync(process.execPath, [...ENTRY, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs `warden ARGS… --json` and parses stdout; throws with stderr when it fails. */
export function runCliJson<T = Record<string, unknown>>(args: string[], env: Record<string, string> = {}): T {
  const result = runCli([...args, '--json'], env);
  if (result.code !== 0) throw new Error(`warden ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}
