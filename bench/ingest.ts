// Event ingest (#17): sustained mission events per second stored and acknowledged (event.ack is
// sent only after the batch's transaction commits) with D daemons streaming, against one control
// plane and against three on the same PostgreSQL, alternated in one run.
//
// Three real control planes (`bin/start.mjs`, each its own process) on one fresh database; D
// lightweight clients in this process speaking the real daemon protocol from shared/
// (session.hello → welcome, then `mission.event` frames with consecutive seqs for one running
// attempt each, at most --window unacked, as the daemon's outbox does). Each round gives every
// workstation a fresh attempt, spreads the clients over 1 or 3 instances, streams for
// --seconds after a warm-up, and counts the acked seqs.
//
//   npx tsx bench/ingest.ts                       # 100 daemons, 1 vs 3 instances, 2 rounds of 10 s
//   npx tsx bench/ingest.ts --rounds 5 --seconds 30   # the longer run
// Needs PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres).
import { makeFrame, newId } from '../shared/src/index.ts';
import { loadavg } from 'node:os';
import pg from 'pg';
import WebSocket from 'ws';
import { arg, removeTmpDirs, startBenchControlPlane } from './lib.ts';

const daemons = Number(arg('daemons', '100'));
const seconds = Number(arg('seconds', '10'));
const warmupSeconds = Number(arg('warmup', '3'));
const rounds = Number(arg('rounds', '2'));
const window = Number(arg('window', '1000'));
process.env.DATABASE_URL ??= arg('url', 'postgres://postgres@127.0.0.1:5432/postgres');

// Quiet sessions: heartbeats once a minute, so the figure is ingest, not presence.
const env = { SU_HEARTBEAT_INTERVAL_MS: '60000' };
const first = await startBenchControlPlane('su_bench_ingest', { env });
const others = await Promise.all([1, 2].map(() => startBenchControlPlane('su_bench_ingest', { join: first.databaseUrl, env })));
const instances = [first, ...others];
console.error(`3 control planes up; registering ${daemons} workstations…`);
const db = new pg.Client({ connectionString: first.databaseUrl });
await db.connect();

const org = await first.call('POST', '/organizations', { name: 'bench' });
const project = await first.call('POST', '/projects', { organizationId: org.id, name: 'ingest' });
const workstations: { id: string; token: string; missionId: string }[] = [];
for (let i = 0; i < daemons; i++) {
  const reg = await first.call('POST', '/workstations', { organizationId: org.id, name: `bench-${i}` });
  const mission = await first.call('POST', `/projects/${project.id}/missions`, { title: `ingest ${i}`, ready: false });
  workstations.push({ id: reg.workstation.id, token: reg.token, missionId: mission.id });
}

/** A running attempt per workstation, its mission in Doing, as an assignment leaves them (the ingest's fencing checks both). */
async function freshAttempts(): Promise<string[]> {
  const ids = workstations.map(() => newId());
  await db.query(`UPDATE missions SET list = 'doing' WHERE project_id = $1`, [project.id]);
  await db.query(
    `INSERT INTO code_agent_sessions (id, mission_id, project_id, workstation_id, lease_version, status)
     SELECT id, mission_id, $1, workstation_id, 1, 'running' FROM unnest($2::text[], $3::text[], $4::text[]) AS t(id, mission_id, workstation_id)`,
    [project.id, ids, workstations.map((w) => w.missionId), workstations.map((w) => w.id)],
  );
  return ids;
}

interface Streamer { acked: number; errors: string[]; stop(): Promise<void> }

