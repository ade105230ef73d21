// N control planes on one PostgreSQL: starting an instance, or sweeping, never closes a live
// session another instance holds; a session whose instance died is closed by a survivor.
// Real PostgreSQL only (on PGlite there is one process per data dir, so one instance).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { startControlPlane } from '../helpers/control-plane-process.ts';
import { onPostgres } from '../helpers/database.ts';
import { createOrg } from '../helpers/fixtures.ts';
import { queryRows } from '../helpers/sql.ts';
import { connectRaw, hello } from '../workstations/helpers/ws-client.ts';
import { eventually, fastSessions, startPeer } from './helpers.ts';

type SessionRow = { id: string; disconnected_at: Date | null; disconnect_reason: string | null };

if (!onPostgres) {
  t.pass('runs on real PostgreSQL only (set TEST_DATABASE_URL)');
} else {
  t.test('a second instance starting, and sweeping, leaves the first instance\'s live session open', async (t) => {
    const a = await startTestApp(t, { sessions: fastSessions(200) });
    const org = await createOrg(a.admin);
    const reg = (await a.admin.post('/api/v1/workstations', { organizationId: org.id, name: 'held-by-a' })).body;
    // A raw client sends no session.heartbeat: only instance A vouching for it keeps it fresh.
    const client = await connectRaw(a.baseUrl, reg.token);
    client.send(hello(reg.workstation.id));
    const welcome = await client.waitFor((f) => f.type === 'session.welcome');

    const b = await startPeer(t, a, { sessions: fastSessions(200) });
    const sessions = () => queryRows<SessionRow>(a.db, `SELECT id, disconnected_at, disconnect_reason FROM workstation_sessions WHERE workstation_id = '${reg.workstation.id}'`);
    t.same((await sessions()).map((s) => [s.id, s.disconnected_at]), [[welcome.payload.sessionId, null]], 'open after the second instance started');
    // Well past the stale bound (3 × 200 ms), with both sweeps running every 200 ms.
    await new Promise((r) => setTimeout(r, 1500));
    t.same((await sessions()).map((s) => [s.id, s.disconnected_at]), [[welcome.payload.sessionId, null]], 'still open after many sweeps of both instances');
    t.equal(client.socket.readyState, client.socket.OPEN, 'and the socket is up');
    await client.close();
    await b.close();
  });

  t.test('a session held by an instance killed with SIGKILL is closed by a survivor\'s sweep', async (t) => {
    const a = await startTestApp(t, { sessions: fastSessions(200) });
    const org = await createOrg(a.admin);
    const reg = (await a.admin.post('/api/v1/workstations', { organizationId: org.id, name: 'held-by-doomed' })).body;
    const dataDir = mkdtempSync(join(tmpdir(), 'su-doomed-'));
    t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
    const doomed = await startControlPlane({ DATABASE_URL: a.db.url!, SU_DATA_DIR: dataDir, SU_HEARTBEAT_INTERVAL_MS: '200' });
    t.teardown(() => void doomed.child.kill('SIGKILL'));
    const client = await connectRaw(doomed.baseUrl, reg.token);
    client.send(hello(reg.workstation.id));
    const welcome = await client.waitFor((f) => f.type === 'session.welcome');
    const row = async () => (await queryRows<SessionRow>(a.db, `SELECT id, disconnected_at, disconnect_reason FROM workstation_sessions WHERE id = '${welcome.payload.sessionId}'`))[0];
    t.equal((await row())?.disconnected_at, null, 'open while its instance lives');

    doomed.child.kill('SIGKILL');
    await client.closed;
    const closed = await eventually(async () => ((await row())?.disconnected_at ? row() : undefined));
    t.ok(closed?.disconnected_at, 'closed once its heartbeat went stale');
    t.match(closed?.disconnect_reason, /no heartbeat/, 'with a reason saying why');
    const ws = (await a.admin.get(`/api/v1/workstations/${reg.workstation.id}`)).body;
    t.equal(ws.online, false, 'and the workstation shows offline');
  });
}
