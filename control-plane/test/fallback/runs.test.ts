import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { manualClock } from '../helpers/clock.ts';
import { createUser } from '../helpers/fixtures.ts';
import { collect } from '../helpers/realtime.ts';
import { fallbackProject } from './fixtures.ts';

const clock = manualClock();
const app = await startTestApp(t, { clock });
const api = app.admin;

t.test('config is created with the defaults on first read and validated on change', async (t) => {
  const f = await fallbackProject(api);
  const first = await api.get(`${f.P}/fallback/config`);
  t.match(first.body, { backlogThreshold: 5, checkCadenceMinutes: 15, autoAccept: false, monthlyTargetHours: 120, weeklyMissionCap: 20, status: 'active', snoozedUntil: null });
  const bad = await api.put(`${f.P}/fallback/config`, { backlogThreshold: -1, checkCadenceMinutes: 0 });
  t.equal(bad.status, 400);
  t.match(bad.body.error.message, /backlogThreshold/);
  t.match(bad.body.error.message, /checkCadenceMinutes/);
  const noWake = await api.put(`${f.P}/fallback/config`, { status: 'snoozed' });
  t.equal(noWake.status, 400);
  t.match(noWake.body.error.message, /snoozedUntil/);
  const past = await api.put(`${f.P}/fallback/config`, { status: 'snoozed', snoozedUntil: '2020-01-01T00:00:00Z' });
  t.equal(past.status, 400);
  const snoozed = await api.put(`${f.P}/fallback/config`, { status: 'snoozed', snoozedUntil: '2026-11-26T10:00:00Z' });
  t.match(snoozed.body, { status: 'snoozed', snoozedUntil: '2026-11-26T10:00:00.000Z' });
  const active = await api.put(`${f.P}/fallback/config`, { status: 'active' });
  t.match(active.body, { status: 'active', snoozedUntil: null, backlogThreshold: 5 }, 'unsent fields keep their values');
});

t.test('templates: CRUD, tags, soft delete, and refs must belong to the project', async (t) => {
  const f = await fallbackProject(api);
  const other = await fallbackProject(api);
  const tpl = await f.template('Write docs', { tags: ['docs', 'weekly'], priority: 2, acceptanceCriteria: 'README updated' });
  t.match(tpl, { name: 'Write docs', tags: ['docs', 'weekly'], priority: 2, enabled: true });
  const foreign = await api.post(`${f.P}/fallback/templates`, {
    name: 'x', flowId: other.flow.id, actorId: f.actor.id, repositoryId: f.repo.id, estimatedEffortMinutes: 5,
  });
  t.equal(foreign.status, 400);
  t.match(foreign.body.error.message, /body\.flowId/);
  const patched = await api.patch(`${f.P}/fallback/templates/${tpl.id}`, { enabled: false, tags: ['docs'] });
  t.match(patched.body, { enabled: false, tags: ['docs'] });
  t.equal((await api.get(`${f.P}/fallback/templates/${tpl.id}`)).body.enabled, false);
  t.equal((await api.delete(`${f.P}/fallback/templates/${tpl.id}`)).status, 204);
  t.equal((await api.get(`${f.P}/fallback/templates/${tpl.id}`)).status, 404);
  t.same((await api.get(`${f.P}/fallback/templates`)).body.items, []);
  t.equal((await api.get(`${other.P}/fallback/templates/${tpl.id}`)).status, 404, 'not visible through another project');
});

t.test('a run proposes enough items to fill the deficit, from distinct enabled templates', async (t) => {
  const f = await fallbackProject(api);
  const channel = await collect(app.app.realtime, `project:${f.project.id}:fallback`);
  await f.config({ backlogThreshold: 4 });
  await f.readyMissions(1);
  for (const name of ['a', 'b', 'c', 'd']) await f.template(name);
  await f.template('disabled', { enabled: false });
  const res = await api.post(`${f.P}/fallback/runs`, {});
  t.equal(res.status, 201);
  t.match(res.body.run, { triggeredBy: 'api', status: 'awaiting_review', backlogCountBefore: 1, backlogThreshold: 4, generatedCount: 3, acceptedCount: 0 });
  t.equal(res.body.items.length, 3, 'threshold 4 − backlog 1 = 3');
  t.ok(res.body.items.every((i: any) => i.status === 'proposed' && i.title !== 'disabled'));
  t.equal(new Set(res.body.items.map((i: any) => i.templateId)).size, 3, 'distinct templates');
  const board = await api.request('POST', `${f.P}/fallback/runs`, {}, { 'x-solo-unicorn-client': 'board' });
  t.equal(board.body.run.triggeredBy, 'manual', 'runs from the board are manual');
  t.equal(board.body.items.length, 0, 'open proposals count toward the backlog: nothing more to propose');
  t.equal(board.body.run.status, 'completed');
  await channel.until(3);
  t.same(
    channel.items.map((m) => [m.seq, m.kind]),
    [[1, 'fallback.run.created'], [2, 'fallback.run.created'], [3, 'fallback.run.completed']],
    'both runs (the empty one completes at once) on the project fallback channel, in order',
  );
  t.match(channel.items[0]!.data, { runId: res.body.run.id, triggeredBy: 'api', generated: 3 });
  channel.unsubscribe();
});

