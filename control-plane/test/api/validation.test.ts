import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject } from '../helpers/fixtures.ts';
import { countRows } from '../helpers/sql.ts';

// A small body limit so the 413 case needs only a modest body.
const BODY_LIMIT = 16 * 1024;
const app = await startTestApp(t, { bodyLimitBytes: BODY_LIMIT });
const api = app.admin;
const org = await createOrg(api);
const project = await createProject(api, org.id);
const P = `/api/v1/projects/${project.id}`;
const UNKNOWN_ULID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';

/** The fields a 400 names in its details, in order. */
const fieldsOf = (body: any): string[] => (body.error.details ?? []).map((d: { field: string }) => d.field);

t.test('names a missing required field in the message and in details', async (t) => {
  const cases: [string, unknown, string][] = [
    [`${P}/missions`, {}, 'body.title'],
    ['/api/v1/organizations', {}, 'body.name'],
    ['/api/v1/projects', { name: 'no org' }, 'body.organizationId'],
    ['/api/v1/users', { name: 'Nobody' }, 'body.email'],
    [`${P}/repositories`, {}, 'body.url'],
    [`${P}/flows`, { name: 'no stages' }, 'body.stages'],
  ];
  for (const [path, body, field] of cases) {
    const res = await api.post(path, body);
    t.equal(res.status, 400, `${path} without ${field}`);
    t.equal(res.body.error.code, 'SU_ERR_VALIDATION');
    t.match(res.body.error.message, field);
    t.same(fieldsOf(res.body), [field]);
  }
});

t.test('refuses an unknown field by name instead of silently dropping it', async (t) => {
  const create = await api.post(`${P}/missions`, { title: 'ok', asignee: 'me' });
  t.equal(create.status, 400);
  t.equal(create.body.error.code, 'SU_ERR_VALIDATION');
  t.same(fieldsOf(create.body), ['body.asignee']);
  t.match(create.body.error.message, /body\.asignee: is not a known field/);

  const patch = await api.patch(P, { colour: 'red' });
  t.equal(patch.status, 400);
  t.same(fieldsOf(patch.body), ['body.colour']);

  const move = await createMission(api, project.id).then((m) => api.post(`/api/v1/missions/${m.id}/move`, { list: 'doing', force: true }));
  t.equal(move.status, 400);
  t.same(fieldsOf(move.body), ['body.force']);

  const key = await api.post('/api/v1/api-keys', { name: 'k', isInstanceAdmin: true });
  t.equal(key.status, 400, 'cannot smuggle a privilege flag into a key');
  t.same(fieldsOf(key.body), ['body.isInstanceAdmin']);
});

t.test('names every wrong-typed field, including elements of arrays', async (t) => {
  const res = await api.post(`${P}/missions`, { title: 42, priority: 'high', ready: 'yes' });
  t.equal(res.status, 400);
  t.equal(res.body.error.code, 'SU_ERR_VALIDATION');
  t.same(fieldsOf(res.body).sort(), ['body.priority', 'body.ready', 'body.title']);
  for (const field of ['body.title', 'body.priority', 'body.ready']) t.match(res.body.error.message, field);

  const range = await api.post(`${P}/missions`, { title: 'x', priority: 9 });
  t.same(fieldsOf(range.body), ['body.priority'], 'priority is 1–5');

  const list = await api.post(`${P}/missions`, { title: 'x', dependsOn: [UNKNOWN_ULID, 'not-an-id'] });
  t.same(fieldsOf(list.body), ['body.dependsOn.1'], 'the bad element is named by index');

  const enumValue = await api.post('/api/v1/projects', { organizationId: org.id, name: 'v', visibility: 'secret' });
  t.same(fieldsOf(enumValue.body), ['body.visibility']);

  const notObject = await api.post(`${P}/missions`, ['title']);
  t.equal(notObject.status, 400);
  t.same(fieldsOf(notObject.body), ['body']);

  const nullName = await api.patch(P, { name: null });
  t.same(fieldsOf(nullName.body), ['body.name'], 'null is not a name');
});

