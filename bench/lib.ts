/** Small helpers shared by the benchmark scripts. */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summarize(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN };
}

export const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(ms < 10 ? 2 : 0)} ms`);

export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const tmpDirs: string[] = [];
/** A fresh temporary directory, removed by `removeTmpDirs`. */
export function tmp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tmpDirs.push(dir);
  return dir;
}
export function removeTmpDirs() {
  for (const dir of tmpDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * A real control plane in its own process (`control-plane/bin/start.mjs`, as `npm start` runs it)
 * with a bootstrap admin key: PGlite in a temporary data dir, or, when DATABASE_URL is set, a fresh
 * database `name` on that PostgreSQL server (dropped and recreated). Its own process, so its work
 * (PGlite runs on its main thread) never delays what the bench itself serves or times.
 * `registerWorkstation` registers one as a person does (`solo-unicorn workstation register`) in
 * `home` and allows it to serve a project. `opts.join`: another instance over that database URL
 * (already created and migrated by the first), as several control planes behind a balancer are.
 */
/** An empty database `name` on the server of `adminUrl` (dropped first if it exists); its URL. */
export async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** SU_BENCH_CPU_PROF=<dir>: node flags that make a child write a V8 CPU profile there when it stops. */
export const cpuProfileArgs = () => (process.env.SU_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SU_BENCH_CPU_PROF}`] : []);

export async function startBenchControlPlane(name: string, opts: { join?: string; env?: Record<string, string> } = {}) {
  const key = 'su_bench_admin_key_0123456789abcdef';
  let databaseUrl = opts.join ?? '';
  if (!opts.join && process.env.DATABASE_URL) databaseUrl = await freshDatabase(process.env.DATABASE_URL, name);
  const child = spawn(process.execPath, [...cpuProfileArgs(), fileURLToPath(new URL('../control-plane/bin/start.mjs', import.meta.url))], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', SU_DATA_DIR: tmp('su-bench-cp-'), DATABASE_URL: databaseUrl, SU_BOOTSTRAP_API_KEY: key, SU_FALLBACK_ENABLED: 'false', ...opts.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Whatever happens here (an error, Ctrl-C, a timeout's SIGTERM), the control plane does not outlive the bench.
  process.on('exit', () => child.kill('SIGKILL'));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    const read = (d: Buffer) => {
      out += d;
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (!m) return;
      child.stdout.off('data', read);
      resolve(m[1]!);
    };
    child.stdout.on('data', read);
    child.once('exit', (code) => reject(new Error(`control plane exited (${code})`)));
  });
  child.stdout.resume(); // its log is read and dropped, so it never blocks on a full pipe
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}/api/v1${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = (await res.json()) as any;
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  return {
    call,
    base,
    databaseUrl,
    pid: child.pid!,
    engine: databaseUrl ? 'PostgreSQL' : 'PGlite',
    async registerWorkstation(home: string, projectId: string): Promise<string> {
      const cli = fileURLToPath(new URL('../daemon/bin/solo-unicorn.mjs', import.meta.url));
      const organizationId = (await call('GET', `/projects/${projectId}`)).organizationId;
      await promisify(execFile)(process.execPath, [cli, 'workstation', 'register', '--url', base, '--api-key', key, '--name', 'bench', '--organization', organizationId], { env: { ...process.env, SU_HOME: home } });
      const workstationId = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).workstationId as string;
      await call('POST', `/projects/${projectId}/workstations`, { workstationId });
      return workstationId;
    },
    async close() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
