// `online` in the workstation API with N control planes: the daemon's session may be held by
// any instance, so every instance reads presence from the session rows. Real PostgreSQL only.
import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { onPostgres } from '../helpers/database.ts';
import { createOrg } from '../helpers/fixtures.ts';
import { connectRaw, hello } from '../workstations/helpers/ws-client.ts';
import { eventually, fastSessions, startPeer } from './helpers.ts';

if (!onPostgres) {
  t.pass('runs on real PostgreSQL only (set TEST_DATABASE_URL)');
} else {
  t.test('a daemon connected to instance A shows online on instance B, and offline once it leaves', async (t) => {
    const a = await startTestApp(t, { sessions: fastSessions(200) });
    const b = await startPeer(t, a, { sessions: fastSessions(200) });
    const org = await createOrg(a.admin);
    const reg = (await a.admin.post('/api/v1/workstations', { organizationId: org.id, name: 'on-a' })).body;
    const idle = (await a.admin.post('/api/v1/workstations', { organizationId: org.id, name: 'never-connected' })).body;
    const onB = async () => {
      const list = (await b.admin.get(`/api/v1/workstations?organizationId=${org.id}`)).body.items as { id: string; online: boolean }[];
      return Object.fromEntries(list.map((w) => [w.id, w.online]));
    };
    t.same(await onB(), { [reg.workstation.id]: false, [idle.workstation.id]: false }, 'both offline before any daemon connects');

    const client = await connectRaw(a.baseUrl, reg.token);
    client.send(hello(reg.workstation.id));
    await client.waitFor((f) => f.type === 'session.welcome');
    t.same(await onB(), { [reg.workstation.id]: true, [idle.workstation.id]: false }, 'B lists the workstation online');
    t.equal((await b.admin.get(`/api/v1/workstations/${reg.workstation.id}`)).body.online, true, 'and so does GET /workstations/:id on B');
    // Past the stale bound: A keeps vouching for the session it holds (the raw client sends no heartbeats).
    await new Promise((r) => setTimeout(r, 1000));
    t.equal((await b.admin.get(`/api/v1/workstations/${reg.workstation.id}`)).body.online, true, 'still online on B a while later');

    await client.close();
    const offline = await eventually(async () => (await b.admin.get(`/api/v1/workstations/${reg.workstation.id}`)).body.online === false);
    t.ok(offline, 'offline on B once the daemon disconnects from A');
  });
}
