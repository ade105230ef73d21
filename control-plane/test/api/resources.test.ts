import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { onPostgres } from '../helpers/database.ts';
import { createOrg, createProject, createUser } from '../helpers/fixtures.ts';

const app = await startTestApp(t);
const api = app.admin;
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

t.test('users: the admin creates one, emails are unique case-insensitively, and /users/me answers who is calling', async (t) => {
  const res = await api.post('/api/v1/users', { email: 'Dana@Example.test', name: 'Dana' });
  t.equal(res.status, 201);
  t.match(res.body, { id: ULID, email: 'dana@example.test', name: 'Dana', isInstanceAdmin: false });
  t.ok(!Number.isNaN(Date.parse(res.body.createdAt)));

  for (const email of ['dana@example.test', 'DANA@EXAMPLE.TEST']) {
    const dup = await api.post('/api/v1/users', { email });
    t.equal(dup.status, 409, email);
    t.equal(dup.body.error.code, 'SU_ERR_USER_EMAIL_TAKEN');
    t.match(dup.body.error.message, /^email: /);
  }

  const me = await api.get('/api/v1/users/me');
  t.match(me.body, { email: 'admin@localhost', isInstanceAdmin: true });
  const key = await api.post('/api/v1/api-keys', { userId: res.body.id });
  const dana = await app.as(key.body.key).get('/api/v1/users/me');
  t.same(dana.body, res.body, 'the new user sees exactly what was created');
  const noName = await api.post('/api/v1/users', { email: 'anon@example.test' });
  t.equal(noName.body.name, null);
});

