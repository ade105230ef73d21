import { sql } from 'drizzle-orm';
import t from 'tap';
import { rowsOf } from '../../src/db/rows.ts';
import { Registry } from 'prom-client';
import { createRetention, runJob } from '../../src/modules/retention/retention.ts';
import { auditEventsJob } from '../../src/modules/retention/retention-jobs.ts';
import { startTestApp } from '../helpers/app.ts';
import { manualClock } from '../helpers/clock.ts';
import { fallbackProject } from '../fallback/fixtures.ts';
import { seedAged } from './fixtures.ts';

// The audit table's WORM trigger judges age by the database's clock: this one starts at real time.
const clock = manualClock(new Date());
const app = await startTestApp(t, { clock });
const db = app.db.db;
const count = async (q: ReturnType<typeof sql>) => Number(rowsOf(await db.execute(q))[0]!.n);

t.test('each horizon: older rows go, younger stay, a second run removes nothing, /metrics shows what went', async (t) => {
  await db.execute(sql`DELETE FROM audit_events WHERE created_at < now() - interval '400 days'`); // none yet; keeps the counts exact
  await seedAged(db, 'audit_events', { days: 401, n: 3, tag: 'old' });
  await seedAged(db, 'audit_events', { days: 399, n: 2, tag: 'young' });
  await seedAged(db, 'notifications', { days: 181, n: 4, tag: 'old' });
  await seedAged(db, 'notifications', { days: 179, n: 2, tag: 'young' });

  // A fallback run 200 days ago (its accepted mission stays) and a recent one; one old backlog sample.
  const f = await fallbackProject(app.admin);
  await f.config({ backlogThreshold: 2 });
  await f.template('old');
  const realNow = clock.now();
  clock.set(new Date(realNow.getTime() - 200 * 86_400_000));
  const old = (await app.admin.post(`${f.P}/fallback/runs`, {})).body;
  const missionId = (await app.admin.post(`/api/v1/fallback/items/${old.items[0].id}/accept`, {})).body.missionId;
  await db.execute(sql`INSERT INTO mission_fallback_backlog_samples (project_id, checked_at, backlog_count, backlog_threshold) VALUES (${f.project.id}, ${clock.now()}, 4, 2)`);
  clock.set(realNow);
  const recent = (await app.admin.post(`${f.P}/fallback/runs`, {})).body;

  const first = await app.app.retention.run();
  t.same(first, {
    mission_fallback_runs: { leader: true, removed: 1 },
    mission_fallback_backlog_samples: { leader: true, removed: 1 },
    notifications: { leader: true, removed: 5 }, // the 4 seeded, and the old run's review-needed notice
    audit_events: { leader: true, removed: 3 },
    access_request_messages: { leader: true, removed: 0 },
    idempotency_keys: { leader: true, removed: 0 }, // its own test: test/api/idempotency.test.ts
  });
  t.equal(await count(sql`SELECT count(*)::int AS n FROM audit_events WHERE action = 'test.old'`), 0, 'audit events past 400 days are gone');
  t.equal(await count(sql`SELECT count(*)::int AS n FROM audit_events WHERE action = 'test.young'`), 2, 'younger ones stay');
  t.equal(await count(sql`SELECT count(*)::int AS n FROM notifications WHERE kind = 'test.old'`), 0, 'notifications past 180 days are gone');
  t.equal(await count(sql`SELECT count(*)::int AS n FROM notifications WHERE kind = 'test.young'`), 2);
  t.equal((await app.admin.get(`${f.P}/fallback/runs/${old.run.id}`)).status, 404, 'the old run is gone');
  t.equal((await app.admin.get(`${f.P}/fallback/runs/${recent.run.id}`)).status, 200, 'the recent run stays');
  t.match((await app.admin.get(`/api/v1/missions/${missionId}`)).body, { origin: 'fallback' }, 'the mission it created stays');
  t.equal(await count(sql`SELECT count(*)::int AS n FROM mission_fallback_metrics_archive WHERE project_id = ${f.project.id}`) > 0, true, 'its aggregates are archived');

  const second = await app.app.retention.run();
  t.ok(Object.values(second).every((o) => o.leader && o.removed === 0), 'a second run removes nothing');

  const metrics = (await app.admin.get('/metrics')).body as string;
  for (const [table, n] of [['audit_events', 3], ['notifications', 5], ['mission_fallback_runs', 1], ['mission_fallback_backlog_samples', 1], ['access_request_messages', 0]] as const) {
    t.match(metrics, new RegExp(`su_retention_rows_removed_total\\{table="${table}"\\} ${n}\\b`), `/metrics: ${table} ${n}`);
  }
  t.match(metrics, /su_retention_last_run_timestamp_seconds \d/);
  const refused = await db.execute(sql`DELETE FROM audit_events WHERE action = 'test.young'`).then(() => undefined, (e: any) => String(e.cause?.message ?? e.message));
  t.match(refused, /retained for 400 days/, 'younger audit events stay write-once');
});

t.test('batched: 7 expired events in batches of 3 all go, one statement per batch', async (t) => {
  await seedAged(db, 'audit_events', { days: 500, n: 7, tag: 'batched' });
  t.same(await runJob(db, clock.now(), auditEventsJob, 3), { leader: true, removed: 7 });
  t.same(await runJob(db, clock.now(), auditEventsJob, 3), { leader: true, removed: 0 });
});

t.test('an application clock ahead of the database never deletes what the WORM trigger protects', async (t) => {
  await seedAged(db, 'audit_events', { days: 399, n: 1, tag: 'edge' });
  const ahead = new Date(Date.now() + 10 * 86_400_000);
  t.same(await runJob(db, ahead, auditEventsJob), { leader: true, removed: 0 });
  t.equal(await count(sql`SELECT count(*)::int AS n FROM audit_events WHERE action = 'test.edge'`), 1);
});

t.test('scheduled: on its own timer (SU_RETENTION_INTERVAL_MS), independent of Mission Fallback', async (t) => {
  await seedAged(db, 'notifications', { days: 365, n: 2, tag: 'timer' });
  const retention = createRetention({ db, clock, reports: app.app.services.fallbackEngine.reports, registry: new Registry(), intervalMs: 50 });
  retention.start();
  t.teardown(() => retention.stop());
  const deadline = Date.now() + 10_000;
  while ((await count(sql`SELECT count(*)::int AS n FROM notifications WHERE kind = 'test.timer'`)) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.equal(await count(sql`SELECT count(*)::int AS n FROM notifications WHERE kind = 'test.timer'`), 0, 'removed without anyone calling run()');
});
