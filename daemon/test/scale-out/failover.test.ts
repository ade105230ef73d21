// Daemon failover between control planes on one PostgreSQL: the daemon is given both URLs; the
// instance holding its session is killed with SIGKILL mid-mission; the session comes up on the
// other instance and the mission still finishes, exactly once. Real PostgreSQL only (on PGlite
// there is one control plane per data dir).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { createTestDatabase } from '../../../control-plane/test/helpers/database.ts';
import { queryRows } from '../../../control-plane/test/helpers/sql.ts';
import { ADMIN_KEY } from '../helpers/control-plane.ts';
import { bareRemote, until } from '../helpers/e2e.ts';
import { isMsg, repoRoot, runCli, startDaemon, startProc, tempDir } from '../helpers/processes.ts';

/** One control-plane process over `databaseUrl` on port 0. */
async function instance(t: Test, databaseUrl: string) {
  const proc = startProc(t, process.execPath, ['--import', 'tsx', join(repoRoot, 'control-plane/src/main.ts')], {
    PORT: '0', HOST: '127.0.0.1', SU_DATA_DIR: tempDir('su-cp-'), SU_BOOTSTRAP_API_KEY: ADMIN_KEY, LOG_LEVEL: 'info', DATABASE_URL: databaseUrl,
    SU_HEARTBEAT_INTERVAL_MS: '1000', SU_DRAIN_DELAY_MS: '0', SU_FALLBACK_ENABLED: 'false',
  });
  const ready = await proc.waitForLine((l) => typeof l?.msg === 'string' && l.msg.startsWith('Server listening at'), 'listening');
  return { proc, baseUrl: `http://127.0.0.1:${/:(\d+)$/.exec(ready.msg)![1]}` };
}

if (!process.env.TEST_DATABASE_URL) {
  t.pass('runs on real PostgreSQL only (set TEST_DATABASE_URL)');
} else {
  t.test('an instance killed mid-mission: the daemon fails over to the next URL and the mission finishes exactly once', async (t) => {
    const db = await createTestDatabase();
    t.teardown(() => db.close());
    const [a, b] = await Promise.all([instance(t, db.url!), instance(t, db.url!)]);
    const headers = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
    const post = async (base: string, path: string, body: unknown) => (await fetch(`${base}/api/v1${path}`, { method: 'POST', headers, body: JSON.stringify(body) })).json();
    const get = async (path: string) => (await fetch(`${b.baseUrl}/api/v1${path}`, { headers })).json();

    const org = await post(a.baseUrl, '/organizations', { name: 'Failover' });
    const project = await post(a.baseUrl, '/projects', { organizationId: org.id, name: 'Survives' });
    const repo = await post(a.baseUrl, `/projects/${project.id}/repositories`, { url: `file://${bareRemote('failover')}` });
    const home = tempDir('su-home-');
    const reg = await runCli(['workstation', 'register', '--url', a.baseUrl, '--api-key', ADMIN_KEY, '--organization', org.id, '--name', 'roamer'], { SU_HOME: home });
    t.equal(reg.code, 0, reg.stderr);
    const workstationId = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).workstationId as string;
    await post(a.baseUrl, `/projects/${project.id}/workstations`, { workstationId });

    const records = tempDir('su-records-');
    const daemon = startDaemon(t, home, {
      SU_SERVER_URL: `${a.baseUrl},${b.baseUrl}`, SU_RECONNECT_BASE_MS: '100', SU_RECONNECT_MAX_MS: '500', LOG_LEVEL: 'info',
      SU_AGENT_COMMAND: JSON.stringify(['node', join(repoRoot, 'daemon/test/fixtures/fake-agent.mjs'), '{promptFile}']),
      FAKE_AGENT_SCENARIO: 'work', FAKE_AGENT_RECORD_DIR: records,
    });
    const first = await daemon.waitForLine(isMsg('connected'));
    t.equal(first.url, `${a.baseUrl.replace('http', 'ws')}/api/v1/workstations/connect`, 'the first URL first');
    await daemon.waitForLine(isMsg('session open'));

    const mission = await post(b.baseUrl, `/projects/${project.id}/missions`, { title: 'Outlive an instance', ready: true, repositoryId: repo.id, prMode: 'disabled' });
    await daemon.waitForLine(isMsg('mission accepted'), 'the assignment');
    await a.proc.kill('SIGKILL');

    const second = await daemon.waitForLine((l) => l?.msg === 'connected' && l.url !== first.url, 'a connection to the second instance');
    t.equal(second.url, `${b.baseUrl.replace('http', 'ws')}/api/v1/workstations/connect`, 'reconnected to the second URL');
    const done = await until('Done', () => get(`/missions/${mission.id}`), (m: any) => m.list === 'done', 60_000);
    t.equal(done.agentSessionStatus, 'inactive');
    t.equal((await get(`/workstations/${workstationId}`)).online, true, 'online through the surviving instance');

    const attempts = await queryRows<{ status: string }>(db, `SELECT status FROM code_agent_sessions WHERE mission_id = '${mission.id}'`);
    t.same(attempts.map((r) => r.status), ['succeeded'], 'one attempt, succeeded: nothing requeued or run twice');
    const events = await queryRows<{ seq: number; kind: string }>(db, `SELECT seq, kind FROM mission_events WHERE mission_id = '${mission.id}' ORDER BY seq`);
    const runs = readdirSync(records).filter((f) => f.startsWith(mission.id)).length;
    t.equal(runs, events.filter((e) => e.kind === 'agent.started').length, `no agent run twice (${runs} runs: one per flow stage)`);
    t.same(events.map((e) => Number(e.seq)), events.map((_, i) => i + 1), 'the timeline has no gap and no duplicate');
    const stored = await queryRows<{ n: number; d: number }>(db, `SELECT count(*)::int AS n, count(DISTINCT (attempt_id, attempt_seq))::int AS d FROM mission_events WHERE mission_id = '${mission.id}' AND attempt_id IS NOT NULL`);
    t.equal(stored[0]!.n, stored[0]!.d, 'every daemon event stored once');
    t.equal((await daemon.kill('SIGTERM')).code, 0);
  });
}
