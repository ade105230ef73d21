import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject } from '../helpers/fixtures.ts';

// Board moves obey the same rules as the API (issue #15, dead ends 3 and 4).
const app = await startTestApp(t);
const api = app.admin;
const org = await createOrg(api);
const project = await createProject(api, org.id);
const repo = (await api.post(`/api/v1/projects/${project.id}/repositories`, { url: 'file:///tmp/move-rules.git' })).body;
const kinds = async (id: string) => (await api.get(`/api/v1/missions/${id}/events`)).body.items.map((e: any) => e.kind);

t.test('a person cannot park a mission in Doing with no agent: 409 with the reason and the way to get it dispatched', async (t) => {
  const m = await createMission(api, project.id, { repositoryId: repo.id });
  const res = await api.post(`/api/v1/missions/${m.id}/move`, { list: 'doing' });
  t.equal(res.status, 409);
  t.equal(res.body.error.code, 'SU_ERR_MISSION_MOVE_NEEDS_AGENT');
  t.match(res.body.error.message, /only an agent moves a mission to Doing.*mark the mission ready/);
  t.match(await api.get(`/api/v1/missions/${m.id}`).then((r) => r.body), { list: 'todo', ready: false });
  t.same(await kinds(m.id), ['mission.created'], 'nothing recorded');
  // From Review too: Doing is only ever entered with an attempt.
  await api.post(`/api/v1/missions/${m.id}/move`, { list: 'review' });
  t.equal((await api.post(`/api/v1/missions/${m.id}/move`, { list: 'doing' })).body.error.code, 'SU_ERR_MISSION_MOVE_NEEDS_AGENT');
});

t.test('Review → Done is refused (it would skip the approval and the merge); approving is the way', async (t) => {
  const m = await createMission(api, project.id, { requiresReview: true });
  await api.post(`/api/v1/missions/${m.id}/move`, { list: 'review' });
  const res = await api.post(`/api/v1/missions/${m.id}/move`, { list: 'done' });
  t.equal(res.status, 409);
  t.equal(res.body.error.code, 'SU_ERR_MISSION_REVIEW_REQUIRED');
  t.match(res.body.error.message, /skip the approval and the merge.*review/);
  t.match(res.body.error.details, { list: 'done', reviewStatus: null });
  t.match((await api.get(`/api/v1/missions/${m.id}`)).body, { list: 'review' }, 'still in Review');
  const approved = await api.post(`/api/v1/missions/${m.id}/review`, { decision: 'approve' });
  t.match(approved.body, { list: 'done', reviewStatus: 'approved' });
});

t.test('reordering within a list and the other moves still work', async (t) => {
  const m = await createMission(api, project.id);
  t.equal((await api.post(`/api/v1/missions/${m.id}/move`, { list: 'todo', listOrder: 5 })).status, 200);
  for (const list of ['review', 'todo', 'done', 'review', 'todo']) {
    const res = await api.post(`/api/v1/missions/${m.id}/move`, { list });
    t.equal(res.status, 200, `→ ${list}`);
  }
});