t.test('accepting creates the mission once (idempotent), discarding keeps feedback, triggers keep counts, the run completes with a summary', async (t) => {
  const f = await fallbackProject(api);
  await f.config({ backlogThreshold: 2 });
  await f.template('lint');
  await f.template('deps');
  const { run, items } = (await api.post(`${f.P}/fallback/runs`, {})).body;
  const [first, second] = items;
  const accepted = await api.post(`/api/v1/fallback/items/${first.id}/accept`, {});
  t.equal(accepted.status, 200);
  t.equal(accepted.body.status, 'accepted');
  const again = await api.post(`/api/v1/fallback/items/${first.id}/accept`, {});
  t.equal(again.body.missionId, accepted.body.missionId, 'a retried accept returns the same mission');
  const mission = (await api.get(`/api/v1/missions/${accepted.body.missionId}`)).body;
  t.match(mission, { list: 'todo', ready: true, origin: 'fallback', fallbackItemId: first.id, title: first.title, stage: 'clarify' });
  const all = (await api.get(`${f.P}/missions?limit=500`)).body.items.filter((m: any) => m.origin === 'fallback');
  t.equal(all.length, 1, 'exactly one mission');

  let state = (await api.get(`${f.P}/fallback/runs/${run.id}`)).body;
  t.match(state, { status: 'awaiting_review', generatedCount: 2, acceptedCount: 1, discardedCount: 0 });
  const discarded = await api.post(`/api/v1/fallback/items/${second.id}/discard`, { feedback: 'not this week' });
  t.match(discarded.body, { status: 'discarded', feedback: 'not this week' });
  t.equal((await api.post(`/api/v1/fallback/items/${second.id}/accept`, {})).body.error.code, 'SU_ERR_FALLBACK_ITEM_CLOSED');
  state = (await api.get(`${f.P}/fallback/runs/${run.id}`)).body;
  t.match(state, { status: 'completed', generatedCount: 2, acceptedCount: 1, discardedCount: 1 });
  t.ok(state.completedAt);

  const events = (await api.get(`/api/v1/missions/${mission.id}/events`)).body.items;
  t.match(events.at(-1), { origin: 'fallback', kind: 'fallback.run_completed', data: { runId: run.id, generated: 2, accepted: 1 } });
  t.match(events[0], { origin: 'fallback', kind: 'mission.created' });

  const report = JSON.parse(readFileSync(join(app.docsDir, 'fallback', `${run.id}.json`), 'utf8'));
  t.equal(state.reportPath, `fallback/${run.id}.json`);
  t.match(report, {
    run: { id: run.id, status: 'completed', acceptedCount: 1, discardedCount: 1 },
    config: { backlogThreshold: 2 },
    backlog: { count: 0, threshold: 2, openProposals: 0 },
    limits: { deficit: 2 },
  });
  t.same(report.templatesConsidered.map((d: any) => d.chosen), [true, true]);
  t.same(report.items.map((i: any) => i.status).sort(), ['accepted', 'discarded'], 'outcomes are written back to the report');
});

t.test('auto-accept creates the missions at once and completes the run', async (t) => {
  const f = await fallbackProject(api);
  await f.config({ backlogThreshold: 2, autoAccept: true });
  await f.template('one');
  await f.template('two');
  const { run, items } = (await api.post(`${f.P}/fallback/runs`, {})).body;
  t.match(run, { status: 'completed', generatedCount: 2, acceptedCount: 2 });
  t.ok(items.every((i: any) => i.status === 'accepted' && i.missionId));
  t.same((await api.get(`${f.P}/backlog`)).body, { count: 2, threshold: 2 });
  const events = (await api.get(`/api/v1/missions/${items[0].missionId}/events`)).body.items;
  t.match(events.at(-1), { kind: 'fallback.run_completed', data: { runId: run.id, generated: 2, accepted: 2 } });
});

t.test('the weekly cap refuses accepts past it with SU_ERR_FALLBACK_WEEKLY_CAP and resets next ISO week', async (t) => {
  const f = await fallbackProject(api);
  await f.config({ backlogThreshold: 5, weeklyMissionCap: 3 });
  for (const n of ['a', 'b', 'c']) await f.template(n);
  const first = (await api.post(`${f.P}/fallback/runs`, {})).body;
  t.equal(first.items.length, 3, 'bounded by the cap, not the deficit of 5');
  await f.config({ weeklyMissionCap: 2 });
  t.equal((await api.post(`/api/v1/fallback/items/${first.items[0].id}/accept`, {})).status, 200);
  t.equal((await api.post(`/api/v1/fallback/items/${first.items[1].id}/accept`, {})).status, 200);
  const refused = await api.post(`/api/v1/fallback/items/${first.items[2].id}/accept`, {});
  t.equal(refused.status, 409);
  t.equal(refused.body.error.code, 'SU_ERR_FALLBACK_WEEKLY_CAP');
  const fallbackMissions = (await api.get(`${f.P}/missions?limit=500`)).body.items.filter((m: any) => m.origin === 'fallback');
  t.equal(fallbackMissions.length, 2, 'the refused accept left no mission behind');
  t.equal((await api.get(`${f.P}/fallback/runs/${first.run.id}`)).body.items.find((i: any) => i.id === first.items[2].id).status, 'proposed');
  const save = clock.now();
  clock.set('2026-11-30T00:00:01Z'); // Monday: a new ISO week
  t.equal((await api.post(`/api/v1/fallback/items/${first.items[2].id}/accept`, {})).status, 200);
  clock.set(save);
});

