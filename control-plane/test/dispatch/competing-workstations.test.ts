// Two idle workstations of one project, each taking one mission at a time, and two missions made
// ready in one commit: both are assigned at once, not one now and one at the next dispatch tick.
// A claim locks a few more candidates than it can take, and the other workstation's claim running
// at the same moment skips those rows; the board change of the mission entering Doing must wake it
// again. (Found by review: skipping that change stranded the second mission until the tick.)
// PostgreSQL only: on PGlite claims never overlap.
import t from 'tap';
import { sql } from 'drizzle-orm';
import { startTestApp } from '../helpers/app.ts';
import { onPostgres } from '../helpers/database.ts';
import { connectRaw, hello } from '../workstations/helpers/ws-client.ts';
import { servedProject } from './fixtures.ts';

if (!onPostgres) t.pass('claims overlap only on PostgreSQL');
else t.test('two ready missions, two idle workstations: both assigned promptly, round after round', async (t) => {
  // A tick far beyond the wait below (and the whole test): only the wake-ups can assign in time.
  const app = await startTestApp(t, { dispatch: { offlineGraceMs: 600_000, tickMs: 600_000, maxAttempts: 3 }, poolSize: 10 });
  const p = await servedProject(app, { maxConcurrentMissions: 1, projectMax: 100 });
  const second = await app.admin.post('/api/v1/workstations', { organizationId: p.org.id, name: 'second' });
  await app.admin.post(`/api/v1/projects/${p.project.id}/workstations`, { workstationId: second.body.workstation.id });
  const results: number[] = [];
  for (let round = 0; round < 5; round++) {
    await app.db.db.execute(sql`DELETE FROM code_agent_sessions`);
    await app.db.db.execute(sql`DELETE FROM missions`);
    for (let i = 0; i < 2; i++) await p.mission({ title: `m${round}-${i}`, ready: false });
    const a = await p.connect();
    const b = await connectRaw(app.baseUrl, second.body.token);
    const greeting = hello(second.body.workstation.id) as any;
    greeting.payload.maxConcurrentMissions = 1;
    b.send(greeting);
    await b.waitFor((f: any) => f.type === 'session.welcome');
    await new Promise((r) => setTimeout(r, 300));
    await app.db.db.execute(sql`UPDATE missions SET ready = true WHERE project_id = ${p.project.id}`);
    const assigned = () => [...a.frames, ...b.frames].filter((f: any) => f.type === 'mission.assign').length;
    // Generous for a loaded machine; a mission stranded until the tick still misses it.
    const deadline = Date.now() + 15_000;
    while (assigned() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    results.push(assigned());
    await a.close();
    await b.close();
    await new Promise((r) => setTimeout(r, 300));
  }
  t.same(results, [2, 2, 2, 2, 2], `missions assigned within 15 s, per round: ${results}`);
});
