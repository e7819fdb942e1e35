// `warden demo --exit` end to end (the real CLI through tsx): it completes its scripted part within
// two minutes, and its narrative says the distiller was flagged, suspended with a case id, refused,
// its partner notified, and traced from its desensitized dataset — while ordinary customers stay active.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function runDemo(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'demo', ...args], {
      cwd: ROOT,
      env: { ...process.env, WARDEN_CONFIG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 170_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

describe('warden demo', () => {
  it('tells the story: the distiller is suspended with a case, refused, its partner notified, and traced', async () => {
    const { code, stdout, stderr, ms } = await runDemo(['--exit']);
    expect(code, stderr).toBe(0);
    expect(ms).toBeLessThan(150_000);
    expect(stdout).toMatch(
      /orbit-labs was suspended pending investigation and traced from its desensitized dataset/,
    );
    expect(stdout).toMatch(/next request is refused: HTTP 403 account_suspended .*case_/);
    expect(stdout).toMatch(/cloudnine was notified: .*signature valid/);
    expect(stdout).toMatch(/Dashboard: http:\/\/127\.0\.0\.1:\d+\/dashboard\/ .*wdn-admin-/);
    const took = Number(/scripted part took ([\d.]+) s/.exec(stdout)?.[1]);
    expect(took).toBeLessThan(120);
  }, 180_000);

  it('prints its outcome as JSON with --json, with figures for every step', async () => {
    const { code, stdout, stderr } = await runDemo(['--exit', '--json']);
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as {
      suspended: boolean;
      traced: boolean;
      refusal: { status: number; code: string; caseId: string } | null;
      ordinary: { account: string; status: string }[];
      trace: { harvested: number; matchedHarvested: number; falseMatches: number } | null;
      audit: { entries: number; verified: boolean | null } | null;
    };
    expect(result.suspended).toBe(true);
    expect(result.traced).toBe(true);
    expect(result.refusal?.status).toBe(403);
    expect(result.refusal?.code).toBe('account_suspended');
    expect(result.refusal?.caseId).toMatch(/^case_/);
    for (const o of result.ordinary) expect(o.status).toBe('active');
    expect(result.trace?.matchedHarvested).toBeGreaterThan((result.trace?.harvested ?? 0) / 2);
    expect(result.trace?.falseMatches).toBe(0);
    expect(result.audit?.verified).toBe(true);
  }, 180_000);
});
