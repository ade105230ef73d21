import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject } from '../helpers/fixtures.ts';

const app = await startTestApp(t);
const org = await createOrg(app.admin);
const project = await createProject(app.admin, org.id);
const api = app.admin;
const P = `/api/v1/projects/${project.id}`;

t.test('creates a mission with defaults and records a creation event', async (t) => {
  const res = await api.post(`${P}/missions`, { title: 'Add login page' });
  t.equal(res.status, 201);
  t.match(res.body, {
    title: 'Add login page', list: 'todo', ready: false, priority: 3, stage: 'clarify', prMode: 'auto',
    targetBranch: 'main', origin: 'manual', agentSessionStatus: 'inactive', dependencyCount: 0, dependsOn: [],
  });
  t.ok(res.body.lastEventAt, 'lastEventAt is set');
  const events = await api.get(`/api/v1/missions/${res.body.id}/events`);
  t.same(events.body.items.map((e: any) => [e.seq, e.kind, e.origin]), [[1, 'mission.created', 'user']]);
});

t.test('lists a board column in listOrder and pages through it with a cursor', async (t) => {
  const p = await createProject(api, org.id);
  const ids = [];
  for (const order of [3000, 1000, 2000]) ids.push((await createMission(api, p.id, { title: `at ${order}`, listOrder: order })).id);
  await createMission(api, p.id, { title: 'moved away' }).then((m) => api.post(`/api/v1/missions/${m.id}/move`, { list: 'review' }));
  const first = await api.get(`/api/v1/projects/${p.id}/missions?list=todo&limit=2`);
  t.same(first.body.items.map((m: any) => m.title), ['at 1000', 'at 2000']);
  t.type(first.body.nextCursor, 'string');
  const second = await api.get(`/api/v1/projects/${p.id}/missions?list=todo&limit=2&cursor=${first.body.nextCursor}`);
  t.same(second.body.items.map((m: any) => m.title), ['at 3000']);
  t.equal(second.body.nextCursor, null);
  const review = await api.get(`/api/v1/projects/${p.id}/missions?list=review`);
  t.same(review.body.items.map((m: any) => m.title), ['moved away']);
  const bad = await api.get(`/api/v1/projects/${p.id}/missions?cursor=garbage`);
  t.equal(bad.status, 400);
  t.equal(bad.body.error.code, 'SU_ERR_CURSOR_INVALID');
});

t.test('filters a column by ready and reports the backlog: ready Todo missions that can run', async (t) => {
  const p = await createProject(api, org.id);
  const repo = (await api.post(`/api/v1/projects/${p.id}/repositories`, { url: `file:///tmp/backlog-${p.id}` })).body;
  await createMission(api, p.id, { ready: true, repositoryId: repo.id });
  await createMission(api, p.id, { ready: true, repositoryId: repo.id });
  await createMission(api, p.id, { ready: false, repositoryId: repo.id });
  const noRepo = await createMission(api, p.id, { ready: true });
  const doing = await createMission(api, p.id, { ready: true, repositoryId: repo.id });
  await api.post(`/api/v1/missions/${doing.id}/move`, { list: 'review' });
  const ready = await api.get(`/api/v1/projects/${p.id}/missions?list=todo&ready=true`);
  t.equal(ready.body.items.length, 3);
  const backlog = await api.get(`/api/v1/projects/${p.id}/backlog`);
  t.same(backlog.body, { count: 2, threshold: 5 }, 'a ready mission without a repository can never run: no backlog');
  await api.patch(`/api/v1/missions/${noRepo.id}`, { repositoryId: repo.id });
  t.same((await api.get(`/api/v1/projects/${p.id}/backlog`)).body, { count: 3, threshold: 5 }, 'with a repository it counts');
});

t.test('updates fields, writes an event with the changes, and keeps lastEventAt current', async (t) => {
  const m = await createMission(api, project.id);
  const res = await api.patch(`/api/v1/missions/${m.id}`, { title: 'Renamed', priority: 1, ready: true });
  t.equal(res.status, 200);
  t.match(res.body, { title: 'Renamed', priority: 1, ready: true });
  t.ok(new Date(res.body.lastEventAt) >= new Date(m.lastEventAt));
  const events = await api.get(`/api/v1/missions/${m.id}/events?after=1`);
  t.equal(events.body.items.length, 1);
  t.match(events.body.items[0], { seq: 2, kind: 'mission.updated', data: { changes: { title: { from: 'A mission', to: 'Renamed' }, priority: { from: 3, to: 1 } } } });
  const noop = await api.patch(`/api/v1/missions/${m.id}`, { title: 'Renamed' });
  t.equal(noop.status, 200);
  t.equal((await api.get(`/api/v1/missions/${m.id}/events`)).body.items.length, 2, 'a no-op update writes no event');
});

