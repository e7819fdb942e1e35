#!/usr/bin/env node
// CPU per request of the gateway's hot path, for before/after comparisons on a shared machine: starts the
// peer bench's mock upstream, `warden serve` on it (a fresh SQLite database, consumers on, as run.sh does)
// and optionally the bare Node floor, then runs wrk (32 connections) several times per target and reports
// the process's CPU time (all threads; the main thread apart) divided by the requests served. CPU per
// request moves little when another job shares the cores, where req/s and latency do. A c=1 probe
// (the peer bench's lib/probe.mjs, request-interleaved with the mock itself) follows.
//
//   npm run -s build:server && node bench/gateway/stream-cpu.mjs [--modes stream,nonstream]
//     [--duration 8] [--repeats 3] [--probe-n 300] [--with-floor] [--threads] [--compare DIR] [--cpu-prof DIR]
//
// The peer bench is read from $PEER_BENCH_COPY (default ../shared/peer-bench); needs wrk.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BENCH = process.env.PEER_BENCH_COPY ?? join(ROOT, '../shared/peer-bench');
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const MODES = flag('modes', 'stream').split(',');
const DURATION = Number(flag('duration', '8'));
const REPEATS = Number(flag('repeats', '3'));
const PROBE_N = Number(flag('probe-n', '300'));
const CPU_PROF = flag('cpu-prof', '');
const WITH_FLOOR = args.includes('--with-floor');
const COMPARE = flag('compare', '');
const MOCK_PORT = 18180;
const OURS_PORT = 18898;
const FLOOR_PORT = 18991;
const BODY = {
  nonstream: '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello."}],"max_tokens":32}',
  stream:
    '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello."}],"max_tokens":32,"stream":true,"stream_options":{"include_usage":true}}',
};

