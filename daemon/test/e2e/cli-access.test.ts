// `solo-unicorn access request|list|approve|decline` and `mission handoff|retry` against a real
// control plane: what a user types, what they read back, and a refusal as one line with exit 1.
import t from 'tap';
import { ADMIN_KEY, createMission, createOrg, createProject, startTestApp } from '../helpers/control-plane.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { runCli } from '../helpers/processes.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The API is tested on both engines (control-plane/test/collaboration/).
runOnceAcrossEngines(t, 'the CLI');
const app = await startTestApp(t);
const org = await createOrg(app.admin, 'Access Co');
const project = await createProject(app.admin, org.id, { name: 'website' });
const user = (await app.admin.post('/api/v1/users', { email: 'vera@access.test' })).body;
const key = (await app.admin.post('/api/v1/api-keys', { userId: user.id, name: 'vera' })).body.key as string;
await app.admin.post(`/api/v1/organizations/${org.id}/members`, { userId: user.id, role: 'viewer' });

const homes = { admin: mkdtempSync(join(tmpdir(), 'su-cli-access-a-')), vera: mkdtempSync(join(tmpdir(), 'su-cli-access-v-')) };
const as = (who: keyof typeof homes) => (...args: string[]) => runCli(args, { SU_HOME: homes[who], SU_PROJECT: '' });
const ok = (who: keyof typeof homes) => async (...args: string[]) => {
  const res = await as(who)(...args);
  if (res.code !== 0) throw new Error(`${args.join(' ')} → ${res.code}: ${res.stderr}`);
  return res.stdout;
};

t.before(async () => {
  await ok('admin')('login', '--url', app.baseUrl, '--api-key', ADMIN_KEY);
  await ok('vera')('login', '--url', app.baseUrl, '--api-key', key);
});

t.test('a viewer asks, the admin lists, approves; a second ask is refused in one line', async (t) => {
  const asked = await ok('vera')('access', 'request', '--project', project.id, '--role', 'member', '--message', 'I fix the docs');
  t.match(asked, /^asked for member; the project's admins are notified — [0-9A-Z]{26}\n$/);
  const id = asked.trim().split(' ').at(-1)!;
  const twice = await as('vera')('access', 'request', '--project', project.id);
  t.equal(twice.code, 1);
  t.match(twice.stderr, /^solo-unicorn: .*already asked/);

  const listed = await ok('admin')('access', 'list', '--project', 'website', '--status', 'pending');
  t.match(listed, new RegExp(`^${id}  pending  member  vera@access.test .*“I fix the docs”\\n$`));
  t.match(await ok('vera')('access', 'list'), new RegExp(`^${id}  pending`), 'the requester lists their own');
  t.equal((await as('vera')('access', 'approve', id)).code, 1, 'a viewer cannot approve');
  t.match(await ok('admin')('access', 'approve', id), /^approved: vera@access\.test is now member\n$/);
  t.match(await ok('admin')('access', 'list', '--project', 'website', '--status', 'approved'), new RegExp(`^${id}  approved`));
  const bad = await as('admin')('access', 'list', '--status', 'maybe');
  t.match(bad.stderr, /^solo-unicorn: --status: pending, approved or declined/);
});

t.test('mission retry --reason and handoff --workstation any: on the timeline', async (t) => {
  const m = await createMission(app.admin, project.id, { title: 'Flaky' });
  const retried = await ok('admin')('mission', 'retry', m.id, '--reason', 'the registry is back');
  t.match(retried, new RegExp(`^retrying: ${m.id}  \\[todo, ready\\]`));
  const handed = await ok('admin')('mission', 'handoff', m.id, '--workstation', 'any', '--reason', 'any will do');
  t.match(handed, /^handed to any workstation serving the project: /);
  const kinds = (await app.admin.get(`/api/v1/missions/${m.id}/events?limit=500`)).body.items.map((e: { kind: string }) => e.kind);
  t.ok(kinds.includes('mission.retried') && kinds.includes('mission.handed_off'), 'both on the timeline');
  const unknown = await as('admin')('mission', 'handoff', m.id, '--workstation', 'no-such-box');
  t.equal(unknown.code, 1);
});

t.test('project edit --auto-approve on: an organization member asking for member is granted at once', async (t) => {
  const other = await createProject(app.admin, org.id, { name: 'handbook' });
  t.match(await ok('admin')('project', 'edit', 'handbook', '--auto-approve', 'on'), /^updated project handbook /);
  t.match(await ok('admin')('project', 'show', 'handbook'), /access requests: viewer and member granted at once/);
  const asked = await app.as(key).post(`/api/v1/projects/${other.id}/access-requests`, { role: 'member' });
  t.equal(asked.body.status, 'approved', 'granted without an admin');
  const bad = await as('admin')('project', 'edit', 'handbook', '--auto-approve', 'maybe');
  t.equal(bad.code, 1);
  t.match(bad.stderr, /^solo-unicorn: --auto-approve: on or off/);
});

t.test('an outsider of the organization asks on a public project; approved, they are listed as an outside collaborator', async (t) => {
  const open = await createProject(app.admin, org.id, { name: 'open-source', visibility: 'public' });
  const ola = (await app.admin.post('/api/v1/users', { email: 'ola@outside.test' })).body;
  const olaKey = (await app.admin.post('/api/v1/api-keys', { userId: ola.id, name: 'ola' })).body.key as string;
  const asked = await app.as(olaKey).post(`/api/v1/projects/${open.id}/access-requests`, { role: 'admin' });
  t.equal(asked.status, 201);
  const refused = await as('admin')('access', 'approve', asked.body.id);
  t.equal(refused.code, 1);
  t.match(refused.stderr, /^solo-unicorn: .*not a member of the project's organization: from outside it they may be viewer or member, not admin/);
  t.match(await ok('admin')('access', 'approve', asked.body.id, '--role', 'member'), /^approved: ola@outside\.test is now member\n$/);
  t.match(await ok('admin')('project', 'member', 'list', 'open-source'), new RegExp(`^${ola.id}  member  outside collaborator\\n$`, 'm'));
  t.equal((await app.as(olaKey).post(`/api/v1/projects/${open.id}/missions`, { title: 'from outside' })).status, 201, 'they write on the project');
});
