import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ADMIN_KEY, createAttempt, createMission, createOrg, createProject, registerWorkstation, startTestApp, storedSeqs } from '../helpers/control-plane.ts';
import { openOutbox } from '../../src/session/outbox.ts';
import { isMsg, runCli, startDaemon, startEmitter, tempDir } from '../helpers/processes.ts';
import { startProxy } from '../helpers/tcp-proxy.ts';

const app = await startTestApp(t);
const org = await createOrg(app.admin);
const project = await createProject(app.admin, org.id);

async function register(name: string) {
  const { home, workstationId: id, token } = await registerWorkstation(app.baseUrl, org.id, name);
  return { home, id, token };
}
const online = async (id: string) => (await app.admin.get(`/api/v1/workstations/${id}`)).body.online as boolean;

t.test('register → daemon connects → shown online, with status from the state file', async (t) => {
  const ws = await register('laptop');
  t.equal(statSync(join(ws.home, 'config.json')).mode & 0o777, 0o600, 'config.json is 0600');
  const daemon = startDaemon(t, ws.home, { SU_AGENT_COMMAND: '["node","agent.mjs","{promptFile}"]' });
  await daemon.waitForLine(isMsg('session open'));
  t.equal(await online(ws.id), true);
  t.match((await app.admin.get(`/api/v1/workstations/${ws.id}`)).body, { daemonVersion: '0.1.0', agents: [{ type: 'custom' }] });
  await daemon.waitForLine((l) => l?.msg === 'session open');
  // The state file is written right after welcome; status reads it.
  const status = await runCli(['status', '--json'], { SU_HOME: ws.home });
  t.equal(status.code, 0, status.stderr);
  t.match(JSON.parse(status.stdout), { running: true, connected: true, workstationId: ws.id, outboxDepth: 0, missionsRunning: 0 });
  const human = await runCli(['status'], { SU_HOME: ws.home });
  t.match(human.stdout, /connected to http:\/\/127\.0\.0\.1:\d+ since/);

  t.equal((await daemon.kill('SIGTERM')).code, 0, 'first SIGTERM with nothing running: clean exit');
  // The server's close handler ends the session a moment after the socket closes: poll (bounded,
  // far under the 45 s a stale heartbeat would take).
  let stillOnline = true;
  for (const until = Date.now() + 10_000; stillOnline && Date.now() < until; await new Promise((r) => setTimeout(r, 50))) stillOnline = await online(ws.id);
  t.equal(stillOnline, false, 'offline once the daemon is gone');
  const after = await runCli(['status'], { SU_HOME: ws.home });
  t.equal(after.code, 1);
  t.match(after.stderr, /^solo-unicorn: no daemon is running/);
});

t.test('kill -9 while events are unacked: after a restart they are stored exactly once', async (t) => {
  const ws = await register('crashy');
  const mission = await createMission(app.admin, project.id);
  const attempt = await createAttempt(app.db.db, { missionId: mission.id, projectId: project.id, workstationId: ws.id });
  const total = 3_000;
  const offline = startEmitter(t, ws.home, attempt, total, 'offline');
  t.equal((await offline.exited).code, 0, 'events are in the durable outbox');

  // Through a proxy that, once the session is open, keeps the control plane's answers from the
  // daemon: events reach the database, their acks never reach the daemon. (Killing at the first
  // ack raced the ingest: a fast one had acked everything before the kill landed.)
  const proxy = await startProxy(Number(new URL(app.baseUrl).port));
  t.teardown(() => proxy.close());
  const first = startDaemon(t, ws.home, { SU_SERVER_URL: proxy.url });
  await first.waitForLine(isMsg('session open'));
  proxy.holdReplies();
  const storedBefore = (await waitForCount(attempt.attemptId, 100)).length;
  await first.kill('SIGKILL');
  const outbox = openOutbox(join(ws.home, 'outbox.jsonl'));
  const unacked = outbox.depth;
  await outbox.close();
  const stored = (await storedSeqs(app.db.db, attempt.attemptId)).length;
  t.ok(unacked > 0, `killed with ${unacked} events unacknowledged in the outbox`);
  t.ok(storedBefore >= 100 && stored > total - unacked, `${stored} stored, ${stored - (total - unacked)} of them never acknowledged: the restart sends those again`);

  const second = startDaemon(t, ws.home);
  await second.waitForLine(isMsg('session open'));
  const seqs = await waitForCount(attempt.attemptId, total);
  t.same(seqs, Array.from({ length: total }, (_, i) => i + 1), 'every seq once, in order, no gaps: the resent ones were not stored twice');
  await second.kill('SIGTERM');
});

