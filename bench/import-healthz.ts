// Does a large legacy import starve the server? A real control plane (`bin/start.mjs`, its own
// process) imports 10,000 missions while this process asks /healthz every 25 ms, each request
// timed on its own (a stalled server shows as many slow requests, not one). Prints the import's
// duration and /healthz latency during it.
// Usage: npx tsx bench/import-healthz.ts [--missions 10000] [--pglite | --url postgres://…/postgres]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, fmt, freshDatabase, summarize } from './lib.ts';

const count = Number(arg('missions', '10000'));
const usePglite = process.argv.includes('--pglite');
const adminUrl = arg('url', process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const startScript = fileURLToPath(new URL('../control-plane/bin/start.mjs', import.meta.url));
const KEY = 'su_bench_import_key_0123456789abcdef';
const dataDir = mkdtempSync(join(tmpdir(), 'su-bench-import-'));

const databaseUrl = usePglite ? '' : await freshDatabase(adminUrl, 'su_bench_import');

const child = spawn(process.execPath, [startScript], {
  env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', SU_DATA_DIR: dataDir, DATABASE_URL: databaseUrl, SU_BOOTSTRAP_API_KEY: KEY, SU_BODY_LIMIT_BYTES: String(16 * 1024 * 1024), SU_FALLBACK_ENABLED: 'false' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
// Whatever happens here (an error, Ctrl-C), the control plane does not outlive the bench.
process.on('exit', () => child.kill('SIGKILL'));
process.on('uncaughtException', (err) => (console.error(err), process.exit(1)));
process.on('unhandledRejection', (err) => (console.error(err), process.exit(1)));
process.on('SIGINT', () => process.exit(130));
const base = await new Promise<string>((resolve, reject) => {
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
    const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
    if (m) resolve(m[1]!);
  });
  child.once('exit', (code) => reject(new Error(`control plane exited (${code})`)));
});
const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${base}/api/v1${path}`, { method, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (await res.json()) as any;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
};

const org = await call('POST', '/organizations', { name: 'bench' });
const project = await call('POST', '/projects', { organizationId: org.id, name: 'bench' });
await call('POST', `/projects/${project.id}/repositories`, { url: 'https://github.com/acme/app.git' });
// A legacy export as users have them: mostly todo, some done and doing, 1 % loop missions.
const lists = ['todo', 'todo', 'todo', 'done', 'doing', 'review', 'loop'] as const;
const missions = Array.from({ length: count }, (_, i) => ({
  title: `Legacy mission ${i}: ${'tidy the onboarding flow '.repeat(2)}`,
  description: `Imported from the old board. ${'Some context. '.repeat(6)}`,
  list: lists[i % lists.length],
  priority: (i % 5) + 1,
  ready: i % 3 === 0,
  ...(i % 100 === 0 ? { is_loop: true, loop_schedule: 'weekly' } : {}),
}));

// The probes get their own connections (as a load balancer's would): fetch may queue a request
// on the import's connection behind its upload, which would time the client, not the server.
const probeAgent = new http.Agent({ keepAlive: true });
const healthz = () => new Promise<number>((resolve, reject) => {
  const t0 = performance.now();
  http.get(`${base}/healthz`, { agent: probeAgent }, (res) => {
    res.resume();
    res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`/healthz ${res.statusCode}`))));
  }).on('error', reject);
});
for (let i = 0; i < 20; i++) await healthz(); // warm

const samples: Promise<number>[] = [];
const started = performance.now();
const poller = setInterval(() => samples.push(healthz()), 25);
const result = await call('POST', `/projects/${project.id}/import`, { missions });
const importMs = performance.now() - started;
clearInterval(poller);
const during = summarize(await Promise.all(samples));
probeAgent.destroy();

const onBoard = (await call('GET', `/projects/${project.id}/missions?limit=1`)).items.length;
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
rmSync(dataDir, { recursive: true, force: true });

console.log(`legacy import of ${count} missions on ${usePglite ? 'PGlite' : 'PostgreSQL'} (a real control plane process):`);
console.log(`  import: ${fmt(importMs)} (${result.missionsCreated} missions, ${result.templatesCreated} templates${onBoard ? '' : ', board empty?'})`);
console.log(`  /healthz during it, every 25 ms: n=${during.n} p50 ${fmt(during.p50)}, p99 ${fmt(during.p99)}, max ${fmt(during.max)}   goal p99 ≤ 200 ms`);
