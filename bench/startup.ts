// How long `npm start` takes on PGlite until /healthz answers: a first start on an empty data dir
// and a restart on an existing one, alternated in one run; and, beside each restart, how long
// PGlite alone takes to open the same data dir (a fresh node process: import, open, SELECT 1), the
// floor a restart is compared with (#17: restart ≤ 1.5× PGlite alone).
// Usage: npx tsx bench/startup.ts [--runs 5]   (--runs 15 for the longer run)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
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

/** A fresh node process that opens `pgliteDir` with PGlite and answers one query: spawn → answered. */
async function pgliteAlone(pgliteDir: string): Promise<number> {
  const script = `import { PGlite } from '@electric-sql/pglite'; const db = new PGlite(${JSON.stringify(pgliteDir)}); await db.query('SELECT 1'); await db.close();`;
  const started = performance.now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: join(root, 'control-plane'), stdio: ['ignore', 'ignore', 'inherit'] });
  const code = await new Promise((r) => child.on('exit', r));
  if (code !== 0) throw new Error('PGlite alone failed');
  // The process's exit includes closing PGlite; the control plane is timed to its first answer, so
  // this errs on PGlite's side (a larger floor, a smaller ratio) by the close, a few ms.
  return performance.now() - started;
}

const first: number[] = [];
const restart: number[] = [];
const alone: number[] = [];
for (let i = 0; i < runs; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'su-startup-'));
  try {
    first.push(await startOnce(dir));
    // Alternated, so a busy machine slows both alike.
    if (i % 2 === 0) {
      alone.push(await pgliteAlone(join(dir, 'pglite')));
      restart.push(await startOnce(dir));
    } else {
      restart.push(await startOnce(dir));
      alone.push(await pgliteAlone(join(dir, 'pglite')));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const f = summarize(first);
const r = summarize(restart);
console.log(`npm start on PGlite, ${runs} runs each (median, max):`);
console.log(`  first start (empty data dir): median ${fmt(f.p50)}, max ${fmt(f.max)}   goal ≤ 3 s`);
const p = summarize(alone);
console.log(`  restart (existing data dir):  median ${fmt(r.p50)}, max ${fmt(r.max)}   goal ≤ 1 s`);
console.log(`  PGlite alone, same data dir:  median ${fmt(p.p50)}, max ${fmt(p.max)}`);
console.log(`  restart / PGlite alone: ${(r.p50 / p.p50).toFixed(2)}× at the median   goal ≤ 1.5× → ${r.p50 / p.p50 <= 1.5 ? 'met' : 'NOT met'} (load ${loadavg()[0]!.toFixed(1)})`);