async function waitForCount(attemptId: string, total: number) {
  for (;;) {
    const seqs = await storedSeqs(app.db.db, attemptId);
    if (seqs.length >= total) return seqs;
    await new Promise((r) => setTimeout(r, 20));
  }
}

t.test('a revoked token: the running daemon exits non-zero with one clear line, and so does a new start', async (t) => {
  const ws = await register('revoked');
  const daemon = startDaemon(t, ws.home);
  await daemon.waitForLine(isMsg('session open'));
  await app.admin.post(`/api/v1/workstations/${ws.id}/revoke`);
  const exit = await daemon.exited;
  t.equal(exit.code, 3);
  t.match(daemon.stderr.filter((l) => l.startsWith('solo-unicorn:')), [/^solo-unicorn: this workstation was revoked on the control plane; register it again/]);

  const again = startDaemon(t, ws.home);
  t.equal((await again.exited).code, 3);
  t.match(again.stderr.join('\n'), /solo-unicorn: the control plane refused this workstation's token \(HTTP 401\)/);
});

t.test('two daemons with the same identity: the older session is closed, never two live sessions', async (t) => {
  const ws = await register('twins');
  const otherHome = tempDir('su-home-');
  const older = startDaemon(t, ws.home);
  await older.waitForLine(isMsg('session open'));
  // Same identity from another home (a copied config): the token and id come from the environment.
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(otherHome, 'config.json'), readFileSync(join(ws.home, 'config.json')), { mode: 0o600 });
  const newer = startDaemon(t, otherHome);
  await newer.waitForLine(isMsg('session open'));
  const exit = await older.exited;
  t.equal(exit.code, 3, 'the older daemon stops');
  t.match(older.stderr.join('\n'), /another daemon connected with this workstation identity/);
  t.equal(await online(ws.id), true, 'the newer one is online');
  t.equal(newer.child.exitCode, null, 'the newer one keeps running');
  await newer.kill('SIGTERM');
});

t.test('the CLI explains failures in one line and exits non-zero', async (t) => {
  const home = tempDir('su-home-');
  const noConfig = await runCli(['daemon', '--foreground'], { SU_HOME: home });
  t.equal(noConfig.code, 2);
  t.match(noConfig.stderr.trim(), /^solo-unicorn: no server URL in .*config\.json or SU_SERVER_URL; run `solo-unicorn workstation register/);
  const badKey = await runCli(['login', '--url', app.baseUrl, '--api-key', 'su_wrong'], { SU_HOME: home });
  t.equal(badKey.code, 1);
  t.equal(badKey.stderr.trim().split('\n').length, 1);
  t.match(badKey.stderr, /the API key was refused/);
  const login = await runCli(['login', '--url', app.baseUrl, '--api-key', ADMIN_KEY], { SU_HOME: home });
  t.equal(login.code, 0, login.stderr);
  const reg = await runCli(['workstation', 'register', '--organization', org.id, '--name', 'from-login'], { SU_HOME: home });
  t.equal(reg.code, 0, reg.stderr);
  t.match(reg.stdout, /registered workstation from-login/);
  t.ok(existsSync(join(home, 'config.json')));
  const help = await runCli(['status', '--help'], { SU_HOME: home });
  t.equal(help.code, 0);
  t.match(help.stdout, /--json/);
});
