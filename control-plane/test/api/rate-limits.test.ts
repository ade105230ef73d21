// Rate limits by tier (#18): headers on every /api answer, 429 SU_ERR_RATE_LIMITED past the limit,
// anonymous callers counted by address, counts shared through the database.
import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { newId } from '@solo-unicorn/shared';
import { createOrg, createUser } from '../helpers/fixtures.ts';

// Windows are fixed (aligned to multiples of their length): a ten-year window keeps a window's end
// from falling between two requests of a test (an hour's did once, at 02:00, in CI).
const windowMs = 10 * 365 * 86_400_000;
const app = await startTestApp(t, { rateLimits: { limits: { anonymous: 3, user: 5, contributor: 8, admin: null }, windowMs, flushMs: 50 } });

t.test('a signed-in user without a role gets the user tier; past it, 429 with Retry-After', async (t) => {
  const viewer = await createUser(app, 'viewer-rl@example.com');
  const seen: number[] = [];
  for (let i = 0; i < 5; i++) {
    const res = await viewer.client.get('/api/v1/users/me');
    t.equal(res.status, 200);
    t.equal(res.headers.get('ratelimit-limit'), '5');
    seen.push(Number(res.headers.get('ratelimit-remaining')));
  }
  t.same(seen, [4, 3, 2, 1, 0]);
  const over = await viewer.client.get('/api/v1/users/me');
  t.equal(over.status, 429);
  t.equal(over.body.error.code, 'SU_ERR_RATE_LIMITED');
  t.ok(Number(over.headers.get('retry-after')) > 0);
  t.ok(Number(over.headers.get('ratelimit-reset')) <= windowMs / 1000);
});

t.test('a contributor gets more; the instance admin is not limited', async (t) => {
  const member = await createUser(app, 'member-rl@example.com');
  const org = await createOrg(app.admin, 'RL');
  t.equal((await app.admin.post(`/api/v1/organizations/${org.id}/members`, { userId: member.id, role: 'member' })).status, 201);
  const first = await member.client.get('/api/v1/users/me');
  t.equal(first.headers.get('ratelimit-limit'), '8', 'member of an organization: contributor');
  for (let i = 0; i < 10; i++) t.equal((await app.admin.get('/api/v1/users/me')).headers.get('ratelimit-limit'), null);
});

t.test('a project role counts for the tier only where it grants access: an outside collaborator yes, a stale row no', async (t) => {
  const org = await createOrg(app.admin, 'RL projects');
  const project = (await app.admin.post('/api/v1/projects', { organizationId: org.id, name: 'rl', visibility: 'public' })).body;
  const stale = await createUser(app, 'stale-rl@example.com');
  await app.db.exec(`INSERT INTO project_members (id, project_id, user_id, role) VALUES ('${newId()}', '${project.id}', '${stale.id}', 'member')`);
  t.equal((await stale.client.get('/api/v1/users/me')).headers.get('ratelimit-limit'), '5', 'a row left for a non-member grants no tier either');
  // The row an approved access request writes (the tier is cached a minute per user, so it is
  // written before the user's first request here).
  const outsider = await createUser(app, 'outside-rl@example.com');
  await app.db.exec(`INSERT INTO project_members (id, project_id, user_id, role, outside) VALUES ('${newId()}', '${project.id}', '${outsider.id}', 'member', true)`);
  t.equal((await outsider.client.get(`/api/v1/projects/${project.id}/backlog`)).status, 200, 'the row is access');
  t.equal((await outsider.client.get('/api/v1/users/me')).headers.get('ratelimit-limit'), '8', 'an outside collaborator who writes: contributor');
});

t.test('anonymous callers are counted by address, refused credentials included; public routes are not limited', async (t) => {
  const anon = app.as(undefined as unknown as string);
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await fetch(`${app.baseUrl}/api/v1/users/me`)).status);
  t.same(statuses, [401, 401, 401, 429]);
  t.equal((await fetch(`${app.baseUrl}/healthz`)).status, 200, 'health is not limited');
  void anon;
});

t.test('refused credentials are counted by address; past the limit a refusal is a 429, while valid keys go on', async (t) => {
  const guess = (key: string) => fetch(`${app.baseUrl}/api/v1/users/me`, { headers: { authorization: `Bearer ${key}` } });
  const first = await guess('su_not_a_real_key_1');
  t.equal(first.status, 401);
  t.equal(first.headers.get('ratelimit-limit'), '3', 'the refusal says where the address stands');
  t.equal(first.headers.get('ratelimit-remaining'), '2');
  const statuses = [first.status];
  for (let i = 2; i <= 5; i++) statuses.push((await guess(`su_not_a_real_key_${i}`)).status);
  t.same(statuses, [401, 401, 401, 429, 429], 'three refusals, then 429s');
  const blocked = await guess('su_not_a_real_key_6');
  t.equal((await blocked.json()).error.code, 'SU_ERR_RATE_LIMITED');
  t.ok(Number(blocked.headers.get('retry-after')) > 0);
  const user = await createUser(app, 'behind-the-same-address@example.com');
  t.equal((await user.client.get('/api/v1/users/me')).status, 200, 'a valid key from the same address is not held back');
  t.equal((await fetch(`${app.baseUrl}/api/v1/users/me`, { headers: { authorization: 'Basic dXNlcjpwYXNz' } })).status, 429, 'nor is any other kind of header a way around it');
});

t.test('counts reach the database, where other control planes read them', async (t) => {
  await app.app.rateLimits.flush();
  const rows = await app.db.db.execute(`SELECT bucket, count FROM rate_limit_windows ORDER BY bucket` as never);
  const list = ((rows as { rows?: unknown[] }).rows ?? rows) as { bucket: string; count: number }[];
  t.ok(list.some((r) => r.bucket.startsWith('user:') && Number(r.count) >= 6), 'the viewer’s count is stored');
  t.ok(list.some((r) => r.bucket.startsWith('ip:') && Number(r.count) >= 4));
});
