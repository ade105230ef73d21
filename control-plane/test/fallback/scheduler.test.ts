import { sql } from 'drizzle-orm';
import t from 'tap';
import { createFallbackScheduler } from '../../src/modules/fallback/scheduler.ts';
import { rowsOf } from '../../src/db/rows.ts';
import { startTestApp } from '../helpers/app.ts';
import { manualClock } from '../helpers/clock.ts';
import { fallbackProject } from './fixtures.ts';

const clock = manualClock('2026-11-25T10:00:00Z');
const app = await startTestApp(t, { clock });
const api = app.admin;
const db = app.db.db;
const scheduler = (enabled = true) =>
  createFallbackScheduler({ db, clock, engine: app.app.services.fallbackEngine, enabled, tickMs: 60_000 });

async function runsOf(projectId: string) {
  return (await api.get(`/api/v1/projects/${projectId}/fallback/runs`)).body.items as any[];
}

/** Each test works on fresh projects; earlier ones are paused so they stay out of the way. */
t.beforeEach(async () => {
  await db.execute(sql`UPDATE mission_fallback_configs SET status = 'paused'`);
});

t.test('a project below its threshold gets an automatic run; at the threshold it does not', async (t) => {
  const below = await fallbackProject(api);
  await below.config({ backlogThreshold: 3 });
  await below.readyMissions(2);
  await below.template('a');
  const edge = await fallbackProject(api);
  await edge.config({ backlogThreshold: 3 });
  await edge.readyMissions(3);
  await edge.template('b');
  clock.minutes(1);
  const result = await scheduler().tick();
  t.ok(result.leader);
  const seen = new Map(result.checked.map((c) => [c.projectId, c]));
  t.match(seen.get(below.project.id), { backlog: 2, threshold: 3 });
  t.match(seen.get(edge.project.id), { backlog: 3, threshold: 3 });
  const runs = await runsOf(below.project.id);
  t.equal(runs.length, 1);
  t.match(runs[0], { triggeredBy: 'automatic', status: 'awaiting_review', generatedCount: 1, backlogCountBefore: 2 });
  t.same(await runsOf(edge.project.id), [], 'backlog = threshold → no run');
});

t.test('ready missions without a repository are no backlog: they never run, so the scheduler proposes anyway', async (t) => {
  const f = await fallbackProject(api);
  await f.config({ backlogThreshold: 2 });
  await f.readyMissionsWithoutRepository(3);
  await f.template('a');
  clock.minutes(1);
  const result = await scheduler().tick();
  t.match(result.checked.find((c) => c.projectId === f.project.id), { backlog: 0, threshold: 2 });
  const runs = await runsOf(f.project.id);
  t.equal(runs.length, 1, 'a run although three missions are ready');
  t.match(runs[0], { triggeredBy: 'automatic', backlogCountBefore: 0 });
  const backlog = (await api.get(`${f.P}/backlog`)).body;
  t.match(backlog, { count: 0 }, 'the API agrees');
  await f.readyMissions(2);
  t.match((await api.get(`${f.P}/backlog`)).body, { count: 2 }, 'with a repository they count');
});

t.test('deficit sizing: threshold − backlog − open proposals, one item per template', async (t) => {
  const f = await fallbackProject(api);
  await f.config({ backlogThreshold: 5 });
  await f.readyMissions(2);
  for (const n of ['a', 'b', 'c', 'd', 'e']) await f.template(n);
  clock.minutes(1);
  await scheduler().tick();
  const [run] = await runsOf(f.project.id);
  t.equal(run.items.length, 3);
});

t.test('cadence: checked once per cadence, and catches up once after downtime instead of replaying', async (t) => {
  const f = await fallbackProject(api);
  await f.config({ backlogThreshold: 0, checkCadenceMinutes: 15 });
  const s = scheduler();
  clock.minutes(1);
  const ids = async () => (await s.tick()).checked.map((c) => c.projectId).filter((id) => id === f.project.id);
  t.same(await ids(), [f.project.id], 'first tick checks it');
  clock.minutes(5);
  t.same(await ids(), [], 'not again before the cadence elapses');
  clock.minutes(10);
  t.same(await ids(), [f.project.id], 'due again after 15 minutes');
  clock.minutes(6 * 60); // six hours of downtime = 24 missed cadences
  t.same(await ids(), [f.project.id], 'one catch-up check');
  t.same(await ids(), [], 'not 24');
  const samples = rowsOf(await db.execute(sql`SELECT count(*)::int AS n FROM mission_fallback_backlog_samples WHERE project_id = ${f.project.id}`));
  t.equal(samples[0]!.n, 3, 'every check recorded the backlog it saw');
});

