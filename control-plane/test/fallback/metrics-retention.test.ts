import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import t from 'tap';
import { createFallbackScheduler } from '../../src/modules/fallback/scheduler.ts';
import { purgeExpired, refreshMetricsViews } from '../../src/modules/fallback/upkeep.ts';
import { rowsOf } from '../../src/db/rows.ts';
import { startTestApp } from '../helpers/app.ts';
import { manualClock } from '../helpers/clock.ts';
import { fallbackProject } from './fixtures.ts';

// Health counts "this week / this month" as of the refresh (the database's now()), so this clock
// starts at the real time.
const clock = manualClock(new Date());
const app = await startTestApp(t, { clock });
const api = app.admin;
const db = app.db.db;
const today = () => clock.now().toISOString().slice(0, 10);

t.test('daily metrics and guardrail health reflect runs, decisions and backlog checks', async (t) => {
  const f = await fallbackProject(api);
  await f.config({ backlogThreshold: 3, weeklyMissionCap: 4, monthlyTargetHours: 10, checkCadenceMinutes: 1 });
  await f.readyMissions(1);
  for (const n of ['a', 'b']) await f.template(n, { estimatedEffortMinutes: 30 });
  const scheduler = createFallbackScheduler({ db, clock, engine: app.app.services.fallbackEngine, enabled: true, tickMs: 1000 });
  clock.minutes(1);
  await scheduler.tick(); // backlog 1 of 3 → run with 2 proposals
  const [run] = (await api.get(`${f.P}/fallback/runs`)).body.items;
  await api.post(`/api/v1/fallback/items/${run.items[0].id}/accept`, {});
  await api.post(`/api/v1/fallback/items/${run.items[1].id}/discard`, { feedback: 'later' });
  clock.minutes(1);
  await scheduler.tick(); // backlog 2 of 3 → sample; a new run for the one deficit
  await refreshMetricsViews(db);

  const metrics = (await api.get(`${f.P}/fallback/metrics?days=7`)).body;
  const day = metrics.daily.find((d: any) => d.day === today());
  t.ok(day, 'a row for today');
  t.match(day, { fallbackAccepted: 1, fallbackDiscarded: 1, backlogChecks: 2, belowThresholdChecks: 2, avgBacklogSize: 1.5 });
  t.ok(day.fallbackGenerated >= 2);
  t.match(metrics.health, {
    status: 'active', backlogThreshold: 3, checks30d: 2, thresholdAdherence: 0,
    acceptedThisWeek: 1, weeklyCapUsage: 0.25, acceptedMinutesThisMonth: 30, monthlyHoursUsage: 0.05,
  });
  t.ok(metrics.health.runs30d >= 2);
});

t.test('runs older than 180 days are purged with their reports while the daily aggregates stay', async (t) => {
  const f = await fallbackProject(api);
  await f.config({ backlogThreshold: 2 });
  await f.template('old');
  const realNow = clock.now();
  clock.set(new Date(realNow.getTime() - 200 * 86_400_000));
  const oldDay = today();
  const old = (await api.post(`${f.P}/fallback/runs`, {})).body;
  const oldMissionId = (await api.post(`/api/v1/fallback/items/${old.items[0].id}/accept`, {})).body.missionId;
  await db.execute(sql`INSERT INTO mission_fallback_backlog_samples (project_id, checked_at, backlog_count, backlog_threshold)
                       VALUES (${f.project.id}, ${clock.now()}, 4, 2)`);
  clock.set(realNow);
  const recent = (await api.post(`${f.P}/fallback/runs`, {})).body;
  const oldReport = join(app.docsDir, 'fallback', `${old.run.id}.json`);
  t.ok(existsSync(oldReport));

  await refreshMetricsViews(db);
  const before = (await api.get(`${f.P}/fallback/metrics?days=400`)).body.daily.find((d: any) => d.day === oldDay);
  t.match(before, { fallbackGenerated: 1, fallbackAccepted: 1, backlogChecks: 1, avgBacklogSize: 4 });

  const purged = await purgeExpired(db, clock.now(), app.app.services.fallbackEngine.reports);
  t.same(purged, { runs: 1, samples: 1 });
  t.equal((await api.get(`${f.P}/fallback/runs/${old.run.id}`)).status, 404, 'the old run is gone');
  t.equal((await api.get(`${f.P}/fallback/runs/${recent.run.id}`)).status, 200, 'the recent run stays');
  t.notOk(existsSync(oldReport), 'its report is gone too');
  const mission = (await api.get(`/api/v1/missions/${oldMissionId}`)).body;
  t.match(mission, { origin: 'fallback', fallbackItemId: null }, 'the mission it created stays on the board');

  await refreshMetricsViews(db);
  const after = (await api.get(`${f.P}/fallback/metrics?days=400`)).body.daily.find((d: any) => d.day === oldDay);
  t.same(after, before, 'the aggregates of purged rows are kept');
  const again = await purgeExpired(db, clock.now(), app.app.services.fallbackEngine.reports);
  t.same(again, { runs: 0, samples: 0 }, 'purging is idempotent');
  await refreshMetricsViews(db);
  t.same((await api.get(`${f.P}/fallback/metrics?days=400`)).body.daily.find((d: any) => d.day === oldDay), before, 'and never double-counts');
});

t.test('a run awaiting review notifies the project admins in the fallback segment', async (t) => {
  const f = await fallbackProject(api);
  await f.config({ backlogThreshold: 1 });
  await f.template('n');
  const { run } = (await api.post(`${f.P}/fallback/runs`, {})).body;
  const rows = rowsOf(await db.execute(sql`SELECT kind, segment, data FROM notifications WHERE project_id = ${f.project.id}`));
  t.equal(rows.length, 1, 'the org owner (the admin who created it)');
  t.match(rows[0], { kind: 'fallback.review_needed', segment: 'fallback', data: { runId: run.id } });
  await refreshMetricsViews(db);
  const counts = rowsOf(await db.execute(sql`SELECT unread FROM notification_counts WHERE segment = 'fallback'`));
  t.ok(counts.length >= 1 && Number(counts[0]!.unread) >= 1, 'notification_counts carries the fallback segment');
});
