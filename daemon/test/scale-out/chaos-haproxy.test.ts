// Issue #17's chaos test: three control-plane processes on one PostgreSQL behind a real HAProxy,
// 20 daemons (19 lightweight protocol clients and one real daemon running real missions with the
// fake agent against a bare git remote), board sockets and the Mission Fallback scheduler, all
// through the balancer, while missions flow. kill -9 one instance (the one holding the real
// daemon's session), start it again, then kill -9 another: every mission finishes exactly once,
// every event is stored once and none is lost, every board socket resumes from its cursor with
// no gap, and each due project gets one fallback run.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { fallbackProject } from '../../../control-plane/test/fallback/fixtures.ts';
import { createTestDatabase } from '../../../control-plane/test/helpers/database.ts';
import { createOrg, createProject } from '../../../control-plane/test/helpers/fixtures.ts';
import { createHttpClient, type HttpClient } from '../../../control-plane/test/helpers/http.ts';
import { queryRows } from '../../../control-plane/test/helpers/sql.ts';
import { ADMIN_KEY } from '../helpers/control-plane.ts';
import { bareRemote, until } from '../helpers/e2e.ts';
import { isMsg, repoRoot, runCli, startDaemon, tempDir } from '../helpers/processes.ts';
import { openBoardSocket } from './chaos/board-socket.ts';
import { startCluster } from './chaos/cluster.ts';
import { hasHaproxy, startHaproxy } from './chaos/haproxy.ts';
import { type ProtocolDaemon, startProtocolDaemon } from './chaos/protocol-daemon.ts';

const PROTOCOL_DAEMONS = 19;
const EVENTS_PER_ATTEMPT = 10;
const STEP_MS = 300;

const skip = !process.env.TEST_DATABASE_URL
  ? 'PostgreSQL lane only (TEST_DATABASE_URL): on PGlite one control plane owns its data dir, there is nothing to balance'
  : !hasHaproxy ? 'haproxy is not on PATH (Debian: apt-get install haproxy; .ci/run installs it)' : false;

/**
 * A write through the balancer, again on a 5xx, a cut connection or a lost race (409 "retry the
 * request": a deadlock PostgreSQL broke), as a person or the CLI would.
 */
async function write(api: HttpClient, path: string, body: unknown, method = 'POST') {
  for (let attempt = 0; ; attempt++) {
    const res = await api.request(method, path, body).catch((e: Error) => ({ status: 0, body: e.message }));
    if (res.status === 201 || (method !== 'POST' && res.status === 200)) return res.body;
    const retryable = res.status === 0 || res.status >= 500 || (res.status === 409 && /retry/.test(JSON.stringify(res.body)));
    if (attempt >= 40 || !retryable) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 100 + Math.random() * 300));
  }
}

// Start-up of four node processes dominates on a loaded 2-core machine: room beyond .taprc's 180 s.
t.setTimeout(300_000);

