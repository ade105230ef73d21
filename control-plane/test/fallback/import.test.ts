import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { createOrg, createProject } from '../helpers/fixtures.ts';

const app = await startTestApp(t);
const api = app.admin;
const org = await createOrg(api);

const legacyExport = {
  missions: [
    { title: 'Weekly dependency bump', is_loop: true, loop_schedule: { every: 'week' }, list: 'loop', priority: 2, estimated_effort_minutes: 45, acceptance_criteria: 'CI green' },
    { title: 'Triage issues', is_loop: true, list: 'todo', loop_schedule: 'daily' },
    { title: 'Fix login bug', list: 'doing', ready: true, priority: 1, extra_legacy_field: 'ignored' },
    { title: 'Stray in loop list', is_loop: false, list: 'loop' },
    { title: 'Shipped', list: 'done' },
  ],
};

t.test('loop missions become enabled templates and leave no loop mission on the board', async (t) => {
  const project = await createProject(api, org.id);
  const P = `/api/v1/projects/${project.id}`;
  await api.post(`${P}/repositories`, { url: 'https://github.com/acme/app.git' });
  const res = await api.post(`${P}/import`, legacyExport);
  t.equal(res.status, 201);
  t.match(res.body, { missionsCreated: 3, templatesCreated: 2, loopListConverted: 1 });

  const templates = (await api.get(`${P}/fallback/templates`)).body.items;
  t.same(templates.map((x: any) => x.name).sort(), ['Triage issues', 'Weekly dependency bump']);
  t.ok(templates.every((x: any) => x.enabled && x.tags.includes('loop')));
  t.match(templates.find((x: any) => x.name === 'Weekly dependency bump'), { priority: 2, estimatedEffortMinutes: 45, acceptanceCriteria: 'CI green' });
  const area = (await api.get(`${P}/fallback/area`)).body;
  t.equal(area.templates.length, 2, 'they appear in the Fallback area');

  const board = (await api.get(`${P}/missions?limit=500`)).body.items;
  t.same(board.map((m: any) => [m.title, m.list, m.origin]).sort(), [
    ['Fix login bug', 'doing', 'imported'],
    ['Shipped', 'done', 'imported'],
    ['Stray in loop list', 'todo', 'imported'],
  ]);
  t.notOk(board.some((m: any) => /dependency bump|Triage/.test(m.title)), 'no loop mission on the board');
  const events = (await api.get(`/api/v1/missions/${board[0].id}/events`)).body.items;
  t.match(events[0], { kind: 'mission.imported', origin: 'system' });
});

t.test('an export with loop missions needs a repository for the templates; nothing is half-imported', async (t) => {
  const project = await createProject(api, org.id);
  const P = `/api/v1/projects/${project.id}`;
  const res = await api.post(`${P}/import`, legacyExport);
  t.equal(res.status, 400);
  t.match(res.body.error.message, /defaults\.repositoryId/);
  t.same((await api.get(`${P}/missions`)).body.items, [], 'no mission was created');
  t.same((await api.get(`${P}/fallback/templates`)).body.items, []);
  const plain = await api.post(`${P}/import`, { missions: [{ title: 'only a plain one' }] });
  t.match(plain.body, { missionsCreated: 1, templatesCreated: 0 });
});

t.test('a malformed export is refused with the field named', async (t) => {
  const project = await createProject(api, org.id);
  const res = await api.post(`/api/v1/projects/${project.id}/import`, { missions: [{ title: '', list: 'someday' }] });
  t.equal(res.status, 400);
  t.match(res.body.error.message, /missions\.0\.title/);
  t.match(res.body.error.message, /missions\.0\.list/);
});
