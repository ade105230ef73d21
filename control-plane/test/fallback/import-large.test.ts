import t from 'tap';
import { importPacing } from '../../src/modules/fallback/legacy-import.service.ts';
import { startTestApp } from '../helpers/app.ts';
import { createOrg, createProject } from '../helpers/fixtures.ts';
import { queryRows } from '../helpers/sql.ts';

const app = await startTestApp(t, { bodyLimitBytes: 8 * 1024 * 1024 });
const api = app.admin;
const org = await createOrg(api);

const lists = ['todo', 'doing', 'review', 'done', 'loop'] as const;
const exportOf = (count: number, tag: string) => ({
  missions: Array.from({ length: count }, (_, i) => ({
    title: `${tag} ${i}`, description: `imported context ${i} `.repeat(10), list: lists[i % lists.length], priority: (i % 5) + 1, ready: i % 2 === 0,
  })),
});

/** Per list, the imported missions' titles in board order. */
async function boardTitles(projectId: string) {
  const rows = await queryRows<{ list: string; title: string }>(app.db, `SELECT list, title FROM missions WHERE project_id = '${projectId}' ORDER BY list, list_order, id`);
  const byList = new Map<string, string[]>();
  for (const r of rows) byList.set(r.list, [...(byList.get(r.list) ?? []), r.title]);
  return { count: rows.length, byList };
}

t.test('/healthz keeps answering while 2,000 missions import, and every mission lands once, in export order', async (t) => {
  const project = await createProject(api, org.id);
  const legacy = exportOf(2000, 'Big');
  let done = false;
  const importing = api.post(`/api/v1/projects/${project.id}/import`, legacy).finally(() => (done = true));
  const answeredDuring: number[] = [];
  const statuses = new Set<number>();
  while (!done) {
    const t0 = performance.now();
    statuses.add((await app.as().get('/healthz')).status);
    if (!done) answeredDuring.push(performance.now() - t0);
  }
  t.same([...statuses], [200], '/healthz always ok');
  const res = await importing;
  t.equal(res.status, 201);
  t.match(res.body, { missionsCreated: 2000, templatesCreated: 0, loopListConverted: 400 });
  // Without batches the import is one transaction and PGlite answers nothing until it commits. (The
  // bound is loose for a busy CI machine; bench/import-healthz.ts measures the real figure.)
  const quick = answeredDuring.filter((ms) => ms < 300).length;
  t.ok(quick >= 10, `/healthz answered within 300 ms ${quick} times during the import (of ${answeredDuring.length})`);

  const board = await boardTitles(project.id);
  t.equal(board.count, 2000, 'all 2,000 missions, none twice');
  t.same(new Set(res.body.missionIds).size, 2000);
  const expected = (list: string) => legacy.missions.filter((m) => (m.list === 'loop' ? 'todo' : m.list) === list).map((m) => m.title);
  for (const list of ['todo', 'doing', 'review', 'done']) t.same(board.byList.get(list), expected(list), `${list} keeps the export's order`);

  const [events] = await queryRows<{ missions: number; events: number; firsts: number }>(app.db,
    `SELECT count(DISTINCT m.id)::int AS missions, count(e.id)::int AS events, count(*) FILTER (WHERE e.seq = 1 AND m.last_event_seq = 1)::int AS firsts
       FROM missions m JOIN mission_events e ON e.mission_id = m.id AND e.kind = 'mission.imported' WHERE m.project_id = '${project.id}'`);
  t.same(events, { missions: 2000, events: 2000, firsts: 2000 }, 'one mission.imported event each, as seq 1');
  const one = (await api.get(`/api/v1/missions/${res.body.missionIds[7]}`)).body;
  t.match(one, { title: 'Big 7', list: 'review', priority: 3, ready: false, origin: 'imported', description: legacy.missions[7]!.description });
});

t.test('sending the same export again writes nothing twice and answers with the same result', async (t) => {
  const project = await createProject(api, org.id);
  await api.post(`/api/v1/projects/${project.id}/repositories`, { url: 'https://github.com/acme/app.git' });
  const legacy = { missions: [...exportOf(30, 'Again').missions, { title: 'Weekly bump', is_loop: true, list: 'loop' as const }] };
  const first = await api.post(`/api/v1/projects/${project.id}/import`, legacy);
  const [second, third] = await Promise.all([
    api.post(`/api/v1/projects/${project.id}/import`, legacy),
    api.post(`/api/v1/projects/${project.id}/import`, legacy), // a double submit
  ]);
  t.equal(first.status, 201);
  t.same(second.body, first.body);
  t.same(third.body, first.body);
  t.equal((await boardTitles(project.id)).count, 30);
  t.equal((await api.get(`/api/v1/projects/${project.id}/fallback/templates`)).body.items.length, 1);
});

t.test('an import that fails midway keeps its finished batches, and sending it again completes it without duplicates', async (t) => {
  const project = await createProject(api, org.id);
  const legacy = exportOf(500, 'Resume');
  // A real failure inside the database, in the middle of the import (batches of at most 50).
  const pacing = { ...importPacing };
  importPacing.firstBatchRows = importPacing.maxBatchRows = 50;
  t.teardown(() => void Object.assign(importPacing, pacing));
  await app.db.exec(`
    CREATE FUNCTION test_fail_import() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END; $$ LANGUAGE plpgsql;
    CREATE TRIGGER test_fail_import BEFORE INSERT ON missions FOR EACH ROW WHEN (NEW.title = 'Resume 170') EXECUTE FUNCTION test_fail_import();`);
  const failed = await api.post(`/api/v1/projects/${project.id}/import`, legacy);
  t.ok(failed.status >= 500, 'the import fails');
  const kept = await boardTitles(project.id);
  t.ok(kept.count > 0 && kept.count <= 170, `the batches before the failure stay (${kept.count})`);
  const prefix = legacy.missions.slice(0, kept.count).filter((m) => m.list === 'todo' || m.list === 'loop').map((m) => m.title);
  t.same(kept.byList.get('todo'), prefix, 'whole batches, in export order');

  await app.db.exec('DROP TRIGGER test_fail_import ON missions; DROP FUNCTION test_fail_import();');
  const resumed = await api.post(`/api/v1/projects/${project.id}/import`, legacy);
  t.equal(resumed.status, 201);
  t.equal(resumed.body.missionsCreated, 500);
  const board = await boardTitles(project.id);
  t.equal(board.count, 500, 'complete, and nothing twice');
  t.same(board.byList.get('todo')?.length, 200);
  const audit = await queryRows<{ action: string; data: { resumed?: boolean } }>(app.db,
    `SELECT action, data FROM audit_events WHERE target_id = '${project.id}' AND action LIKE 'project.import%' ORDER BY created_at, id`);
  t.same(audit.map((a) => [a.action, a.data.resumed]), [['project.import.started', undefined], ['project.imported', true]], 'the audit log shows one import, resumed');
});
