import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject, createUser } from '../helpers/fixtures.ts';

// #18 Public projects: anyone signed in reads a public project's board, its missions in Done
// with their docs, and its repositories — nothing else. Stars, and a gallery of public projects.

const app = await startTestApp(t, {});
const alice = await createUser(app, 'alice@public.test'); // owner of Acme
const dave = await createUser(app, 'dave@public.test'); // outside Acme
const acme = await createOrg(alice.client, 'Acme');
const open = await createProject(alice.client, acme.id, { visibility: 'public', name: 'Open Widget' });
const secret = await createProject(alice.client, acme.id, { name: 'Secret Widget' });
const repo = (await alice.client.post(`/api/v1/projects/${open.id}/repositories`, { url: 'https://github.com/acme/widget.git' })).body;
const done = await createMission(alice.client, open.id, { title: 'Shipped' });
await alice.client.post(`/api/v1/missions/${done.id}/move`, { list: 'done' });
const todo = await createMission(alice.client, open.id, { title: 'Not yet' });
const review = await createMission(alice.client, open.id, { title: 'Waiting' });
await alice.client.post(`/api/v1/missions/${review.id}/move`, { list: 'review' });

t.test('an outsider reads the board (Done only), Done missions, their docs and the repositories', async (t) => {
  const P = `/api/v1/projects/${open.id}`;
  t.match((await dave.client.get(P)).body, { id: open.id, name: 'Open Widget', visibility: 'public' });
  const column = await dave.client.get(`${P}/missions`);
  t.equal(column.status, 200);
  t.same(column.body.items.map((m: { id: string }) => m.id), [done.id], 'only the Done mission is on the board');
  t.same((await dave.client.get(`${P}/missions?list=todo`)).body.items, [], 'the Todo column is empty for an outsider');
  t.same((await alice.client.get(`${P}/missions`)).body.items.length, 3, 'members see every list');
  t.match((await dave.client.get(`/api/v1/missions/${done.id}`)).body, { id: done.id, title: 'Shipped', list: 'done' });
  t.equal((await dave.client.get(`/api/v1/missions/${done.id}/docs`)).status, 200);
  t.match((await dave.client.get(`${P}/repositories`)).body.items ?? (await dave.client.get(`${P}/repositories`)).body, [{ id: repo.id }]);
});

t.test('everything else is refused: other lists, timelines, attempts, members, workstations, settings and every write', async (t) => {
  const P = `/api/v1/projects/${open.id}`;
  for (const m of [todo.id, review.id]) {
    for (const path of ['', '/docs', '/events', '/attempts']) t.equal((await dave.client.get(`/api/v1/missions/${m}${path}`)).status, 404, `mission not in Done: GET ${path || '/'} is 404`);
  }
  const reads = [`/api/v1/missions/${done.id}/events`, `/api/v1/missions/${done.id}/attempts`, `${P}/members`, `${P}/workstations`, `${P}/backlog`,
    `${P}/flows`, `${P}/actors`, `${P}/usage`, `${P}/timeline`, `${P}/access-requests`, `${P}/fallback/config`, `${P}/fallback/runs`];
  for (const path of reads) {
    const res = await dave.client.get(path);
    t.ok([403, 404].includes(res.status), `GET ${path.replace(/[0-9A-Z]{26}/g, ':id')} → ${res.status}`);
  }
  const writes: [string, string, unknown][] = [
    ['PATCH', P, { description: 'defaced' }],
    ['POST', `${P}/missions`, { title: 'spam' }],
    ['PATCH', `/api/v1/missions/${done.id}`, { title: 'renamed' }],
    ['POST', `/api/v1/missions/${done.id}/move`, { list: 'todo' }],
    ['POST', `/api/v1/missions/${done.id}/retry`, { reason: 'x' }],
    ['POST', `/api/v1/missions/${done.id}/handoff`, { workstationId: null }],
    ['POST', `/api/v1/missions/${done.id}/review`, { decision: 'reject', feedback: 'x' }],
    ['POST', `${P}/repositories`, { url: 'https://github.com/evil/x.git' }],
    ['POST', `${P}/members`, { userId: dave.id, role: 'admin' }],
  ];
  for (const [method, path, body] of writes) {
    const res = method === 'PATCH' ? await dave.client.patch(path, body) : await dave.client.post(path, body);
    t.ok([403, 404].includes(res.status), `${method} ${path.replace(/[0-9A-Z]{26}/g, ':id')} → ${res.status}`);
  }
  t.match((await alice.client.get(`/api/v1/missions/${done.id}`)).body, { title: 'Shipped', list: 'done' }, 'nothing changed');
  t.equal((await alice.client.get(P)).body.description, null);
  t.equal((await dave.client.get(`/api/v1/projects/${secret.id}`)).status, 404, 'a private project stays invisible');
  t.equal((await dave.client.get(`/api/v1/projects/${secret.id}/stars`)).status, 404);
  t.equal((await dave.client.post(`/api/v1/projects/${secret.id}/star`, {})).status, 404, 'and cannot be starred');
});