t.test('refuses an oversize field and names it', async (t) => {
  const long = await api.post(`${P}/missions`, { title: 'x'.repeat(501) });
  t.equal(long.status, 400);
  t.equal(long.body.error.code, 'SU_ERR_VALIDATION');
  t.same(fieldsOf(long.body), ['body.title']);
  t.match(long.body.error.message, /body\.title: .*500/);

  const atLimit = await api.post(`${P}/missions`, { title: 'x'.repeat(500) });
  t.equal(atLimit.status, 201, 'exactly 500 characters is allowed');
  t.equal(atLimit.body.title.length, 500);

  const orgName = await api.post('/api/v1/organizations', { name: 'o'.repeat(201) });
  t.same(fieldsOf(orgName.body), ['body.name']);
  const url = await api.post(`${P}/repositories`, { url: `https://example.com/${'r'.repeat(2000)}` });
  t.same(fieldsOf(url.body), ['body.url']);
});

t.test('answers malformed JSON with 400 SU_ERR_MALFORMED_JSON', async (t) => {
  for (const raw of ['{"title":', '{"title":"x"} trailing', "{'title':'x'}", '{"title":"x","__proto__":{"isAdmin":true}}']) {
    const res = await api.post(`${P}/missions`, raw);
    t.equal(res.status, 400, raw);
    t.equal(res.body.error.code, 'SU_ERR_MALFORMED_JSON', raw);
    t.match(res.body.error.message, /^body: /);
  }
  // An empty JSON body is no body (actions take none); a route that needs fields says which is missing.
  const empty = await api.request('POST', `${P}/missions`, '', { 'content-type': 'application/json' });
  t.equal(empty.status, 400);
  t.equal(empty.body.error.code, 'SU_ERR_VALIDATION', 'an empty JSON body where fields are required is a validation error');
  t.match(empty.body.error.message, /^body/);
});

t.test('refuses a body over the limit with 413 and an unsupported media type with 415', async (t) => {
  const res = await api.post(`${P}/missions`, { title: 'big', description: 'd'.repeat(BODY_LIMIT + 1) });
  t.equal(res.status, 413);
  t.equal(res.body.error.code, 'SU_ERR_PAYLOAD_TOO_LARGE');
  t.match(res.body.error.message, String(BODY_LIMIT));

  const xml = await api.request('POST', `${P}/missions`, '<mission/>', { 'content-type': 'application/xml' });
  t.equal(xml.status, 415);
  t.equal(xml.body.error.code, 'SU_ERR_UNSUPPORTED_MEDIA_TYPE');
});

t.test('refuses a path parameter that is not a ULID with 400 naming it', async (t) => {
  const cases: [string, string][] = [
    ['/api/v1/missions/not-a-ulid', 'params.missionId'],
    [`/api/v1/projects/${project.id.toLowerCase()}`, 'params.projectId'],
    ['/api/v1/organizations/01ARZ3NDEKTSV4RRFFQ69G5FA', 'params.orgId'], // 25 characters
    [`/api/v1/projects/${project.id}/missions`.replace(project.id, 'ILOU0000000000000000000000'), 'params.projectId'], // I, L, O, U are not Crockford
  ];
  for (const [path, field] of cases) {
    const res = await api.get(path);
    t.equal(res.status, 400, path);
    t.equal(res.body.error.code, 'SU_ERR_VALIDATION');
    t.same(fieldsOf(res.body), [field]);
  }
  const wellFormed = await api.get(`/api/v1/missions/${UNKNOWN_ULID}`);
  t.equal(wellFormed.status, 404, 'a well-formed unknown id is simply not found');
  t.equal(wellFormed.body.error.code, 'SU_ERR_NOT_FOUND');
});