t.test('follows the flow: first stage on create, stage must exist in the flow', async (t) => {
  const flow = await api.post(`${P}/flows`, { name: `ship ${Math.random()}`, stages: ['plan', { name: 'build', requiresReview: true }] });
  t.equal(flow.status, 201);
  const m = await createMission(api, project.id, { flowId: flow.body.id });
  t.equal(m.stage, 'plan');
  const ok = await api.patch(`/api/v1/missions/${m.id}`, { stage: 'build' });
  t.equal(ok.body.stage, 'build');
  const bad = await api.patch(`/api/v1/missions/${m.id}`, { stage: 'clarify' });
  t.equal(bad.status, 400);
  t.match(bad.body.error.message, /body\.stage/);
});

t.test('maintains dependencyCount as blockers finish and reopen', async (t) => {
  const a = await createMission(api, project.id, { title: 'A' });
  const b = await createMission(api, project.id, { title: 'B' });
  const c = await createMission(api, project.id, { title: 'C', dependsOn: [a.id, b.id] });
  t.equal(c.dependencyCount, 2);
  t.same([...c.dependsOn].sort(), [a.id, b.id].sort());

  await api.post(`/api/v1/missions/${a.id}/move`, { list: 'done' });
  t.equal((await api.get(`/api/v1/missions/${c.id}`)).body.dependencyCount, 1);
  await api.post(`/api/v1/missions/${b.id}/move`, { list: 'done' });
  t.equal((await api.get(`/api/v1/missions/${c.id}`)).body.dependencyCount, 0);
  await api.post(`/api/v1/missions/${a.id}/move`, { list: 'todo' });
  t.equal((await api.get(`/api/v1/missions/${c.id}`)).body.dependencyCount, 1, 'a reopened blocker blocks again');

  const kinds = (await api.get(`/api/v1/missions/${c.id}/events`)).body.items.map((e: any) => e.kind);
  t.same(kinds, ['mission.created', 'mission.dependencies_changed', 'mission.dependencies_changed', 'mission.dependencies_changed']);

  const replaced = await api.patch(`/api/v1/missions/${c.id}`, { dependsOn: [b.id] });
  t.equal(replaced.body.dependencyCount, 0, 'only the done blocker remains');
  const d = await createMission(api, project.id, { title: 'D', dependsOn: [a.id] });
  t.equal(d.dependencyCount, 1, 'a new mission counts only unfinished blockers');
});

t.test('refuses a blocked mission into Review and refuses dependency cycles', async (t) => {
  const a = await createMission(api, project.id);
  const b = await createMission(api, project.id, { dependsOn: [a.id] });
  const move = await api.post(`/api/v1/missions/${b.id}/move`, { list: 'review' });
  t.equal(move.status, 409);
  t.equal(move.body.error.code, 'SU_ERR_MISSION_ILLEGAL_MOVE');
  const cycle = await api.patch(`/api/v1/missions/${a.id}`, { dependsOn: [b.id] });
  t.equal(cycle.status, 409);
  t.equal(cycle.body.error.code, 'SU_ERR_MISSION_DEPENDENCY_CYCLE');
  const self = await api.patch(`/api/v1/missions/${a.id}`, { dependsOn: [a.id] });
  t.equal(self.body.error.code, 'SU_ERR_MISSION_DEPENDENCY_CYCLE');
  const other = await createProject(api, org.id);
  const foreign = await createMission(api, other.id);
  const res = await api.patch(`/api/v1/missions/${a.id}`, { dependsOn: [foreign.id] });
  t.equal(res.status, 400);
  t.match(res.body.error.message, /dependsOn/);
  t.equal((await api.get(`/api/v1/missions/${a.id}`)).body.dependsOn.length, 0, 'nothing half-written');
});