t.test('the monthly target hours bound proposals by estimated effort', async (t) => {
  const f = await fallbackProject(api);
  await f.config({ backlogThreshold: 5, monthlyTargetHours: 3 });
  await f.template('big', { estimatedEffortMinutes: 150, priority: 1 });
  await f.template('medium', { estimatedEffortMinutes: 60, priority: 2 });
  await f.template('small', { estimatedEffortMinutes: 30, priority: 3 });
  const { items } = (await api.post(`${f.P}/fallback/runs`, {})).body;
  t.same(items.map((i: any) => i.title), ['big', 'small'], '150 + 30 ≤ 180 minutes; medium would exceed');
});

t.test('the Fallback area lists enabled templates and open proposals; launching creates a mission and keeps the template', async (t) => {
  const f = await fallbackProject(api);
  await f.config({ backlogThreshold: 1 });
  const tpl = await f.template('refactor');
  await f.template('off', { enabled: false });
  const proposed = (await api.post(`${f.P}/fallback/runs`, {})).body.items;
  const area = (await api.get(`${f.P}/fallback/area`)).body;
  t.same(area.templates.map((x: any) => x.name), ['refactor']);
  t.same(area.proposals.map((p: any) => p.id), proposed.map((p: any) => p.id));

  const launched = await api.post(`${f.P}/fallback/templates/${tpl.id}/launch`, {});
  t.equal(launched.status, 201);
  t.match(launched.body.run, { status: 'completed', generatedCount: 1, acceptedCount: 1, triggeredBy: 'api' });
  const mission = (await api.get(`/api/v1/missions/${launched.body.items[0].missionId}`)).body;
  t.match(mission, { origin: 'fallback', list: 'todo', ready: true, title: 'refactor' });
  t.equal((await api.get(`${f.P}/fallback/templates/${tpl.id}`)).status, 200, 'the template stays');
  t.ok((await api.get(`${f.P}/fallback/templates/${tpl.id}`)).body.lastUsedAt);
  const disabled = (await api.get(`${f.P}/fallback/templates`)).body.items.find((x: any) => x.name === 'off');
  t.equal((await api.post(`${f.P}/fallback/templates/${disabled.id}/launch`, {})).body.error.code, 'SU_ERR_FALLBACK_TEMPLATE_DISABLED');
  const history = (await api.get(`${f.P}/fallback/runs`)).body.items;
  t.same(history.map((r: any) => r.id)[0], launched.body.run.id, 'newest first, the launch is an audited run');
});

t.test('a failing run ends errored with the reason and writes nothing else', async (t) => {
  const f = await fallbackProject(api);
  await f.template('x');
  // Make the docs root unusable for this run's report: a file where the fallback folder should be.
  const { rmSync } = await import('node:fs');
  rmSync(join(app.docsDir, 'fallback'), { recursive: true, force: true });
  writeFileSync(join(app.docsDir, 'fallback'), 'not a folder');
  try {
    const res = await api.post(`${f.P}/fallback/runs`, {});
    t.equal(res.status, 201);
    t.match(res.body.run, { status: 'errored', generatedCount: 0 });
    t.match(res.body.run.error, /ENOTDIR|EEXIST|not a directory/);
    t.same(res.body.items, []);
    t.same((await api.get(`${f.P}/fallback/area`)).body.proposals, [], 'no proposal was half-written');
    t.equal((await api.get(`${f.P}/fallback/templates`)).body.items[0].lastUsedAt, null, 'template usage rolled back');
  } finally {
    rmSync(join(app.docsDir, 'fallback'), { force: true });
  }
});

t.test('people outside the project cannot see or decide its proposals', async (t) => {
  const f = await fallbackProject(api);
  await f.template('secret');
  const { items } = (await api.post(`${f.P}/fallback/runs`, {})).body;
  const outsider = await createUser(app, `outsider-${Date.now()}@example.com`);
  t.equal((await outsider.client.post(`/api/v1/fallback/items/${items[0].id}/accept`, {})).status, 404);
  t.equal((await outsider.client.get(`${f.P}/fallback/area`)).status, 404);
  const viewer = await createUser(app, `viewer-${Date.now()}@example.com`);
  await api.post(`/api/v1/organizations/${f.orgId}/members`, { userId: viewer.id, role: 'viewer' });
  t.equal((await viewer.client.get(`${f.P}/fallback/area`)).status, 200);
  t.equal((await viewer.client.post(`/api/v1/fallback/items/${items[0].id}/accept`, {})).status, 403);
  t.equal((await viewer.client.put(`${f.P}/fallback/config`, { autoAccept: true })).status, 403);
});
