// A workstation's coming online is announced by its session's insert (the realtime trigger);
// whoever hears it reads the workstation then. What the daemon's hello reported must be stored by
// that moment, or a board draws it online with "No agents reported" (seen in CI's board test).
import { sql } from 'drizzle-orm';
import t from 'tap';
import { rowsOf } from '../../src/db/rows.ts';
import { startTestApp } from '../helpers/app.ts';
import { createOrg } from '../helpers/fixtures.ts';
import { connectRaw, hello } from './helpers/ws-client.ts';

t.test('when a workstation is announced online, its reported agents are already stored', async (t) => {
  const app = await startTestApp(t);
  const org = await createOrg(app.admin);
  const seenAtAnnouncement: unknown[] = [];
  const checks: Promise<void>[] = [];
  const unlisten = await app.db.listen('su_realtime', (payload) => {
    const note = JSON.parse(payload) as { c?: string };
    if (note.c !== `organization:${org.id}:workstations`) return;
    // Read at once, as a board's refetch would: the newest session's workstation.
    checks.push((async () => {
      const [row] = rowsOf(await app.db.db.execute(sql`
        SELECT w.agents FROM workstation_sessions s JOIN workstations w ON w.id = s.workstation_id
        WHERE s.disconnected_at IS NULL ORDER BY s.connected_at DESC, s.id DESC LIMIT 1`));
      seenAtAnnouncement.push(row?.agents);
    })());
  });
  t.teardown(unlisten);

  const rounds = 12;
  for (let i = 0; i < rounds; i++) {
    const { body } = await app.admin.post('/api/v1/workstations', { organizationId: org.id, name: `ws-${i}` });
    const client = await connectRaw(app.baseUrl, body.token);
    client.send(hello(body.workstation.id));
    await client.waitFor((f) => f.type === 'session.welcome');
    await client.close();
    await new Promise((r) => setTimeout(r, 20)); // the offline note's read sees no open session
  }
  await Promise.all(checks);
  const online = seenAtAnnouncement.filter((agents) => agents !== undefined);
  t.ok(online.length >= rounds, `${online.length} announcements read with a session open`);
  t.same(online.filter((agents) => !Array.isArray(agents) || agents.length === 0), [], 'none without the agents the hello reported');
});