t.test('api keys: shown once on creation, listed without the secret, revoked by id', async (t) => {
  const erin = await createUser(app, 'erin@example.test');
  const created = await erin.client.post('/api/v1/api-keys', { name: 'ci' });
  t.equal(created.status, 201);
  t.match(created.body, { id: ULID, userId: erin.id, name: 'ci', revokedAt: null, lastUsedAt: null });
  t.match(created.body.key, /^su_[A-Za-z0-9_-]{40,}$/);
  t.equal(created.body.prefix, created.body.key.slice(0, created.body.prefix.length), 'the prefix recognises the key');
  t.ok(created.body.prefix.length < created.body.key.length / 2, 'the prefix is not the secret');

  await app.as(created.body.key).get('/api/v1/users/me');
  const list = await erin.client.get('/api/v1/api-keys');
  t.equal(list.status, 200);
  t.equal(list.body.items.length, 2, 'the fixture key and the new one');
  for (const item of list.body.items) t.notOk('key' in item, 'a listed key never carries the secret');
  t.notOk(JSON.stringify(list.body).includes(created.body.key), 'the secret appears nowhere in the list');
  const listed = list.body.items.find((k: any) => k.id === created.body.id);
  t.ok(listed.lastUsedAt, 'using a key records when');

  t.equal((await erin.client.delete(`/api/v1/api-keys/${created.body.id}`)).status, 204);
  t.equal((await erin.client.delete(`/api/v1/api-keys/${created.body.id}`)).status, 204, 'revoking twice is harmless');
  const after = (await erin.client.get('/api/v1/api-keys')).body.items.find((k: any) => k.id === created.body.id);
  t.ok(after.revokedAt, 'the revoked key stays listed with its revocation time');
  t.equal((await app.as(created.body.key).get('/api/v1/users/me')).status, 401);
  t.equal((await erin.client.delete('/api/v1/api-keys/01ARZ3NDEKTSV4RRFFQ69G5FAV')).status, 404);
  const forNobody = await api.post('/api/v1/api-keys', { userId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' });
  t.equal(forNobody.status, 404, 'no key for a user who does not exist');
});

t.test('organizations: the creator owns it; list and get show the caller role', async (t) => {
  const fay = await createUser(app, 'fay@example.test');
  const created = await fay.client.post('/api/v1/organizations', { name: '  Fay Inc  ' });
  t.equal(created.status, 201);
  t.match(created.body, { id: ULID, name: 'Fay Inc', role: 'owner' });
  const list = await fay.client.get('/api/v1/organizations');
  t.same(list.body.items, [created.body]);
  const got = await fay.client.get(`/api/v1/organizations/${created.body.id}`);
  t.same(got.body, created.body);
  const members = await fay.client.get(`/api/v1/organizations/${created.body.id}/members`);
  t.same(members.body.items.map((m: any) => [m.userId, m.role]), [[fay.id, 'owner']]);
});

t.test('memberships: add, list, change role, remove; an organization keeps an owner; only owners grant ownership', async (t) => {
  const owner = await createUser(app, 'gus@example.test');
  const adminUser = await createUser(app, 'hal@example.test');
  const member = await createUser(app, 'ivy@example.test');
  const org = await createOrg(owner.client, 'Gus Co');
  const M = `/api/v1/organizations/${org.id}/members`;

  const added = await owner.client.post(M, { userId: adminUser.id, role: 'admin' });
  t.equal(added.status, 201);
  t.match(added.body, { organizationId: org.id, userId: adminUser.id, role: 'admin' });
  const dup = await owner.client.post(M, { userId: adminUser.id, role: 'member' });
  t.equal(dup.status, 409);
  t.equal(dup.body.error.code, 'SU_ERR_MEMBERSHIP_EXISTS');
  t.equal((await owner.client.post(M, { userId: '01ARZ3NDEKTSV4RRFFQ69G5FAV', role: 'member' })).status, 404, 'no such user');

  t.equal((await adminUser.client.post(M, { userId: member.id, role: 'member' })).status, 201, 'an admin adds members');
  t.same((await member.client.get('/api/v1/organizations')).body.items.map((o: any) => o.role), ['member']);
  const listed = await member.client.get(M);
  t.same(listed.body.items.map((m: any) => [m.userId, m.role]), [[owner.id, 'owner'], [adminUser.id, 'admin'], [member.id, 'member']]);

  const demote = await adminUser.client.patch(`${M}/${member.id}`, { role: 'viewer' });
  t.equal(demote.status, 200);
  t.equal(demote.body.role, 'viewer');

  // Ownership: admins may neither grant it nor take it away.
  const grantByAdmin = await adminUser.client.patch(`${M}/${member.id}`, { role: 'owner' });
  t.equal(grantByAdmin.status, 403);
  t.equal(grantByAdmin.body.error.code, 'SU_ERR_FORBIDDEN');
  t.equal((await adminUser.client.patch(`${M}/${adminUser.id}`, { role: 'owner' })).status, 403, 'not even to themselves');
  t.equal((await adminUser.client.patch(`${M}/${owner.id}`, { role: 'member' })).status, 403);
  t.equal((await adminUser.client.delete(`${M}/${owner.id}`)).status, 403);
  const newcomer = await createUser(app, 'jon@example.test');
  t.equal((await adminUser.client.post(M, { userId: newcomer.id, role: 'owner' })).status, 403);

  // The last owner can neither step down nor leave.
  const lastDemote = await owner.client.patch(`${M}/${owner.id}`, { role: 'admin' });
  t.equal(lastDemote.status, 409);
  t.equal(lastDemote.body.error.code, 'SU_ERR_LAST_OWNER');
  const lastLeave = await owner.client.delete(`${M}/${owner.id}`);
  t.equal(lastLeave.status, 409);
  t.equal(lastLeave.body.error.code, 'SU_ERR_LAST_OWNER');

  // An owner grants ownership; then the first owner may go.
  t.equal((await owner.client.patch(`${M}/${adminUser.id}`, { role: 'owner' })).body.role, 'owner');
  t.equal((await owner.client.delete(`${M}/${owner.id}`)).status, 204);
  t.equal((await owner.client.get(`/api/v1/organizations/${org.id}`)).status, 404, 'a former member no longer sees the organization');

  // Members may leave on their own; removing someone absent is 404.
  t.equal((await member.client.delete(`${M}/${member.id}`)).status, 204);
  t.equal((await adminUser.client.delete(`${M}/${member.id}`)).status, 404);
  t.same((await adminUser.client.get(M)).body.items.map((m: any) => [m.userId, m.role]), [[adminUser.id, 'owner']]);
});

t.test('projects: create with defaults, unique names per organization, get and patch', async (t) => {
  const org = await createOrg(api, 'Projects Inc');
  const otherOrg = await createOrg(api, 'Other Inc');
  const res = await api.post('/api/v1/projects', { organizationId: org.id, name: 'Web' });
  t.equal(res.status, 201);
  t.match(res.body, {
    id: ULID, organizationId: org.id, name: 'Web', description: null, visibility: 'private',
    defaultAgent: null, maxConcurrentMissions: 3, memory: null,
  });
  const dup = await api.post('/api/v1/projects', { organizationId: org.id, name: 'Web' });
  t.equal(dup.status, 409);
  t.equal(dup.body.error.code, 'SU_ERR_PROJECT_NAME_TAKEN');
  t.equal((await api.post('/api/v1/projects', { organizationId: otherOrg.id, name: 'Web' })).status, 201, 'the same name in another organization is fine');
  const full = await api.post('/api/v1/projects', {
    organizationId: org.id, name: 'Api', description: 'the API', visibility: 'public', defaultAgent: 'claude-code', maxConcurrentMissions: 7,
  });
  t.match(full.body, { description: 'the API', visibility: 'public', defaultAgent: 'claude-code', maxConcurrentMissions: 7 });

  t.same((await api.get(`/api/v1/projects/${res.body.id}`)).body, { ...res.body, viewerAccess: 'owner' }, 'read back as created, with the caller’s own access');

  const patched = await api.patch(`/api/v1/projects/${res.body.id}`, { name: 'Website', memory: 'Use pnpm', visibility: 'public', maxConcurrentMissions: 2 });
  t.equal(patched.status, 200);
  t.match(patched.body, { name: 'Website', memory: 'Use pnpm', visibility: 'public', maxConcurrentMissions: 2, description: null });
  t.ok(patched.body.updatedAt >= res.body.updatedAt);
  t.equal(patched.body.createdAt, res.body.createdAt);
  const cleared = await api.patch(`/api/v1/projects/${res.body.id}`, { memory: null });
  t.equal(cleared.body.memory, null);
  t.equal(cleared.body.name, 'Website', 'fields not sent are kept');
  const clash = await api.patch(`/api/v1/projects/${res.body.id}`, { name: 'Api' });
  t.equal(clash.status, 409);
  t.equal(clash.body.error.code, 'SU_ERR_PROJECT_NAME_TAKEN');
  t.equal((await api.get(`/api/v1/projects/${res.body.id}`)).body.name, 'Website', 'the refused rename changed nothing');
});

t.test('projects: listed a page at a time with a cursor, and filtered by organization', async (t) => {
  const user = await createUser(app, 'kim@example.test');
  const org1 = await createOrg(user.client, 'K1');
  const org2 = await createOrg(user.client, 'K2');
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await createProject(user.client, org1.id, { name: `k1-${i}` })).id);
  const inOrg2 = await createProject(user.client, org2.id, { name: 'k2' });

  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: any = await user.client.get(`/api/v1/projects?organizationId=${org1.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    t.equal(res.status, 200);
    t.ok(res.body.items.length <= 2);
    seen.push(...res.body.items.map((p: any) => p.id));
    cursor = res.body.nextCursor;
    pages++;
  } while (cursor);
  t.same(seen, ids, 'every project once, in creation order');
  t.equal(pages, 3);

  const all = await user.client.get('/api/v1/projects');
  t.same(all.body.items.map((p: any) => p.id), [...ids, inOrg2.id]);
  t.equal(all.body.nextCursor, null);
  const filtered = await user.client.get(`/api/v1/projects?organizationId=${org2.id}`);
  t.same(filtered.body.items.map((p: any) => p.id), [inOrg2.id]);
  const bad = await user.client.get('/api/v1/projects?cursor=not-a-cursor');
  t.equal(bad.status, 400);
  t.equal(bad.body.error.code, 'SU_ERR_CURSOR_INVALID');
});

t.test('project members: set, list and remove a per-project role', async (t) => {
  const org = await createOrg(api, 'Members Inc');
  const project = await createProject(api, org.id);
  const lee = await createUser(app, 'lee@example.test');
  await api.post(`/api/v1/organizations/${org.id}/members`, { userId: lee.id, role: 'member' }); // project roles are for members
  const PM = `/api/v1/projects/${project.id}/members`;
  const set = await api.post(PM, { userId: lee.id, role: 'viewer' });
  t.equal(set.status, 201);
  t.match(set.body, { projectId: project.id, userId: lee.id, role: 'viewer' });
  const changed = await api.post(PM, { userId: lee.id, role: 'member' });
  t.equal(changed.body.role, 'member', 'setting again changes the role');
  t.same((await api.get(PM)).body.items.map((m: any) => [m.userId, m.role]), [[lee.id, 'member']]);
  t.equal((await api.post(PM, { userId: '01ARZ3NDEKTSV4RRFFQ69G5FAV', role: 'member' })).status, 409, 'no such user: not a member');
  t.equal((await api.delete(`${PM}/${lee.id}`)).status, 204);
  t.equal((await api.delete(`${PM}/${lee.id}`)).status, 404);
  t.same((await api.get(PM)).body.items, []);
});

t.test('repositories: any git URL links; GitHub owner and name are parsed from https and ssh forms', async (t) => {
  const org = await createOrg(api, 'Repos Inc');
  const project = await createProject(api, org.id);
  const R = `/api/v1/projects/${project.id}/repositories`;
  const cases: [string, { provider: string; githubOwner: string | null; githubName: string | null }][] = [
    ['https://github.com/acme/web.git', { provider: 'github', githubOwner: 'acme', githubName: 'web' }],
    ['https://github.com/acme/api', { provider: 'github', githubOwner: 'acme', githubName: 'api' }],
    ['git@github.com:acme/cli.git', { provider: 'github', githubOwner: 'acme', githubName: 'cli' }],
    ['ssh://git@github.com/acme/docs.git', { provider: 'github', githubOwner: 'acme', githubName: 'docs' }],
    ['https://gitlab.com/acme/web.git', { provider: 'git', githubOwner: null, githubName: null }],
    ['file:///srv/git/mirror.git', { provider: 'git', githubOwner: null, githubName: null }],
    ['/srv/git/local-repo', { provider: 'git', githubOwner: null, githubName: null }],
  ];
  for (const [url, parsed] of cases) {
    const res = await api.post(R, { url });
    t.equal(res.status, 201, url);
    t.match(res.body, { id: ULID, projectId: project.id, url, defaultBranch: 'main', ...parsed }, url);
  }
  const branch = await api.post(R, { url: 'https://github.com/acme/legacy', defaultBranch: 'master' });
  t.equal(branch.body.defaultBranch, 'master');

  const dup = await api.post(R, { url: 'https://github.com/acme/web.git' });
  t.equal(dup.status, 409);
  t.equal(dup.body.error.code, 'SU_ERR_REPOSITORY_EXISTS');

  for (const url of ['not a url', 'relative/path', 'ftp://example.com/repo.git', 'https://']) {
    const bad = await api.post(R, { url });
    t.equal(bad.status, 400, url);
    t.equal(bad.body.error.code, 'SU_ERR_VALIDATION');
    t.match(bad.body.error.message, /^body\.url: /);
  }

  // A github.com URL whose owner GitHub itself would refuse is still a repository, just not a GitHub one.
  const odd = await api.post(R, { url: `https://github.com/${'o'.repeat(150)}/repo.git` });
  t.equal(odd.status, 201);
  t.match(odd.body, { provider: 'git', githubOwner: null });

  const list = await api.get(R);
  t.same(list.body.items.map((r: any) => r.url), [...cases.map(([url]) => url), 'https://github.com/acme/legacy', odd.body.url]);
});

t.test('repositories: a URL carrying credentials is refused, so no token is stored or shown', async (t) => {
  const project = await createProject(api, (await createOrg(api, 'Creds Inc')).id);
  const R = `/api/v1/projects/${project.id}/repositories`;
  for (const url of ['https://ghp_secret123@github.com/acme/web.git', 'https://user:pass@git.example.com/x.git', 'ssh://me:pw@host/x.git']) {
    const res = await api.post(R, { url });
    t.equal(res.status, 400, url);
    t.match(res.body.error.message, /body\.url: do not put credentials/);
    t.notMatch(JSON.stringify(res.body), /secret123|pass|pw@/, 'the error does not echo the secret');
  }
  t.same((await api.get(R)).body.items, [], 'nothing stored');
  t.equal((await api.post(R, { url: 'ssh://git@github.com/acme/ok.git' })).status, 201, 'an ssh user name is not a secret');
});

t.test('flows: stages given as names or objects, unique stage names, unique flow names', async (t) => {
  const org = await createOrg(api, 'Flows Inc');
  const project = await createProject(api, org.id);
  const F = `/api/v1/projects/${project.id}/flows`;
  const res = await api.post(F, { name: 'Ship', stages: ['plan', { name: 'build', requiresReview: true }, { name: 'verify' }] });
  t.equal(res.status, 201);
  t.match(res.body, { id: ULID, projectId: project.id, name: 'Ship' });
  t.same(res.body.stages, [
    { name: 'plan', requiresReview: false },
    { name: 'build', requiresReview: true },
    { name: 'verify', requiresReview: false },
  ]);
  for (const stages of [['plan', 'plan'], ['plan', { name: 'plan', requiresReview: true }]]) {
    const dup = await api.post(F, { name: `dup ${JSON.stringify(stages)}`, stages });
    t.equal(dup.status, 400);
    t.equal(dup.body.error.code, 'SU_ERR_VALIDATION');
    t.match(dup.body.error.message, /body\.stages: stage names must be unique/);
  }
  t.equal((await api.post(F, { name: 'empty', stages: [] })).status, 400, 'a flow has at least one stage');
  const again = await api.post(F, { name: 'Ship', stages: ['x'] });
  t.equal(again.status, 409);
  t.equal(again.body.error.code, 'SU_ERR_FLOW_NAME_TAKEN');
  t.same((await api.get(F)).body.items, [res.body]);
});

t.test('actors: create with optional description and instructions, unique names, list', async (t) => {
  const org = await createOrg(api, 'Actors Inc');
  const project = await createProject(api, org.id);
  const A = `/api/v1/projects/${project.id}/actors`;
  const full = await api.post(A, { name: 'Reviewer', description: 'Careful', instructions: 'Read every diff twice.' });
  t.equal(full.status, 201);
  t.match(full.body, { id: ULID, projectId: project.id, name: 'Reviewer', description: 'Careful', instructions: 'Read every diff twice.' });
  const bare = await api.post(A, { name: 'Builder' });
  t.match(bare.body, { description: null, instructions: null });
  const dup = await api.post(A, { name: 'Reviewer' });
  t.equal(dup.status, 409);
  t.equal(dup.body.error.code, 'SU_ERR_ACTOR_NAME_TAKEN');
  t.same((await api.get(A)).body.items, [full.body, bare.body]);
});

t.test('healthz reports ok and the engine actually in use', async (t) => {
  const res = await app.as().get('/healthz');
  t.equal(res.status, 200);
  t.same(res.body, { status: 'ok', db: onPostgres ? 'postgres' : 'pglite' });
});

t.test('docs/json is an OpenAPI document of the API', async (t) => {
  const res = await app.as().get('/docs/json');
  t.equal(res.status, 200);
  t.match(res.body.openapi, /^3\./);
  const missions = res.body.paths['/api/v1/projects/{projectId}/missions'];
  t.ok(missions?.post && missions?.get, 'the missions route is documented with both methods');
  t.ok(missions.post.requestBody, 'its body schema comes from zod');
  for (const path of ['/api/v1/organizations', '/api/v1/projects/{projectId}', '/api/v1/missions/{missionId}/events', '/healthz']) {
    t.ok(res.body.paths[path], path);
  }
  t.same(res.body.paths['/api/v1/gallery/projects'].get.security, [{ bearer: [] }, {}], 'a route open to anonymous readers says the key is optional');
  const members = res.body.paths['/api/v1/projects/{projectId}/members'].get;
  t.ok(members && !members.security, 'others keep the document-wide bearer requirement');
  t.same(res.body.security, [{ bearer: [] }]);
});

t.test('metrics is Prometheus text that counts requests by route and status', async (t) => {
  const counter = (text: string, route: string, status: string) => {
    const line = text.split('\n').find((l) => l.startsWith('su_http_requests_total{') && l.includes(`route="${route}"`) && l.includes(`status="${status}"`) && l.includes('method="GET"'));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };
  const before = await app.as().get('/metrics');
  t.equal(before.status, 200);
  t.match(before.headers.get('content-type'), /^text\/plain/);
  t.match(before.body, /# TYPE su_http_requests_total counter/);
  t.match(before.body, /# TYPE su_http_request_duration_seconds histogram/);
  const route = '/api/v1/projects/:projectId';
  const org = await createOrg(api, 'Metrics Inc');
  const project = await createProject(api, org.id);
  for (let i = 0; i < 3; i++) await api.get(`/api/v1/projects/${project.id}`);
  await api.get('/api/v1/projects/01ARZ3NDEKTSV4RRFFQ69G5FAV');
  const after = (await app.as().get('/metrics')).body;
  t.equal(counter(after, route, '200') - counter(before.body, route, '200'), 3, 'three successful reads counted under the route pattern');
  t.equal(counter(after, route, '404') - counter(before.body, route, '404'), 1);
  t.notOk(after.includes(project.id), 'ids never become labels');
});