t.test('refuses bad paging and filter queries with 400 naming the parameter', async (t) => {
  const cases: [string, string][] = [
    [`${P}/missions?limit=0`, 'querystring.limit'],
    [`${P}/missions?limit=501`, 'querystring.limit'],
    [`${P}/missions?limit=ten`, 'querystring.limit'],
    [`${P}/missions?list=loop`, 'querystring.list'],
    [`${P}/missions?ready=maybe`, 'querystring.ready'],
    [`${P}/missions?sort=title`, 'querystring.sort'],
    ['/api/v1/projects?limit=0', 'querystring.limit'],
    ['/api/v1/projects?organizationId=acme', 'querystring.organizationId'],
  ];
  for (const [path, field] of cases) {
    const res = await api.get(path);
    t.equal(res.status, 400, path);
    t.equal(res.body.error.code, 'SU_ERR_VALIDATION');
    t.same(fieldsOf(res.body), [field], path);
  }
  const m = await createMission(api, project.id);
  const negative = await api.get(`/api/v1/missions/${m.id}/events?after=-1`);
  t.same(fieldsOf(negative.body), ['querystring.after']);
  t.equal((await api.get(`${P}/missions?limit=500`)).status, 200, 'the maximum itself is fine');
  t.equal((await api.get(`${P}/missions?limit=1`)).status, 200, 'and so is the minimum');
});

t.test('answers an unknown route with a JSON 404, signed in or not', async (t) => {
  for (const [client, method, path] of [
    [api, 'GET', '/api/v1/nope'],
    [app.as(), 'GET', '/api/v1/nope'],
    [app.as(), 'GET', '/definitely/not/here'],
    [api, 'DELETE', '/api/v1/projects'],
    [api, 'PUT', `/api/v1/missions/${UNKNOWN_ULID}`],
  ] as const) {
    const res = await client.request(method, path);
    t.equal(res.status, 404, `${method} ${path}`);
    t.match(res.headers.get('content-type'), /application\/json/);
    t.equal(res.body.error.code, 'SU_ERR_ROUTE_NOT_FOUND');
    t.match(res.body.error.message, `${method} ${path}`);
  }
});

t.test('a rejected request leaves nothing half-written', async (t) => {
  const other = await createProject(api, org.id);
  const foreignFlow = await api.post(`/api/v1/projects/${other.id}/flows`, { name: 'theirs', stages: ['a'] });
  t.equal(foreignFlow.status, 201);
  const blocker = await createMission(api, project.id, { title: 'blocker' });
  const tables = ['missions', 'mission_events', 'mission_dependencies', 'audit_events', 'projects', 'flows'];
  const before = await countRows(app.db, tables);
  const columnBefore = (await api.get(`${P}/missions?list=todo&limit=500`)).body.items.length;

  const rejected = [
    await api.post(`${P}/missions`, { title: 'x'.repeat(501) }),
    await api.post(`${P}/missions`, { title: 'x', dependsOn: [blocker.id, UNKNOWN_ULID] }),
    await api.post(`${P}/missions`, { title: 'x', dependsOn: [blocker.id], flowId: foreignFlow.body.id }),
    await api.post(`${P}/missions`, '{"title": "half'),
    await api.post(`${P}/missions`, { title: 'x', description: 'd'.repeat(BODY_LIMIT) }),
    await api.patch(`/api/v1/missions/${blocker.id}`, { title: 'renamed', dependsOn: [UNKNOWN_ULID] }),
    await api.patch(`/api/v1/missions/${blocker.id}`, { title: 'renamed', stage: 'no-such-stage' }),
    await api.post('/api/v1/projects', { organizationId: org.id, name: 'x', unknown: 1 }),
    await api.post(`/api/v1/projects/${other.id}/flows`, { name: 'dupes', stages: ['a', 'a'] }),
  ];
  t.same(rejected.map((r) => r.status), [400, 400, 400, 400, 413, 400, 400, 400, 400]);
  t.same(await countRows(app.db, tables), before, 'no row was added anywhere');
  t.equal((await api.get(`${P}/missions?list=todo&limit=500`)).body.items.length, columnBefore);
  const after = await api.get(`/api/v1/missions/${blocker.id}`);
  t.equal(after.body.title, 'blocker', 'a refused update changes no field');
  t.same(after.body.dependsOn, []);
});
