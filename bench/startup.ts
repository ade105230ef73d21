// How long `npm start` takes on PGlite until /healthz answers: a first start on an empty data dir
// and a restart on an existing one, alternated in one run. Usage: npx tsx bench/startup.ts [--runs 5]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, fmt, summarize } from './lib.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(arg('runs', '5'));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

async function startOnce(dataDir: string): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn('npm', ['start', '--silent'], {
    cwd: root,
    env: { ...process.env, PORT: String(port), SU_DATA_DIR: dataDir, LOG_LEVEL: 'warn', DATABASE_URL: '' },
    stdio: 'ignore',
    detached: true,
  });
  const exited = new Promise((r) => child.on('exit', r));
  let elapsed = Number.NaN;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) {
        elapsed = performance.now() - started;
        break;
      }
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error('control plane exited during start');
    await new Promise((r) => setTimeout(r, 10));
  }
  process.kill(-child.pid!, 'SIGTERM');
  await exited;
  return elapsed;
}

const first: number[] = [];
const restart: number[] = [];
for (let i = 0; i < runs; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'su-startup-'));
  try {
    first.push(await startOnce(dir));
    restart.push(await startOnce(dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const f = summarize(first);
const r = summarize(restart);
console.log(`npm start on PGlite, ${runs} runs each (median, max):`);
console.log(`  first start (empty data dir): median ${fmt(f.p50)}, max ${fmt(f.max)}   goal ≤ 3 s`);
console.log(`  restart (existing data dir):  median ${fmt(r.p50)}, max ${fmt(r.max)}   goal ≤ 1 s`);
