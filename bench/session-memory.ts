// Memory per idle daemon session (#17), as heap: the control plane runs in this process (on
// PostgreSQL, so the database's memory is elsewhere), and the N lightweight daemons in a child
// process (so theirs is elsewhere too). Sessions open in four steps; after each the process
// collects garbage twice (--expose-gc) and reads its heap. The figure is the slope from the
// first step to the last: JS heap + external memory per session, with RSS beside it.
//
//   node --expose-gc --import tsx bench/session-memory.ts [--sessions 2000] [--url postgres://…/postgres]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { makeFrame } from '../shared/src/index.ts';
import { arg, freshDatabase } from './lib.ts';

if (process.argv[2] === '--clients') await runClients(process.argv[3]!, process.argv[4]!);
else await runControlPlane();

/** The child: opens a quarter of the sessions per line read on stdin, says how many are open. */
async function runClients(file: string, base: string) {
  const identities = JSON.parse(readFileSync(file, 'utf8')) as { id: string; token: string }[];
  const sockets: WebSocket[] = [];
  let reached = 0;
  const open = (identity: { id: string; token: string }) => new Promise<void>((resolve) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/workstations/connect`, { headers: { authorization: `Bearer ${identity.token}` }, perMessageDeflate: false });
    ws.on('open', () => ws.send(JSON.stringify(makeFrame('session.hello', { workstationId: identity.id, daemonVersion: 'bench', agents: [], maxConcurrentMissions: 1, attempts: [], draining: false }))));
    ws.on('message', (data) => {
      if (JSON.parse(data.toString()).type === 'session.welcome') { reached++; resolve(); }
    });
    ws.on('error', () => resolve());
    sockets.push(ws);
  });
  const step = Math.ceil(identities.length / 4);
  let next = 0;
  for await (const _line of createInterface({ input: process.stdin })) {
    if (next >= identities.length) break;
    const end = Math.min(next + step, identities.length);
    for (let i = next; i < end; i += 64) await Promise.all(identities.slice(i, Math.min(i + 64, end)).map(open));
    next = end;
    process.stdout.write(`${reached}\n`);
  }
  for (const s of sockets) s.terminate();
  process.exit(0);
}

async function runControlPlane() {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc --import tsx bench/session-memory.ts');
  const { buildApp } = await import('../control-plane/src/app.ts');
  const { openDatabase } = await import('../control-plane/src/db/client.ts');
  const { bootstrapAdmin } = await import('../control-plane/src/modules/users/bootstrap.ts');
  const count = Number(arg('sessions', '2000'));
  const adminUrl = arg('url', process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const databaseUrl = await freshDatabase(adminUrl, 'su_bench_session_memory');
  const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));
  const KEY = 'su_bench_session_memory_key_0123456789';
  const database = await openDatabase({ databaseUrl, pgliteDir: 'memory://', poolSize: 10 });
  // Quiet sessions: heartbeats once a minute, and no background jobs beyond what a session needs.
  const app = await buildApp({ database, docsDir: tmp('su-bench-docs-'), dispatch: { offlineGraceMs: 600_000, tickMs: 60_000, maxAttempts: 1 } });
  await bootstrapAdmin(database.db, { bootstrapKey: KEY, dataDir: tmp('su-bench-data-') });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const call = async (path: string, body: unknown) => {
    const res = await fetch(`${base}/api/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<any>;
  };
  const org = await call('/organizations', { name: 'bench' });
  const identities: { id: string; token: string }[] = [];
  for (let i = 0; i < count; i += 16) {
    const batch = await Promise.all(Array.from({ length: Math.min(16, count - i) }, (_, j) => call('/workstations', { organizationId: org.id, name: `bench-${i + j}` })));
    for (const r of batch) identities.push({ id: r.workstation.id, token: r.token });
  }
  const file = join(tmp('su-bench-ids-'), 'identities.json');
  writeFileSync(file, JSON.stringify(identities));

  const measure = async () => {
    await new Promise((r) => setTimeout(r, 2000));
    gc(); gc();
    const m = process.memoryUsage();
    return { heapKb: (m.heapUsed + m.external) / 1024, rssKb: m.rss / 1024 };
  };
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--clients', file, base], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const steps: { sessions: number; heapKb: number; rssKb: number }[] = [{ sessions: 0, ...(await measure()) }];
  for (let k = 0; k < 4; k++) {
    child.stdin!.write('next\n');
    const sessions = Number((await lines.next()).value);
    steps.push({ sessions, ...(await measure()) });
    // --snapshot <dir>: heap snapshots at the first and last step, to see what a session holds.
    if (process.argv.includes('--snapshot') && (k === 0 || k === 3)) {
      const { writeHeapSnapshot } = await import('node:v8');
      console.log(`snapshot: ${writeHeapSnapshot(join(arg('snapshot', tmpdir()), `sessions-${sessions}.heapsnapshot`))}`);
    }
  }
  const [first, last] = [steps[1]!, steps.at(-1)!];
  const per = (key: 'heapKb' | 'rssKb') => (last[key] - first[key]) / Math.max(1, last.sessions - first.sessions);
  console.log(`idle sessions held: ${last.sessions}/${count}`);
  for (const s of steps) console.log(`  ${String(s.sessions).padStart(6)} sessions: heap+external ${(s.heapKb / 1024).toFixed(1)} MB, RSS ${(s.rssKb / 1024).toFixed(1)} MB`);
  console.log(`memory per idle session, ${first.sessions} → ${last.sessions}: heap+external ${per('heapKb').toFixed(1)} KB, RSS ${per('rssKb').toFixed(1)} KB (goal ≤ 12 KB, #17)`);
  child.stdin!.end();
  child.kill();
  await app.close();
  await database.close();
  process.exit(0);
}