t.test('moves between the four lists, reorders within one, and puts a moved mission at the end', async (t) => {
  const p = await createProject(api, org.id);
  const a = await createMission(api, p.id, { title: 'a' });
  const b = await createMission(api, p.id, { title: 'b' });
  const c = await createMission(api, p.id, { title: 'c' });
  const reorder = await api.post(`/api/v1/missions/${c.id}/move`, { list: 'todo', listOrder: 1500 });
  t.equal(reorder.body.listOrder, 1500);
  const todo = await api.get(`/api/v1/projects/${p.id}/missions?list=todo`);
  t.same(todo.body.items.map((m: any) => m.title), ['a', 'c', 'b']);
  for (const list of ['review', 'todo', 'done', 'todo']) {
    const res = await api.post(`/api/v1/missions/${a.id}/move`, { list });
    t.equal(res.body.list, list);
  }
  const after = await api.get(`/api/v1/projects/${p.id}/missions?list=todo`);
  t.same(after.body.items.map((m: any) => m.title), ['c', 'b', 'a'], 'back in Todo at the bottom');
  const loop = await api.post(`/api/v1/missions/${b.id}/move`, { list: 'loop' });
  t.equal(loop.status, 400, 'there is no loop list');
  const kinds = (await api.get(`/api/v1/missions/${c.id}/events`)).body.items.map((e: any) => e.kind);
  t.same(kinds, ['mission.created', 'mission.reordered']);
});

t.test('review: approve moves to Done, reject returns to Todo ready with feedback', async (t) => {
  const m = await createMission(api, project.id, { requiresReview: true });
  const early = await api.post(`/api/v1/missions/${m.id}/review`, { decision: 'approve' });
  t.equal(early.status, 409);
  t.equal(early.body.error.code, 'SU_ERR_MISSION_NOT_IN_REVIEW');
  await api.post(`/api/v1/missions/${m.id}/move`, { list: 'review' });
  const noFeedback = await api.post(`/api/v1/missions/${m.id}/review`, { decision: 'reject' });
  t.equal(noFeedback.status, 400);
  t.match(noFeedback.body.error.message, /body\.feedback/);
  const rejected = await api.post(`/api/v1/missions/${m.id}/review`, { decision: 'reject', feedback: 'Add tests' });
  t.match(rejected.body, { list: 'todo', ready: true, reviewStatus: 'rejected', reviewFeedback: 'Add tests' });
  await api.post(`/api/v1/missions/${m.id}/move`, { list: 'review' });
  const approved = await api.post(`/api/v1/missions/${m.id}/review`, { decision: 'approve' });
  t.match(approved.body, { list: 'done', reviewStatus: 'approved' });
  const reviews = (await api.get(`/api/v1/missions/${m.id}/events`)).body.items.filter((e: any) => e.kind === 'mission.reviewed');
  t.same(reviews.map((e: any) => e.data.decision), ['reject', 'approve']);
});

t.test('events: ascending, seq strictly increasing from 1, replayable from any cursor', async (t) => {
  const m = await createMission(api, project.id);
  for (let i = 0; i < 6; i++) await api.patch(`/api/v1/missions/${m.id}`, { priority: (i % 5) + 1 });
  const all = await api.get(`/api/v1/missions/${m.id}/events?limit=500`);
  const seqs = all.body.items.map((e: any) => e.seq);
  t.same(seqs, [1, 2, 3, 4, 5, 6, 7]);
  const fromFour = await api.get(`/api/v1/missions/${m.id}/events?after=4`);
  t.same(fromFour.body.items.map((e: any) => e.seq), [5, 6, 7]);
  const paged: number[] = [];
  let cursor: string | null = null;
  do {
    const res: any = await api.get(`/api/v1/missions/${m.id}/events?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
    paged.push(...res.body.items.map((e: any) => e.seq));
    cursor = res.body.nextCursor;
  } while (cursor);
  t.same(paged, seqs);
});

t.test('concurrent updates to one mission never reuse a seq', async (t) => {
  const m = await createMission(api, project.id);
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) => api.patch(`/api/v1/missions/${m.id}`, { title: `t${i}` })),
  );
  t.ok(results.every((r) => r.status === 200), 'all updates succeed');
  const seqs = (await api.get(`/api/v1/missions/${m.id}/events?limit=500`)).body.items.map((e: any) => e.seq);
  t.same(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), 'gap-free');
  t.ok(seqs.length >= 2);
});
