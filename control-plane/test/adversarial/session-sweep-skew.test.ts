import { newId } from '@solo-unicorn/shared';
import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { manualClock } from '../helpers/clock.ts';
import { onPostgres } from '../helpers/database.ts';
import { createOrg } from '../helpers/fixtures.ts';
import { queryRows } from '../helpers/sql.ts';
import { connectRaw, hello } from '../workstations/helpers/ws-client.ts';
import { attemptFrames } from '../dispatch/fixtures.ts';
import { eventually, fastSessions, startPeer } from '../scale-out/helpers.ts';

// Adversarial review of the per-heartbeat session sweep (#17) with two control planes on one
// PostgreSQL: A's and B's hosts disagree on the time. Host clocks drift by seconds (NTP) and by
// minutes (a VM resumed, no NTP). B vouches for its live session and A closes what nobody vouched
// for within 3 intervals; the dispatcher requeues what was not seen within the offline grace.
// Stamps and cut-offs are both the database's clock, so A's being ahead changes nothing.

type Row = { disconnected_at: Date | null; disconnect_reason: string | null };

if (!onPostgres) {
  t.pass('the two-instance tests run on real PostgreSQL only (set TEST_DATABASE_URL)');
} else {
  t.test('an instance whose clock is ahead never closes the live session another instance holds', async (t) => {
    const ahead = manualClock(new Date(Date.now() + 10 * 60_000)); // A: ten minutes ahead
    setInterval(() => ahead.set(new Date(Date.now() + 10 * 60_000)), 50).unref();
    const a = await startTestApp(t, { clock: ahead, sessions: fastSessions(200) });
    const b = await startPeer(t, a, { sessions: fastSessions(200) });
    const org = await createOrg(a.admin);
    const reg = (await a.admin.post('/api/v1/workstations', { organizationId: org.id, name: 'held-by-b' })).body;
    const client = await connectRaw(b.baseUrl, reg.token);
    client.send(hello(reg.workstation.id));
    const welcome = await client.waitFor((f) => f.type === 'session.welcome');
    const row = async () => (await queryRows<Row>(a.db, `SELECT disconnected_at, disconnect_reason FROM workstation_sessions WHERE id = '${welcome.payload.sessionId}'`))[0];

    // Many sweeps of both (every 200 ms), far past the stale bound (600 ms).
    const closed = await eventually(async () => ((await row())?.disconnected_at ? row() : undefined), 2000);
    t.notOk(closed, `B's live session stays open (closed: ${closed?.disconnect_reason ?? 'no'})`);
    t.equal(client.socket.readyState, client.socket.OPEN, 'and its socket stays up');
    await client.close();
    await b.close();
  });

  t.test('an instance whose clock is ahead does not take a running mission from a workstation another instance holds', async (t) => {
    // Five seconds ahead: under the session sweep's bound (3 × 5 s), over the offline grace (2 s).
    const ahead = manualClock(new Date(Date.now() + 5_000));
    setInterval(() => ahead.set(new Date(Date.now() + 5_000)), 50).unref();
    const a = await startTestApp(t, { clock: ahead, sessions: fastSessions(5_000), dispatch: { offlineGraceMs: 2_000, tickMs: 200, maxAttempts: 3 } });
    const b = await startPeer(t, a, { sessions: fastSessions(5_000), dispatch: { offlineGraceMs: 2_000, tickMs: 200, maxAttempts: 3 } });
    const org = await createOrg(a.admin);
    const project = (await a.admin.post('/api/v1/projects', { organizationId: org.id, name: 'skewed' })).body;
    const repo = (await a.admin.post(`/api/v1/projects/${project.id}/repositories`, { url: `file:///tmp/remote-${project.id}.git` })).body;
    const reg = (await a.admin.post('/api/v1/workstations', { organizationId: org.id, name: 'held-by-b' })).body;
    await a.admin.post(`/api/v1/projects/${project.id}/workstations`, { workstationId: reg.workstation.id });
    const client = await connectRaw(b.baseUrl, reg.token);
    client.send(hello(reg.workstation.id));
    await client.waitFor((f) => f.type === 'session.welcome');
    const m = (await b.admin.post(`/api/v1/projects/${project.id}/missions`, { title: 'runs on B', ready: true, repositoryId: repo.id })).body;
    const assign = await client.waitFor((f) => f.type === 'mission.assign' && f.payload.mission.id === m.id, 'assign');
    client.send(attemptFrames(assign).accepted());
    await new Promise((r) => setTimeout(r, 2500)); // many of A's ticks; B's workstation is alive throughout
    const attempt = (await queryRows<{ status: string }>(a.db, `SELECT status FROM code_agent_sessions WHERE id = '${assign.payload.attemptId}'`))[0];
    t.equal(attempt?.status, 'running', 'the running attempt is not requeued as stranded');
    const events = (await a.admin.get(`/api/v1/missions/${m.id}/events?limit=500`)).body.items.map((e: any) => `${e.kind}${e.data?.reason ? ` (${e.data.reason})` : ''}`);
    t.notOk(events.some((k: string) => k.startsWith('mission.requeued')), `no requeue on the timeline (${events.join(', ')})`);
    t.match((await a.admin.get(`/api/v1/missions/${m.id}`)).body, { list: 'doing' }, 'the mission stays in Doing');
    await client.close();
  });

  t.test('a dead instance\'s session is closed within the stated bound (3 heartbeat intervals, plus one sweep)', async (t) => {
    const a = await startTestApp(t, { sessions: fastSessions(200) });
    const org = await createOrg(a.admin);
    const reg = (await a.admin.post('/api/v1/workstations', { organizationId: org.id, name: 'held-by-a-dead-instance' })).body;
    // What an instance that died a moment after its last vouch leaves: an open row stamped now.
    const id = newId();
    const stampedAt = Date.now();
    await queryRows(a.db, `INSERT INTO workstation_sessions (id, workstation_id, connected_at, last_heartbeat_at) VALUES ('${id}', '${reg.workstation.id}', now(), to_timestamp(${stampedAt / 1000}))`);
    const row = async () => (await queryRows<Row>(a.db, `SELECT disconnected_at, disconnect_reason FROM workstation_sessions WHERE id = '${id}'`))[0];
    const closed = await eventually(async () => ((await row())?.disconnected_at ? row() : undefined), 10_000);
    const took = Date.now() - stampedAt;
    t.ok(closed, 'closed by the surviving instance');
    t.ok(took >= 3 * 200, `not before the stale bound (${took} ms)`);
    // The bound is 800 ms here; the ceiling leaves a loaded machine room and is still far under
    // anything slower than this sweep (a stale session at the default heartbeat takes 45 s).
    t.ok(took <= 5000, `within the bound plus one sweep, with scheduling margin (${took} ms)`);
    t.match(closed?.disconnect_reason, /no heartbeat/);
  });
}

// Presence no longer depends on host clocks, but other stamps do (see clock-skew.ts): an instance
// whose clock is off still says so, in /metrics and its log.
t.test('an instance whose clock is off from the database says so in /metrics', async (t) => {
  const ahead = manualClock(new Date(Date.now() + 10 * 60_000));
  setInterval(() => ahead.set(new Date(Date.now() + 10 * 60_000)), 50).unref();
  const a = await startTestApp(t, { clock: ahead });
  const skewOf = async () => Number(/^su_clock_skew_seconds (\S+)$/m.exec((await a.admin.get('/metrics')).body as string)?.[1]);
  const skew = await eventually(async () => ((await skewOf()) > 0 ? skewOf() : undefined), 5000);
  t.ok(skew !== undefined && Math.abs(skew - 600) < 5, `about ten minutes ahead (${skew} s)`);
});
