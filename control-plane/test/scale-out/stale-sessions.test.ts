// Liveness is the database's: an open session row counts only while some instance vouches for it
// (heartbeat stamp within the stale bound). A row a dead instance left open is not "online" in a
// mission's dispatch state, and a session this process holds but another instance's sweep closed
// is not given work.
import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { queryRows } from '../helpers/sql.ts';
import { servedProject } from '../dispatch/fixtures.ts';
import { SESSION_CLOSED_ELSEWHERE } from '../../src/sessions/session-sweep.ts';
import { fastSessions } from './helpers.ts';

t.test("dispatch state: a dead instance's open session row is not online; a vouched one is", async (t) => {
  const app = await startTestApp(t, { dispatch: { offlineGraceMs: 600_000, tickMs: 600_000, maxAttempts: 3 } });
  const dispatchOf = async (id: string) => (await app.admin.get(`/api/v1/missions/${id}`)).body.dispatch;
  const p = await servedProject(app);
  const client = await p.connect();
  const running = await p.mission({ title: 'running' });
  await client.waitFor((f: any) => f.type === 'mission.assign' && f.payload.mission.id === running.id, 'assign');
  await client.close();
  // The socket's close is written by this instance; wait until the row says so.
  for (let i = 0; i < 100 && (await queryRows(app.db, `SELECT 1 FROM workstation_sessions WHERE disconnected_at IS NULL`)).length > 0; i++) await new Promise((r) => setTimeout(r, 20));

  // What an instance killed with SIGKILL leaves: an open row nobody stamps any more.
  const leftover = async (heartbeat: string) => {
    await app.db.exec(`DELETE FROM workstation_sessions WHERE disconnected_at IS NULL;
      INSERT INTO workstation_sessions (id, workstation_id, daemon_version, agents, connected_at, last_heartbeat_at)
      VALUES ('01JLEFTOVERSESSION00000000', '${p.workstationId}', '1.0.0', '[{"type":"custom","version":"1"}]', now() - interval '1 hour', ${heartbeat})`);
  };
  await leftover(`now() - interval '10 minutes'`);
  t.match(await dispatchOf(running.id), { state: 'running', reasons: [{ code: 'no_workstation_online', message: /lost its connection/ }] }, 'the running mission says its workstation is gone');
  // A full house would be 'queued'; offline, a new mission is blocked with the workstation reason.
  const waiting = await p.mission({ title: 'waiting' });
  t.match(await dispatchOf(waiting.id), { reasons: [{ code: 'no_workstation_online' }] }, 'a new mission waits for a workstation to connect');

  // The same row, stamped just now (another live instance holds the socket): online.
  await leftover('now()');
  t.same(await dispatchOf(running.id), { state: 'running', reasons: [] }, 'a session another instance vouches for counts');
});

t.test('a session held here whose row another instance closed gets no work; the daemon is sent to reconnect and then gets it', async (t) => {
  const app = await startTestApp(t, { sessions: fastSessions(300), dispatch: { offlineGraceMs: 600_000, tickMs: 100, maxAttempts: 3 } });
  const p = await servedProject(app);
  const client = await p.connect();
  // Another instance's sweep decided this session was dead (this process stalled past the stale bound).
  await app.db.exec(`UPDATE workstation_sessions SET disconnected_at = now(), disconnect_reason = 'no heartbeat (control plane gone)' WHERE disconnected_at IS NULL`);
  const m = await p.mission();
  const closed = await client.closed;
  t.equal(closed.code, SESSION_CLOSED_ELSEWHERE, 'the daemon is told to reconnect (1012)');
  t.notOk(client.frames.some((f: any) => f.type === 'mission.assign'), 'no assignment went to the session everyone else counts as gone');
  const attempts = await queryRows(app.db, `SELECT id FROM code_agent_sessions WHERE mission_id = '${m.id}'`);
  t.equal(attempts.length, 0, 'and no attempt was created for it');

  const again = await p.connect();
  t.teardown(() => again.close());
  await again.waitFor((f: any) => f.type === 'mission.assign' && f.payload.mission.id === m.id, 'assign after reconnecting');
  t.pass('the reconnected session gets the mission');
});