t.test('3 control planes behind HAProxy, 20 daemons, kill -9 twice: missions once, events once, boards without gaps, one fallback run', { skip }, async (t) => {
  const startedAt = Date.now();
  const mark = (what: string) => t.comment(`${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${what}`);
  const db = await createTestDatabase({ poolSize: 2 });
  t.teardown(() => db.close());
  const sql = <T = any>(text: string) => queryRows<T>(db, text);
  const dir = tempDir('su-chaos-');
  // SU_TEST_KEEP_LOGS=1 keeps the directory with each instance's and the daemon's log.
  t.teardown(() => (process.env.SU_TEST_KEEP_LOGS ? t.comment(`logs in ${dir}`) : rmSync(dir, { recursive: true, force: true })));
  const cluster = await startCluster(t, {
    databaseUrl: db.url!, dir, size: 3,
    env: { SU_HEARTBEAT_INTERVAL_MS: '5000', SU_DRAIN_DELAY_MS: '0', SU_DISPATCH_TICK_MS: '500', SU_FALLBACK_TICK_MS: '500', SU_DB_POOL_SIZE: '5' },
  });
  const lb = await startHaproxy(t, dir, cluster.ports);
  const api = createHttpClient(lb.url, ADMIN_KEY);
  const served = async () => (await api.get('/readyz').catch(() => undefined))?.headers.get('x-backend');
  await until('the balancer routes', served, Boolean, 15_000);
  mark('cluster up');

  // --- Setup, all through the balancer: one org, a project for the protocol clients, one for the real daemon.
  const org = await createOrg(api, 'Chaos');
  const busy = await createProject(api, org.id, { maxConcurrentMissions: 100 });
  const busyRepo = await write(api, `/api/v1/projects/${busy.id}/repositories`, { url: `file:///tmp/chaos-${busy.id}.git` });
  // One mission at a time: each merges into main and the fake agent writes the same file (no conflicts to resolve here).
  const real = await createProject(api, org.id, { maxConcurrentMissions: 1 });
  const realRepo = await write(api, `/api/v1/projects/${real.id}/repositories`, { url: `file://${bareRemote('chaos')}` });
  const clients = await Promise.all(Array.from({ length: PROTOCOL_DAEMONS }, async (_, i) => {
    const reg = await write(api, '/api/v1/workstations', { organizationId: org.id, name: `protocol-${i}` });
    await write(api, `/api/v1/projects/${busy.id}/workstations`, { workstationId: reg.workstation.id });
    return { workstationId: reg.workstation.id as string, token: reg.token as string };
  }));
  const home = tempDir('su-home-');
  const reg = await runCli(['workstation', 'register', '--url', lb.url, '--api-key', ADMIN_KEY, '--organization', org.id, '--name', 'real-daemon'], { SU_HOME: home });
  t.equal(reg.code, 0, `the real daemon registers through the balancer ${reg.stderr}`);
  const realWs = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).workstationId as string;
  await write(api, `/api/v1/projects/${real.id}/workstations`, { workstationId: realWs });
  // Started now, so its start-up overlaps the rest of the setup. PATH without node_modules/.bin:
  // it would probe the agent CLIs found there (Gemini's --version takes seconds under load).
  const daemon = startDaemon(t, home, {
    SU_SERVER_URL: lb.url, SU_RECONNECT_BASE_MS: '100', SU_RECONNECT_MAX_MS: '500', LOG_LEVEL: 'info', PATH: '/usr/local/bin:/usr/bin:/bin',
    SU_AGENT_COMMAND: JSON.stringify([process.execPath, join(repoRoot, 'daemon/test/fixtures/fake-agent.mjs'), '{promptFile}']), FAKE_AGENT_SCENARIO: 'work',
  });
  t.teardown(() => {
    if (process.env.SU_TEST_KEEP_LOGS) writeFileSync(join(dir, 'daemon.log'), daemon.lines.join('\n'));
  });
  const realMissions = [];
  for (let i = 0; i < 3; i++) {
    // Not ready yet: they start with the first wave, so the real daemon is mid-mission at the first kill.
    realMissions.push(await write(api, `/api/v1/projects/${real.id}/missions`, { title: `Real ${i}`, ready: false, repositoryId: realRepo.id, prMode: 'disabled' }));
  }

  // Board sockets, two per channel, each replaying its channel from the start.
  const channels = [`project:${busy.id}:missions`, `project:${real.id}:missions`, `organization:${org.id}:workstations`, `mission:${realMissions[0].id}:events`];
  const boards = channels.flatMap((c) => [openBoardSocket(lb.url, ADMIN_KEY, c), openBoardSocket(lb.url, ADMIN_KEY, c)]);
  t.teardown(() => boards.forEach((b) => b.close()));
  await Promise.all(boards.map((b) => b.subscribed));

  // Fallback: projects below their backlog threshold, with a template. The scheduler may have
  // stamped a project before its template existed; making them due now starts the clock.
  const fallbacks: string[] = [];
  const dueFallbackProjects = async (n: number) => {
    const made = await Promise.all(Array.from({ length: n }, async () => {
      // The fixture does not retry: on a failure through the balancer, start over with a new project.
      for (let attempt = 0; ; attempt++) {
        try {
          const f = await fallbackProject(api, org.id);
          await f.config({ backlogThreshold: 2, checkCadenceMinutes: 1 });
          await f.template('chaos');
          return f.project.id;
        } catch (error) {
          if (attempt >= 5) throw error;
        }
      }
    }));
    await sql(`UPDATE mission_fallback_configs SET last_checked_at = NULL WHERE project_id IN (${made.map((id) => `'${id}'`).join(',')})`);
    fallbacks.push(...made);
  };
  await dueFallbackProjects(3);
  mark('setup done');

  // --- 20 daemons.
  const daemons: ProtocolDaemon[] = clients.map((c) => startProtocolDaemon({ url: lb.url, ...c, events: EVENTS_PER_ATTEMPT, stepMs: STEP_MS, maxConcurrentMissions: 2 }));
  t.teardown(() => daemons.forEach((d) => d.stop()));
  await until('20 sessions', async () => daemons.filter((d) => d.connected).length, (n) => n === PROTOCOL_DAEMONS, 20_000);
  await daemon.waitForLine(isMsg('session open'), 'the real daemon\'s session');
  mark('20 sessions');

  const busyMissions: { id: string }[] = [];
  // n missions, created by 4 people at once.
  const wave = (n: number) => Promise.all([0, 1, 2, 3].map(async (lane) => {
    for (let i = lane; i < n; i += 4) {
      busyMissions.push(await write(api, `/api/v1/projects/${busy.id}/missions`, { title: `Busy ${busyMissions.length}`, ready: true, repositoryId: busyRepo.id, prMode: 'disabled' }));
    }
  }));
  const running = async () => (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM code_agent_sessions WHERE status = 'running'`))[0]!.n;
  const lost = () => daemons.reduce((n, d) => n + d.stats.lostSessions, 0);
  const boardReconnects = () => boards.reduce((n, b) => n + b.backends.length - 1, 0);

  // --- Kill 1: the instance holding the real daemon's session, with its mission and others running.
  for (const m of realMissions) await write(api, `/api/v1/missions/${m.id}`, { ready: true }, 'PATCH');
  await wave(12);
  mark('wave 1 created');
  await daemon.waitForLine(isMsg('mission accepted'), 'the real daemon\'s first mission');
  mark('the real daemon runs a mission');
  await until('missions running', running, (n) => n >= 4, 30_000);
  const first = cluster.holderOf(realWs);
  t.ok(first !== undefined, `the real daemon's session is on ${cluster.name(first!)}`);
  const runningAtFirst = await running();
  await cluster.kill(first!);
  mark(`kill -9 ${cluster.name(first!)} with ${runningAtFirst} attempts running`);
  await wave(8);
  await daemon.waitForLine((l) => l?.msg === 'session open' && daemon.lines.filter((x) => x.includes('"session open"')).length >= 2, 'the real daemon back through the balancer');
  const lostAtFirst = lost();
  t.ok(lostAtFirst > 0, `${lostAtFirst} protocol sessions cut by the first kill`);

  // --- It recovers: same port, back in the balancer's rotation.
  await cluster.restart(first!);
  mark(`${cluster.name(first!)} restarted`);
  await until(`${cluster.name(first!)} in rotation`, served, (b) => b === cluster.name(first!), 15_000);
  mark(`${cluster.name(first!)} back in rotation`);

  // --- Kill 2: the survivor holding the most board sockets, with missions running.
  await wave(12);
  await until('missions running again', running, (n) => n >= 4, 30_000);
  const survivors = [0, 1, 2].filter((i) => i !== first);
  const boardsOn = (i: number) => boards.filter((b) => b.backend === cluster.name(i)).length;
  const second = survivors.sort((a, b) => boardsOn(b) - boardsOn(a))[0]!;
  const cutBoards = boardsOn(second);
  const runningAtSecond = await running();
  await cluster.kill(second);
  mark(`kill -9 ${cluster.name(second)} with ${runningAtSecond} attempts running and ${cutBoards} board sockets`);
  t.ok(cutBoards > 0, `${cutBoards} board sockets cut by the second kill`);
  await dueFallbackProjects(3); // due while an instance is gone

  // --- Everything finishes.
  const all = [...busyMissions.map((m) => m.id), ...realMissions.map((m) => m.id)];
  const inList = `(${all.map((id) => `'${id}'`).join(',')})`;
  await until('every mission done', async () => (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM missions WHERE id IN ${inList} AND list = 'done'`))[0]!.n, (n) => n === all.length, 45_000)
    .catch(async (e) => {
      t.comment(JSON.stringify(await sql(`SELECT m.title, m.list, a.status, a.workstation_id FROM missions m LEFT JOIN code_agent_sessions a ON a.mission_id = m.id WHERE m.id IN ${inList} AND m.list <> 'done'`)));
      throw e;
    });
  mark('every mission done');
  await until('every frame acked', async () => daemons.every((d) => d.held === 0), Boolean, 10_000);
  t.ok(lost() > lostAtFirst, `${lost() - lostAtFirst} protocol sessions cut by the second kill`);
  t.ok(boardReconnects() >= cutBoards, `${boardReconnects()} board socket reconnects`);

  t.test('every mission finishes exactly once', async (t) => {
    const rows = await sql<{ id: string; list: string; attempts: number; succeeded: number; finishes: number; outcomes: string }>(`
      SELECT m.id, m.list,
             (SELECT count(*) FROM code_agent_sessions a WHERE a.mission_id = m.id)::int AS attempts,
             (SELECT count(*) FROM code_agent_sessions a WHERE a.mission_id = m.id AND a.status = 'succeeded')::int AS succeeded,
             (SELECT count(*) FROM mission_events e WHERE e.mission_id = m.id AND e.kind = 'attempt.finished')::int AS finishes,
             (SELECT string_agg(a.status || ': ' || coalesce(a.reason, ''), ' | ' ORDER BY a.created_at) FROM code_agent_sessions a WHERE a.mission_id = m.id) AS outcomes
        FROM missions m WHERE m.id IN ${inList}`);
    t.equal(rows.length, all.length, `${all.length} missions (${realMissions.length} run by the real daemon)`);
    t.same(rows.filter((r) => r.list !== 'done' || r.attempts !== 1 || r.succeeded !== 1 || r.finishes !== 1), [], 'each Done after one attempt, succeeded, finished once: nothing requeued or run twice');
    const fenced = daemons.flatMap((d) => d.stats.fenced);
    t.same(fenced, [], 'no protocol client was told an attempt of its was no longer its');
    // An assignment committed by an instance killed before the frame left: the next session gets it again.
    const missed = daemons.flatMap((d) => d.stats.unknownInWelcome.filter((id) => !d.produced.has(id)));
    t.same(missed, [], `every assignment reached its client (${daemons.reduce((n, d) => n + d.stats.unknownInWelcome.length, 0)} only after a reconnect)`);
  });

  t.test('every event is stored once, none lost', async (t) => {
    const byAttempt = new Map((await sql<{ attempt_id: string; n: number; d: number; lo: number; hi: number; acked: number }>(`
      SELECT e.attempt_id, count(*)::int AS n, count(DISTINCT e.attempt_seq)::int AS d, min(e.attempt_seq) AS lo, max(e.attempt_seq) AS hi, max(a.last_acked_seq) AS acked
        FROM mission_events e JOIN code_agent_sessions a ON a.id = e.attempt_id
       WHERE e.mission_id IN ${inList} AND e.attempt_seq IS NOT NULL GROUP BY e.attempt_id`)).map((r) => [r.attempt_id, r]));
    const produced = new Map(daemons.flatMap((d) => [...d.produced]));
    const resent = daemons.reduce((n, d) => n + d.stats.resent, 0);
    const wrong = [...produced].filter(([id, n]) => {
      const s = byAttempt.get(id);
      return !s || s.n !== n || s.d !== n || s.lo !== 1 || s.hi !== n;
    });
    t.same(wrong, [], `each of ${produced.size} protocol attempts stored seq 1..${EVENTS_PER_ATTEMPT + 1} exactly (${resent} frames resent after reconnects)`);
    const realAttempts = [...byAttempt.values()].filter((s) => !produced.has(s.attempt_id));
    t.equal(realAttempts.length, realMissions.length, 'the real daemon\'s attempts stored events');
    t.same(realAttempts.filter((s) => s.n !== s.d || s.lo !== 1 || s.hi !== s.n || s.acked !== s.hi), [], 'and theirs are 1..last, each once, all acked');
    const timelines = await sql<{ mission_id: string; n: number; d: number; hi: number; last: number }>(`
      SELECT e.mission_id, count(*)::int AS n, count(DISTINCT e.seq)::int AS d, max(e.seq) AS hi, max(m.last_event_seq) AS last
        FROM mission_events e JOIN missions m ON m.id = e.mission_id WHERE e.mission_id IN ${inList} GROUP BY e.mission_id`);
    t.same(timelines.filter((r) => r.n !== r.d || r.hi !== r.n || r.last !== r.n), [], 'every mission timeline is 1..last, no gap, no repeat');
  });

  t.test('every board socket resumes from its cursor without a gap', async (t) => {
    const heads = new Map<string, number>();
    for (const c of channels) {
      const [row] = c.startsWith('mission:')
        ? await sql<{ seq: number }>(`SELECT last_event_seq AS seq FROM missions WHERE id = '${c.split(':')[1]}'`)
        : await sql<{ seq: number }>(`SELECT last_seq AS seq FROM realtime_channels WHERE channel = '${c}'`);
      heads.set(c, Number(row!.seq));
    }
    await until('boards caught up', async () => boards.every((b) => b.cursors.at(-1) === heads.get(b.channel)), Boolean, 10_000).catch(() => {});
    for (const b of boards) {
      const head = heads.get(b.channel)!;
      t.same(b.cursors, Array.from({ length: head }, (_, i) => i + 1), `${b.channel.split(':')[0]} channel, on ${b.backends.join(' → ')}: 1..${head} in order`);
    }
    t.same(boards.flatMap((b) => b.errors), [], 'no subscription refused');
  });

  t.test('the fallback scheduler keeps one run per due project', async (t) => {
    const ids = `(${fallbacks.map((id) => `'${id}'`).join(',')})`;
    const count = async () => sql<{ project_id: string; n: number }>(`SELECT project_id, count(*)::int AS n FROM mission_fallback_runs WHERE project_id IN ${ids} GROUP BY project_id`);
    await until('a run for each due project', count, (rows) => rows.length === fallbacks.length, 15_000).catch(() => {});
    await new Promise((r) => setTimeout(r, 1_500)); // a few more ticks, on whichever instance leads now
    const runs = await count();
    t.equal(runs.length, fallbacks.length, `${fallbacks.length} due projects (3 made due after the second kill) got a run`);
    t.same(runs.filter((r) => r.n !== 1), [], 'each exactly one');
  });

  t.test('the real daemon carried on through the balancer', async (t) => {
    t.ok(daemon.lines.filter((l) => l.includes('"session open"')).length >= 2, 'it reconnected after its instance was killed');
    t.equal((await daemon.kill('SIGTERM')).code, 0, 'and stops cleanly');
  });
  mark('end');
});