t.test('a paused project is never checked; a snoozed one wakes up by itself', async (t) => {
  const paused = await fallbackProject(api);
  await paused.template('p');
  const snoozed = await fallbackProject(api);
  await snoozed.template('s');
  await paused.config({ status: 'paused' });
  await snoozed.config({ status: 'snoozed', snoozedUntil: new Date(clock.now().getTime() + 3_600_000).toISOString() });
  const s = scheduler();
  clock.minutes(30);
  let checked = (await s.tick()).checked.map((c) => c.projectId);
  t.notOk(checked.includes(paused.project.id));
  t.notOk(checked.includes(snoozed.project.id), 'still snoozed');
  clock.minutes(31);
  checked = (await s.tick()).checked.map((c) => c.projectId);
  t.ok(checked.includes(snoozed.project.id), 'woke up after its time');
  t.notOk(checked.includes(paused.project.id));
  t.match((await api.get(`${snoozed.P}/fallback/config`)).body, { status: 'active', snoozedUntil: null });
  t.equal((await runsOf(snoozed.project.id)).length, 1);
  t.same(await runsOf(paused.project.id), []);
});

t.test('admission gate: no new automatic run while one awaits review', async (t) => {
  const f = await fallbackProject(api);
  await f.config({ backlogThreshold: 3, checkCadenceMinutes: 1 });
  await f.template('a');
  const s = scheduler();
  clock.minutes(1);
  await s.tick();
  const [first] = await runsOf(f.project.id);
  t.equal(first.status, 'awaiting_review');
  await f.template('b');
  clock.minutes(2);
  await s.tick();
  t.equal((await runsOf(f.project.id)).length, 1, 'gated');
  await api.post(`/api/v1/fallback/items/${first.items[0].id}/discard`, { feedback: 'no' });
  clock.minutes(2);
  await s.tick();
  const after = await runsOf(f.project.id);
  t.equal(after.length, 2, 'a new run once the first was reviewed');
  t.same(after[0].items.map((i: any) => i.title), ['b', 'a'], 'fair choice: the never-used template before the one used last run');
});

t.test('fair choice: most urgent priority first, then least recently used', async (t) => {
  const f = await fallbackProject(api);
  await f.config({ backlogThreshold: 1, checkCadenceMinutes: 1, autoAccept: true });
  await f.template('low', { priority: 4 });
  await f.template('urgent-1', { priority: 1 });
  await f.template('urgent-2', { priority: 1 });
  const s = scheduler();
  const picks: string[] = [];
  for (let i = 0; i < 3; i++) {
    clock.minutes(1);
    await s.tick();
    const [latest] = await runsOf(f.project.id);
    picks.push(latest.items[0].title);
    // finish the mission so the backlog drops again
    await api.post(`/api/v1/missions/${latest.items[0].missionId}/move`, { list: 'done' });
  }
  t.same(picks, ['urgent-1', 'urgent-2', 'urgent-1'], 'rotates among the most urgent, never starving the newest');
});

t.test('the global feature flag turns the scheduler off', async (t) => {
  const f = await fallbackProject(api);
  await f.config({ backlogThreshold: 2 });
  await f.template('a');
  clock.minutes(1);
  const off = await scheduler(false).tick();
  t.same(off, { leader: false, checked: [], runs: [] });
  t.same(await runsOf(f.project.id), []);
});

t.test('a new project gets a default config from the scheduler and is checked', async (t) => {
  const f = await fallbackProject(api);
  await db.execute(sql`DELETE FROM mission_fallback_configs WHERE project_id = ${f.project.id}`);
  clock.minutes(1);
  const result = await scheduler().tick();
  t.match(result.checked.find((c) => c.projectId === f.project.id), { threshold: 5, backlog: 0 });
});
