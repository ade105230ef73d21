import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { createOrg, createProject } from '../helpers/fixtures.ts';

// Missions created at once in one project on PostgreSQL read the same bottom of the list and
// shared a board position. (The board-paint benchmark also saw 500s from twenty creates at once
// through a real process; not reproduced here — these check it does not happen in-process.)
const app = await startTestApp(t);
const org = await createOrg(app.admin);

t.test('twenty missions created at once in one project: all created, each in its own board position', async (t) => {
  const project = await createProject(app.admin, org.id);
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => app.admin.post(`/api/v1/projects/${project.id}/missions`, { title: `at once ${i}` })));
  t.same(results.map((r) => r.status).filter((s) => s !== 201), [], 'every create answered 201');
  const listed = (await app.admin.get(`/api/v1/projects/${project.id}/missions?list=todo&limit=100`)).body.items as { listOrder: number }[];
  t.equal(listed.length, 20);
  t.equal(new Set(listed.map((m) => m.listOrder)).size, 20, 'no two share a position');
});

t.test('forty missions created, some ready, and moved at once: no 500, each where it was sent', async (t) => {
  const project = await createProject(app.admin, org.id);
  const lists = ['todo', 'doing', 'review', 'done'] as const;
  const results = await Promise.all(Array.from({ length: 40 }, async (_, i) => {
    const created = await app.admin.post(`/api/v1/projects/${project.id}/missions`, { title: `moved ${i}`, priority: (i % 5) + 1, ready: i % 3 === 0, description: i % 3 === 0 ? 'context' : undefined });
    if (created.status !== 201) return { status: created.status, body: created.body };
    const list = lists[i % 4]!;
    if (list === 'todo') return { status: 200, body: null };
    const moved = await app.admin.post(`/api/v1/missions/${created.body.id}/move`, { list });
    return { status: moved.status, body: moved.body };
  }));
  t.same(results.filter((r) => r.status >= 500), [], 'no 500s');
});