t.test('stars: anyone who can see a project stars it once; the gallery lists public projects by stars or activity, searchable by name', async (t) => {
  const second = await createProject(alice.client, acme.id, { visibility: 'public', name: 'Busy 100%_Gadget' });
  const eve = await createUser(app, 'eve@public.test');
  t.match((await dave.client.post(`/api/v1/projects/${open.id}/star`, {})).body, { count: 1, starred: true });
  t.match((await dave.client.post(`/api/v1/projects/${open.id}/star`, {})).body, { count: 1, starred: true }, 'starring twice counts once');
  t.match((await eve.client.post(`/api/v1/projects/${open.id}/star`, {})).body, { count: 2, starred: true });
  t.match((await alice.client.get(`/api/v1/projects/${open.id}/stars`)).body, { count: 2, starred: false });

  const byStars = (await eve.client.get('/api/v1/gallery/projects?sort=stars')).body.items;
  t.same(byStars.map((p: { id: string }) => p.id), [open.id, second.id], 'most starred first; the private project is not listed');
  t.match(byStars[0], { name: 'Open Widget', stars: 2, starred: true });
  await createMission(alice.client, second.id, { title: 'fresh activity' });
  t.same((await eve.client.get('/api/v1/gallery/projects?sort=activity')).body.items.map((p: { id: string }) => p.id), [second.id, open.id], 'most recently active first');
  t.same((await eve.client.get('/api/v1/gallery/projects?q=widget')).body.items.map((p: { id: string }) => p.id), [open.id], 'search by name, ignoring case');
  t.same((await eve.client.get(`/api/v1/gallery/projects?q=${encodeURIComponent('100%_')}`)).body.items.map((p: { id: string }) => p.id), [second.id], '% and _ are matched literally');
  t.same((await eve.client.get('/api/v1/gallery/projects?q=_')).body.items.map((p: { id: string }) => p.id), [second.id]);
  const page = (await eve.client.get('/api/v1/gallery/projects?limit=1')).body;
  t.equal(page.items.length, 1);
  t.equal(page.nextOffset, 1);
  t.equal((await eve.client.get('/api/v1/gallery/projects?sort=name')).status, 400);

  t.match((await eve.client.delete(`/api/v1/projects/${open.id}/star`)).body, { count: 1, starred: false });
  await alice.client.patch(`/api/v1/projects/${open.id}`, { visibility: 'private' });
  t.notOk((await eve.client.get('/api/v1/gallery/projects')).body.items.some((p: { id: string }) => p.id === open.id), 'a project made private leaves the gallery');
  t.equal((await dave.client.get(`/api/v1/missions/${done.id}`)).status, 404, 'and its Done missions are invisible again');
  await alice.client.patch(`/api/v1/projects/${open.id}`, { visibility: 'public' });
});
