// Two control-plane processes over one PostgreSQL database, each holding a different
// workstation's session: no mission is ever handed out twice. Real PostgreSQL only (PGlite is
// one session, where this would pass trivially).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { sql } from 'drizzle-orm';
import { buildApp } from '../../src/app.ts';
import { openDatabase } from '../../src/db/client.ts';
import { startTestApp } from '../helpers/app.ts';
import { onPostgres } from '../helpers/database.ts';
import { queryRows } from '../helpers/sql.ts';
import { connectRaw, hello } from '../workstations/helpers/ws-client.ts';
import { servedProject } from './fixtures.ts';

if (!onPostgres) {
  t.pass('runs on real PostgreSQL only (set TEST_DATABASE_URL)');
} else {
  t.test('two workstations on two control planes never run the same mission', async (t) => {
    // The raw clients send no heartbeats: a long grace keeps their attempts theirs for the whole test.
    const dispatch = { offlineGraceMs: 600_000, tickMs: 200, maxAttempts: 3 };
    const app = await startTestApp(t, { dispatch, poolSize: 10 });
    const otherDb = await openDatabase({ databaseUrl: app.db.url!, poolSize: 10, migrate: false });
    const other = await buildApp({ database: otherDb, docsDir: mkdtempSync(join(tmpdir(), 'su-docs-')), dispatch });
    await other.listen({ host: '127.0.0.1', port: 0 });
    t.teardown(async () => {
      await other.close();
      await otherDb.close();
    });
    const otherUrl = `http://127.0.0.1:${(other.server.address() as { port: number }).port}`;

    const p = await servedProject(app, { maxConcurrentMissions: 20, projectMax: 100 });
    const reg = await app.admin.post('/api/v1/workstations', { organizationId: p.org.id, name: 'second' });
    await app.admin.post(`/api/v1/projects/${p.project.id}/workstations`, { workstationId: reg.body.workstation.id });
    const missions = [];
    for (let i = 0; i < 40; i++) missions.push(await p.mission({ title: `m${i}`, ready: false }));

    const a = await p.connect();
    const b = await connectRaw(otherUrl, reg.body.token);
    const hb = hello(reg.body.workstation.id) as any;
    hb.payload.maxConcurrentMissions = 20;
    b.send(hb);
    await b.waitFor((f) => f.type === 'session.welcome');
    // All 40 become ready in one commit: both dispatchers wake on it and race for the same rows.
    await app.db.db.execute(sql`UPDATE missions SET ready = true WHERE project_id = ${p.project.id}`);
    const assigned = () => [...a.frames, ...b.frames].filter((f) => f.type === 'mission.assign');
    // Wait for 40 assignments (bounded: a shortfall fails below rather than hanging).
    const deadline = Date.now() + 20_000;
    while (assigned().length < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    const ids = assigned().map((f) => f.payload.mission.id);
    t.equal(new Set(ids).size, 40, 'each of the 40 missions assigned exactly once');
    t.same([a, b].map((c) => c.frames.filter((f) => f.type === 'mission.assign').length), [20, 20], 'each workstation filled to its capacity, from its own control plane');
    const doubled = await queryRows(app.db, 'SELECT mission_id FROM code_agent_sessions GROUP BY mission_id HAVING count(*) > 1');
    t.same(doubled, [], 'one attempt per mission in the database');
    await a.close();
    await b.close();
  });
}
