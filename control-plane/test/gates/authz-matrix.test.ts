import { newId } from '@solo-unicorn/shared';
import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { rows } from './authz-matrix.ts';
import { classify } from './helpers/authz-rules.ts';
import { probeSocket, realtimeProbe, routeTable } from './helpers/authz-routes.ts';
import { buildWorld, PRINCIPAL_NAMES } from './helpers/authz-world.ts';

// Standing gate: the authorization matrix. Every route of the running app × every kind of
// caller (org A's owner, admin, member and viewer; a project admin and a project viewer who are
// org members; a former member with a stale project row; owner and member of org B; a user in no
// organization; a revoked key; workstation tokens of A, of B and revoked; no credentials; the
// instance admin) against what the access rules say. Rows live in authz-matrix.ts.
const app = await startTestApp(t);
const world = await buildWorld(app);
const principals = PRINCIPAL_NAMES.map((name) => world.principals[name]);

t.test('every route of the app has a row in the matrix, and every row a route', async (t) => {
  const routes = routeTable(app.app.printRoutes({ commonPrefix: false }));
  const documented = Object.entries((await app.admin.get('/docs/json')).body.paths as Record<string, object>)
    .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`));
  t.same(documented.filter((r) => !routes.includes(r)), [], 'the route table holds every route of the OpenAPI document');
  const rowRoutes = rows.map((r) => r.route);
  t.same(rowRoutes.filter((r, i) => rowRoutes.indexOf(r) !== i), [], 'one row per route');
  t.same(routes.filter((r) => !rowRoutes.includes(r)).map((r) => `add a row for ${r} to test/gates/authz-matrix.ts`), [], 'no route without a row');
  t.same(rowRoutes.filter((r) => !routes.includes(r)).map((r) => `the app has no route ${r}: remove or fix its row in test/gates/authz-matrix.ts`), [], 'no row without a route');
});

/** Runs the cells of `rows` against `target`, returning the lines that disagree with the rules. */
async function runCells(target: 'P' | 'Q') {
  const failures: string[] = [];
  const outcomes = new Map<string, number>();
  let cells = 0;
  for (const row of rows) {
    const rule = target === 'P' ? row.rule : row.publicRule;
    if (!rule) continue;
    const method = row.route.slice(0, row.route.indexOf(' '));
    for (const p of principals) {
      const cell = await row.build(world, p, target);
      const answer = cell.socket
        ? await probeSocket(app.baseUrl, cell.socket)
        : await app.as(p.key).request(method, cell.path, cell.body, cell.headers);
      cells++;
      const expected = rule(p);
      const got = classify(answer, row.passes);
      outcomes.set(String(got), (outcomes.get(String(got)) ?? 0) + 1);
      if (got !== expected) failures.push(`${method} ${cell.path} (${row.route}${target === 'Q' ? ' on public Q' : ''}) as ${p.name}: expected ${expected}, got ${got}`);
    }
  }
  return { failures, cells, outcomes: JSON.stringify(Object.fromEntries(outcomes)) };
}

t.test('every route answers every kind of caller as the access rules say', async (t) => {
  const { failures, cells, outcomes } = await runCells('P');
  t.comment(`gate authz-matrix: ${rows.length} routes × ${principals.length} principals = ${cells} cells, ${failures.length} failures; outcomes ${outcomes}`);
  t.same(failures, [], `${failures.length} cells disagree with the access rules`);
});

t.test('a public project is readable by everyone signed in and writable only by its organization', async (t) => {
  const twins = rows.filter((r) => r.publicRule).length;
  const { failures, cells, outcomes } = await runCells('Q');
  t.comment(`gate authz-matrix (public project): ${twins} routes × ${principals.length} principals = ${cells} cells, ${failures.length} failures; outcomes ${outcomes}`);
  t.same(failures, [], `${failures.length} cells disagree with the access rules`);
});

t.test("lists, notifications included, show nobody outside org A anything of org A's", async (t) => {
  const secrets = [world.orgA, world.project, world.mission, world.workstation, world.notification];
  const outsiders = principals.filter((p) => p.kind === 'user' && !p.instanceAdmin && !p.orgRole && !p.outside);
  for (const path of ['/api/v1/organizations', '/api/v1/projects', '/api/v1/workstations', '/api/v1/notifications', '/api/v1/api-keys', '/api/v1/users/me']) {
    for (const p of outsiders) {
      const res = await app.as(p.key).get(path);
      t.equal(res.status, 200, `${path} as ${p.name}`);
      // Q is public: listing it would show org A's id rightly.
      const text = JSON.stringify(path === '/api/v1/projects' ? res.body.items.filter((i: { id: string }) => i.id !== world.publicProject) : res.body);
      t.same(secrets.filter((id) => text.includes(id)), [], `${path} as ${p.name} names none of org A's ids`);
    }
  }
});

