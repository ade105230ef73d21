// bench/sessions.ts — how many idle daemon sessions one control-plane process holds, and the
// memory each costs. Boots the real control plane (child process, PGlite in a temp dir),
// registers N workstations through the API, then opens N lightweight clients that speak the real
// protocol (session.hello → session.welcome, answering ws pings). Prints the figures.
//
//   npx tsx bench/sessions.ts            # N = SU_BENCH_SESSIONS (default 2000; 10000 for the longer run)
// Needs ulimit -n above N + a few hundred (each side holds one fd per session).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { makeFrame } from '../shared/src/index.ts';
import WebSocket from 'ws';

const target = Number(process.env.SU_BENCH_SESSIONS ?? 2_000);
const key = 'su_bench_admin_key_0123456789abcdefghij';
const dataDir = mkdtempSync(join(tmpdir(), 'su-bench-'));
const root = new URL('../', import.meta.url).pathname;

const cp = spawn(process.execPath, ['--import', 'tsx', join(root, 'control-plane/src/main.ts')], {
  env: { ...process.env, PORT: '0', HOST: '127.0.0.1', SU_DATA_DIR: dataDir, SU_BOOTSTRAP_API_KEY: key, LOG_LEVEL: 'info', SU_HEARTBEAT_INTERVAL_MS: '60000' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const cleanup = () => {
  cp.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
};
process.on('exit', cleanup);

const port = await new Promise<number>((resolve, reject) => {
  createInterface({ input: cp.stdout! }).on('line', (line) => {
    const m = /"msg":"Server listening at http:\/\/127\.0\.0\.1:(\d+)"/.exec(line);
    if (m) resolve(Number(m[1]));
  });
  cp.on('exit', () => reject(new Error('the control plane exited during startup')));
});
const base = `http://127.0.0.1:${port}`;
const rssKb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${cp.pid}/status`, 'utf8'))![1]);
const api = async (path: string, body: unknown) => {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<any>;
};

const org = await api('/api/v1/organizations', { name: 'Bench' });
const t0 = performance.now();
const identities: { id: string; token: string }[] = [];
for (let i = 0; i < target; i += 16) {
  const batch = await Promise.all(Array.from({ length: Math.min(16, target - i) }, (_, j) => api('/api/v1/workstations', { organizationId: org.id, name: `bench-${i + j}` })));
  for (const r of batch) identities.push({ id: r.workstation.id, token: r.token });
}
const registerMs = performance.now() - t0;

// Let startup garbage settle before the baseline.
await new Promise((r) => setTimeout(r, 2000));
const baseline = rssKb();
const sockets: WebSocket[] = [];
let reached = 0;
let failed = 0;
const t1 = performance.now();
function open(identity: { id: string; token: string }) {
  return new Promise<void>((resolve) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/workstations/connect`, { headers: { authorization: `Bearer ${identity.token}` }, perMessageDeflate: false });
    ws.on('open', () => ws.send(JSON.stringify(makeFrame('session.hello', { workstationId: identity.id, daemonVersion: 'bench', agents: [], maxConcurrentMissions: 1, attempts: [], draining: false }))));
    ws.on('message', (data) => {
      if (JSON.parse(data.toString()).type === 'session.welcome') {
        reached++;
        resolve();
      }
    });
    ws.on('error', () => {
      failed++;
      resolve();
    });
    sockets.push(ws);
  });
}
// Opened in four steps, RSS read after each settles: the marginal cost per session is the slope
// from the first step to the last, which leaves out one-time costs of the first sessions (modules
// loaded and code compiled on first use, the heap's own growth steps) that an average includes.
const steps: { sessions: number; rssKb: number }[] = [];
const stepSize = Math.ceil(identities.length / 4);
for (let start = 0; start < identities.length; start += stepSize) {
  const end = Math.min(start + stepSize, identities.length);
  for (let i = start; i < end; i += 64) {
    await Promise.all(identities.slice(i, Math.min(i + 64, end)).map(open));
    if (failed > 50) break;
  }
  await new Promise((r) => setTimeout(r, 3000));
  steps.push({ sessions: reached, rssKb: rssKb() });
  if (failed > 50) break;
}
const connectMs = performance.now() - t1 - steps.length * 3000;
const loaded = steps.at(-1)!.rssKb;
const health = await fetch(`${base}/healthz`).then((r) => r.status);
const perSessionKb = (loaded - baseline) / Math.max(1, reached);
const first = steps[0]!;
const marginalKb = steps.length > 1 ? (loaded - first.rssKb) / Math.max(1, reached - first.sessions) : perSessionKb;

console.log(JSON.stringify({ bench: 'sessions', target, reached, failed, registerSeconds: +(registerMs / 1000).toFixed(1), connectSeconds: +(connectMs / 1000).toFixed(1), rssBaselineMb: +(baseline / 1024).toFixed(1), rssLoadedMb: +(loaded / 1024).toFixed(1), perSessionKb: +perSessionKb.toFixed(1), marginalKb: +marginalKb.toFixed(1), steps, healthzWhileLoaded: health }));
console.log(`max idle sessions held: ${reached}/${target} (failed ${failed}); memory per session: ${marginalKb.toFixed(1)} KB RSS marginal, from ${first.sessions} to ${reached} sessions (goal ≤ 12 KB, #17); ${perSessionKb.toFixed(1)} KB on average from an empty process; control plane RSS ${(baseline / 1024).toFixed(0)} → ${(loaded / 1024).toFixed(0)} MB`);
for (const s of sockets) s.terminate();
process.exit(0);
