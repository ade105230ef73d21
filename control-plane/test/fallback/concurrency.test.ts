// Races that need several database sessions: real PostgreSQL only (PGlite is one session, so
// these would pass trivially there and prove nothing).
import { randomBytes } from 'node:crypto';
import { createSecretBox } from '../../src/lib/secret-box.ts';
import t from 'tap';
import { openDatabase } from '../../src/db/client.ts';
import { createFallbackScheduler } from '../../src/modules/fallback/scheduler.ts';
import { createServices } from '../../src/services.ts';
import { startTestApp } from '../helpers/app.ts';
import { manualClock } from '../helpers/clock.ts';
import { onPostgres } from '../helpers/database.ts';
import { fallbackProject } from './fixtures.ts';

if (!onPostgres) {
  t.pass('concurrency tests run on real PostgreSQL only (set TEST_DATABASE_URL)');
} else {
  const clock = manualClock('2026-11-25T10:00:00Z');
  const app = await startTestApp(t, { clock, poolSize: 20 });
  const api = app.admin;

  t.test('50 concurrent accepts against a weekly cap of 10 accept exactly 10', async (t) => {
    const f = await fallbackProject(api);
    await f.config({ backlogThreshold: 50, weeklyMissionCap: 50 });
    for (let i = 0; i < 50; i++) await f.template(`t${i}`);
    const { items } = (await api.post(`${f.P}/fallback/runs`, {})).body;
    t.equal(items.length, 50);
    await f.config({ weeklyMissionCap: 10 });
    const results = await Promise.all(items.map((i: any) => api.post(`/api/v1/fallback/items/${i.id}/accept`, {})));
    const ok = results.filter((r) => r.status === 200).length;
    const capped = results.filter((r) => r.status === 409 && r.body.error.code === 'SU_ERR_FALLBACK_WEEKLY_CAP').length;
    t.equal(ok, 10, 'exactly the cap');
    t.equal(capped, 40, 'the rest refused with the cap code');
    const missions = (await api.get(`${f.P}/missions?limit=500`)).body.items.filter((m: any) => m.origin === 'fallback');
    t.equal(missions.length, 10, 'no mission leaked past the cap');
    const run = (await api.get(`${f.P}/fallback/runs`)).body.items[0];
    t.match(run, { acceptedCount: 10, generatedCount: 50 });
  });

  t.test('concurrent accepts of the same item create one mission', async (t) => {
    const f = await fallbackProject(api);
    await f.config({ backlogThreshold: 1 });
    await f.template('once');
    const { items } = (await api.post(`${f.P}/fallback/runs`, {})).body;
    const results = await Promise.all(Array.from({ length: 10 }, () => api.post(`/api/v1/fallback/items/${items[0].id}/accept`, {})));
    t.ok(results.every((r) => r.status === 200));
    t.equal(new Set(results.map((r) => r.body.missionId)).size, 1);
    const missions = (await api.get(`${f.P}/missions`)).body.items.filter((m: any) => m.origin === 'fallback');
    t.equal(missions.length, 1);
  });

  t.test('two schedulers ticking at once give each due project exactly one run', async (t) => {
    const projects = [];
    for (let i = 0; i < 12; i++) {
      const f = await fallbackProject(api);
      await f.config({ backlogThreshold: 2, checkCadenceMinutes: 1 });
      await f.template('a');
      projects.push(f);
    }
    // A second control-plane "process": its own connection pool, engine and scheduler.
    const other = await openDatabase({ databaseUrl: app.db.url!, poolSize: 10, migrate: false });
    t.teardown(() => other.close());
    const otherServices = createServices(other.db, clock, { docsDir: app.docsDir, secretBox: createSecretBox(randomBytes(32)), githubApiUrl: 'https://api.github.com' });
    const mk = (db: typeof other.db, engine: typeof otherServices.fallbackEngine) =>
      createFallbackScheduler({ db, clock, engine, enabled: true, tickMs: 60_000 });
    const a = mk(app.db.db, app.app.services.fallbackEngine);
    const b = mk(other.db, otherServices.fallbackEngine);
    clock.minutes(1);
    for (let round = 0; round < 5; round++) {
      const [ra, rb] = await Promise.all([a.tick(), b.tick()]);
      if (round === 0) t.ok(ra.leader || rb.leader, 'one of them led the first round');
    }
    for (const f of projects) {
      const runs = (await api.get(`${f.P}/fallback/runs`)).body.items;
      t.equal(runs.length, 1, `project ${f.project.id} has exactly one run`);
    }
  });
}