/** One daemon: hello, then events with consecutive seqs, never more than `window` unacked. */
async function stream(base: string, w: (typeof workstations)[number], attemptId: string): Promise<Streamer> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/workstations/connect`, { headers: { authorization: `Bearer ${w.token}` }, perMessageDeflate: false });
  const state: Streamer = { acked: 0, errors: [], stop: async () => {} };
  let sent = 0;
  let running = true;
  const text = 'x'.repeat(120); // about one line of agent output
  const pump = () => {
    while (running && ws.readyState === WebSocket.OPEN && sent - state.acked < window && ws.bufferedAmount < 1 << 20) {
      sent++;
      ws.send(JSON.stringify(makeFrame('mission.event', { missionId: w.missionId, attemptId, leaseVersion: 1, seq: sent, kind: 'agent.output', at: new Date().toISOString(), data: { stream: 'stdout', text } })));
    }
  };
  await new Promise<void>((resolve, reject) => {
    ws.on('open', () => ws.send(JSON.stringify(makeFrame('session.hello', { workstationId: w.id, daemonVersion: 'bench', agents: [], maxConcurrentMissions: 1, attempts: [], draining: false }))));
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.type === 'session.welcome') resolve();
      else if (frame.type === 'event.ack') {
        for (const a of frame.payload.acks) if (a.attemptId === attemptId) state.acked = Math.max(state.acked, a.seq);
      } else if (frame.type === 'error') state.errors.push(`${frame.payload.code}: ${frame.payload.message}`);
      pump();
    });
    ws.on('error', reject);
  });
  pump();
  state.stop = async () => {
    running = false;
    ws.close();
    await new Promise((r) => ws.once('close', r));
  };
  return state;
}

const ackedSum = (ss: Streamer[]) => ss.reduce((n, s) => n + s.acked, 0);

async function round(instanceCount: number) {
  const attempts = await freshAttempts();
  const streams = await Promise.all(workstations.map((w, i) => stream(instances[i % instanceCount]!.base, w, attempts[i]!)));
  await new Promise((r) => setTimeout(r, warmupSeconds * 1000));
  const a0 = ackedSum(streams);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const perSecond = (ackedSum(streams) - a0) / ((performance.now() - t0) / 1000);
  await Promise.all(streams.map((s) => s.stop()));
  const errors = streams.flatMap((s) => s.errors);
  if (errors.length) console.log(`  ${errors.length} error frames, first: ${errors[0]}`);
  return perSecond;
}

/** Stored once per attempt seq: what was acked is in mission_events, each seq once. */
async function checkStored() {
  const { rows } = await db.query(`SELECT count(*)::int AS n, count(DISTINCT (attempt_id, attempt_seq))::int AS distinct_n FROM mission_events WHERE origin = 'agent'`);
  return rows[0] as { n: number; distinct_n: number };
}

const load = () => loadavg()[0]!.toFixed(1);

const results: Record<number, number[]> = { 1: [], 3: [] };
console.log(`event ingest on PostgreSQL, ${daemons} daemons, window ${window}, ${seconds} s per round after ${warmupSeconds} s warm-up; load ${load()}`);
for (let r = 0; r < rounds; r++) {
  for (const n of [1, 3]) {
    const rate = await round(n);
    results[n]!.push(rate);
    console.log(`  round ${r + 1}, ${n} instance${n > 1 ? 's' : ''}: ${Math.round(rate).toLocaleString('en')} events/s (load ${load()})`);
  }
}
const stored = await checkStored();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const one = median(results[1]!);
const three = median(results[3]!);
console.log(`median: 1 instance ${Math.round(one).toLocaleString('en')} events/s (goal ≥ 20,000 → ${one >= 20_000 ? 'met' : 'NOT met'}); 3 instances ${Math.round(three).toLocaleString('en')} events/s, ${(three / one).toFixed(2)}× (goal ≥ 2× → ${three / one >= 2 ? 'met' : 'NOT met'})`);
console.log(`stored: ${stored.n.toLocaleString('en')} agent events, ${stored.n === stored.distinct_n ? 'each (attempt, seq) once' : `DUPLICATES: ${stored.n - stored.distinct_n}`}`);
await db.end();
await Promise.all(instances.map((i) => i.close()));
removeTmpDirs();