const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
/** utime+stime in ms of every thread of `pid`, keyed by thread id. */
function threadCpu(pid) {
  const out = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      out.set(tid, (Number(fields[11]) + Number(fields[12])) * TICK_MS);
      names.set(tid, name);
    } catch {
      // the thread ended between readdir and read
    }
  }
  return out;
}
const names = new Map();
/** CPU ms of the threads other than the main one, by thread name and id. */
function byName(before, after, pid) {
  const out = {};
  for (const [tid, ms] of after) {
    if (tid === String(pid)) continue;
    const name = `${names.get(tid) ?? '?'}#${tid}`;
    out[name] = (out[name] ?? 0) + ms - (before.get(tid) ?? 0);
  }
  return out;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const sum = (m) => [...m.values()].reduce((a, b) => a + b, 0);

const children = [];
function start(cmd, argv, env = {}) {
  const child = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}
async function waitHttp(url) {
  for (let i = 0; i < 150; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`nothing answered on ${url}`);
}
function wrk(url, key, mode, seconds) {
  const out = execFileSync(
    'wrk',
    [
      '-t1',
      '-c32',
      `-d${seconds}s`,
      '--timeout',
      '10s',
      '-s',
      join(BENCH, 'lib/wrk-post.lua'),
      '-H',
      `Authorization: Bearer ${key}`,
      url,
    ],
    { env: { ...process.env, WRK_BODY: BODY[mode] } },
  ).toString();
  return JSON.parse(
    out
      .split('\n')
      .find((l) => l.startsWith('WRKJSON '))
      .slice(8),
  );
}
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** A fresh SQLite database with a bench account (limits high enough not to bite); returns its key. */
function prepare(root) {
  const db = `sqlite:${join(mkdtempSync(join(tmpdir(), 'warden-stream-cpu-')), 'warden.db')}`;
  const cli = (...a) =>
    execFileSync('node', [join(root, 'bin/warden.js'), ...a, '--db', db, '--json']).toString();
  cli('accounts', 'create', 'bench', '--rpm', '100000000', '--tpm', '1000000000');
  const key = JSON.parse(cli('keys', 'create', '--account', 'bench')).key;
  cli('admin-tokens', 'create', '--role', 'admin');
  return { db, key };
}

try {
  const mock = start('node', [join(BENCH, 'mock-upstream.mjs'), `--port=${MOCK_PORT}`]);
  await waitHttp(`http://127.0.0.1:${MOCK_PORT}/__stats`);
  const profArgs = CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : [];
  const targets = [];
  // --compare DIR: a second Warden (another checkout, built) measured interleaved with this one.
  const wardens = [['ours', ROOT, OURS_PORT]];
  if (COMPARE) wardens.unshift(['base', resolve(COMPARE), OURS_PORT + 1]);
  for (const [name, root, port] of wardens) {
    const { db, key } = prepare(root);
    const child = start(
      'node',
      [
        ...profArgs,
        join(root, 'bin/warden.js'),
        'serve',
        '--port',
        String(port),
        '--db',
        db,
        '--log-level',
        'error',
      ],
      { WARDEN_UPSTREAM_URL: `http://127.0.0.1:${MOCK_PORT}/v1` },
    );
    await waitHttp(`http://127.0.0.1:${port}/healthz`);
    targets.push({ name, pid: child.pid, key, url: `http://127.0.0.1:${port}/v1/chat/completions` });
  }
  if (WITH_FLOOR) {
    const floor = start('node', [
      join(BENCH, 'lib/passthrough-floor.mjs'),
      `--port=${FLOOR_PORT}`,
      `--upstream=http://127.0.0.1:${MOCK_PORT}/v1`,
    ]);
    await waitHttp(`http://127.0.0.1:${FLOOR_PORT}/v1/models`);
    targets.push({
      name: 'floor',
      pid: floor.pid,
      key: 'sk-floor',
      url: `http://127.0.0.1:${FLOOR_PORT}/v1/chat/completions`,
    });
  }
  console.log(`load average before: ${loadavg()}  (mock pid ${mock.pid})`);
  for (const mode of MODES) {
    for (const t of targets) wrk(t.url, t.key, mode, 3);
    const seen = new Map(targets.map((t) => [t.name, { total: [], main: [], rps: [] }]));
    for (let r = 1; r <= REPEATS; r++) {
      // A-B, B-A, …: neither target always runs right after the warm-up or the other's load.
      for (const t of r % 2 ? targets : [...targets].reverse()) {
        const before = threadCpu(t.pid);
        const w = wrk(t.url, t.key, mode, DURATION);
        const after = threadCpu(t.pid);
        const total = sum(after) - sum(before);
        const main = (after.get(String(t.pid)) ?? 0) - (before.get(String(t.pid)) ?? 0);
        const bad = w.errors.status + w.errors.connect + w.errors.read + w.errors.timeout;
        console.log(
          `${mode.padEnd(9)} r${r} ${t.name.padEnd(5)} ${w.rps.toFixed(0).padStart(6)} req/s  ` +
            `CPU ${((total / w.requests) * 1000).toFixed(1).padStart(6)} µs/req (main thread ${((main / w.requests) * 1000).toFixed(1)})  ` +
            `p50 ${(w.lat_us.p50 / 1000).toFixed(2)} ms  errors ${bad}  load ${loadavg()}`,
        );
        seen.get(t.name).total.push((total / w.requests) * 1000);
        seen.get(t.name).main.push((main / w.requests) * 1000);
        seen.get(t.name).rps.push(w.rps);
        if (args.includes('--threads')) {
          const other = Object.entries(byName(before, after, t.pid))
            .filter(([, ms]) => ms > 0)
            .sort((a, b) => b[1] - a[1])
            .map(([name, ms]) => `${name} ${((ms / w.requests) * 1000).toFixed(1)}`);
          console.log(`          other threads, µs/req: ${other.join(', ')}`);
        }
      }
    }
    for (const [name, v] of seen) {
      console.log(
        `${mode.padEnd(9)} median ${name.padEnd(5)} CPU ${median(v.total).toFixed(1)} µs/req (main thread ${median(v.main).toFixed(1)}), ` +
          `${median(v.rps).toFixed(0)} req/s`,
      );
    }
  }
  if (PROBE_N > 0) {
    for (const mode of MODES) {
      const probeTargets = [
        { name: 'direct', url: `http://127.0.0.1:${MOCK_PORT}/v1/chat/completions`, headers: {} },
        ...targets.map((t) => ({ name: t.name, url: t.url, headers: { authorization: `Bearer ${t.key}` } })),
      ];
      const config = { n: PROBE_N, warmup: 50, body: JSON.parse(BODY[mode]), targets: probeTargets };
      const result = JSON.parse(
        execFileSync('node', [join(BENCH, 'lib/probe.mjs'), JSON.stringify(config)]).toString(),
      );
      const d = result.direct;
      for (const t of targets) {
        const o = result[t.name];
        console.log(
          `probe c=1 ${mode.padEnd(9)} ${t.name.padEnd(5)} Δ TTFB p50 +${((o.ttfb_us.p50 - d.ttfb_us.p50) / 1000).toFixed(2)} ms  ` +
            `Δ total p50 +${((o.total_us.p50 - d.total_us.p50) / 1000).toFixed(2)} ms  (direct ${(d.total_us.p50 / 1000).toFixed(2)} ms, errors ${o.errors})`,
        );
      }
    }
  }
} finally {
  for (const child of children.reverse()) child.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 1500));
}