t.test("P's outside collaborator: P in their lists, nothing else of org A's; no org A channel", async (t) => {
  const p = world.principals.outsideMember;
  const client = app.as(p.key!);
  const projects = (await client.get('/api/v1/projects')).body.items.map((i: { id: string }) => i.id);
  t.ok(projects.includes(world.project), 'P is listed');
  t.notOk((await client.get('/api/v1/organizations')).body.items.some((o: { id: string }) => o.id === world.orgA), 'not org A (the matrix had them create one of their own)');
  const others = [world.workstation, world.notification, world.projectB, world.template];
  for (const path of ['/api/v1/projects', '/api/v1/workstations', '/api/v1/notifications']) {
    const text = JSON.stringify((await client.get(path)).body);
    t.same(others.filter((id) => text.includes(id)), [], `${path} names nothing else of org A's`);
  }
  const socket = await probeSocket(app.baseUrl, realtimeProbe('/api/v1/realtime', p.key, [`organization:${world.orgA}:workstations`]));
  t.equal(socket.status, 404, "org A's workstations channel does not exist for them");
});

t.test("a project role left behind for a former member is not listed as one", async (t) => {
  const members = await world.owner.get(`/api/v1/projects/${world.project}/members`);
  t.equal(members.status, 200);
  const listed = members.body.items.map((m: { userId: string }) => m.userId);
  t.ok(listed.includes(world.principals.projectAdmin.userId), 'a project admin who is an org member is listed');
  t.notOk(listed.includes(world.principals.formerMember.userId), 'the former member is not');
});

t.test("org A's ids in a body sent to org B's own project get the answer an unknown id gets", async (t) => {
  const ownerB = app.as(world.principals.ownerB.key);
  const missionB = (await ownerB.post(`/api/v1/projects/${world.projectB}/missions`, { title: 'MB' })).body.id as string;
  const unknown = newId();
  const cases: [string, string, string, (id: string) => unknown][] = [
    ['POST', `/api/v1/projects/${world.projectB}/missions`, world.repository, (id) => ({ title: 'x', repositoryId: id })],
    ['POST', `/api/v1/projects/${world.projectB}/missions`, world.flow, (id) => ({ title: 'x', flowId: id })],
    ['POST', `/api/v1/projects/${world.projectB}/missions`, world.actor, (id) => ({ title: 'x', actorId: id })],
    ['POST', `/api/v1/projects/${world.projectB}/missions`, world.mission, (id) => ({ title: 'x', dependsOn: [id] })],
    ['PATCH', `/api/v1/missions/${missionB}`, world.repository, (id) => ({ repositoryId: id })],
    ['PATCH', `/api/v1/missions/${missionB}`, world.mission, (id) => ({ dependsOn: [id] })],
    ['POST', `/api/v1/projects/${world.projectB}/workstations`, world.workstation, (id) => ({ workstationId: id })],
    ['POST', `/api/v1/projects/${world.projectB}/members`, world.principals.memberA.userId!, (id) => ({ userId: id, role: 'viewer' })],
    ['POST', `/api/v1/projects/${world.projectB}/fallback/templates`, world.flow, (id) => ({ name: 'x', flowId: id, actorId: id, repositoryId: id, estimatedEffortMinutes: 1 })],
    ['POST', `/api/v1/projects/${world.projectB}/import`, world.flow, (id) => ({ missions: [{ title: 'x', is_loop: true }], defaults: { flowId: id } })],
  ];
  for (const [method, path, foreign, body] of cases) {
    const withForeign = await ownerB.request(method, path, body(foreign));
    const withUnknown = await ownerB.request(method, path, body(unknown));
    const what = `${method} ${path} ${JSON.stringify(body('…'))}`;
    t.ok(withForeign.status >= 400 && withForeign.status < 500, `${what}: refused (${withForeign.status})`);
    t.same({ status: withForeign.status, error: JSON.stringify(withForeign.body).replaceAll(foreign, '…') },
      { status: withUnknown.status, error: JSON.stringify(withUnknown.body).replaceAll(unknown, '…') }, `${what}: same answer as an unknown id`);
  }
});
