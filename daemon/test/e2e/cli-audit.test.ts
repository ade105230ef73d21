// `solo-unicorn audit list|timeline` against a real control plane: the organization's log with
// filters (--action, --since as an age or a date), paging hints, --all and --json; a project's
// timeline by project name; refusals one line with the API's code and exit 1.
import t from 'tap';
import { parseWhen } from '../../src/cli/audit.ts';
import { ADMIN_KEY, createOrg, createProject, startTestApp } from '../helpers/control-plane.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { runCli } from '../helpers/processes.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The API is tested on both engines (control-plane/test/audit/audit-events.test.ts).
runOnceAcrossEngines(t, 'the CLI');
const app = await startTestApp(t);
const home = mkdtempSync(join(tmpdir(), 'su-cli-audit-'));
const cli = (...args: string[]) => runCli(args, { SU_HOME: home, SU_PROJECT: '' });
const ok = async (...args: string[]) => {
  const res = await cli(...args);
  if (res.code !== 0) throw new Error(`${args.join(' ')} → ${res.code}: ${res.stderr}`);
  return res.stdout;
};

const org = await createOrg(app.admin, 'Audited Co');
const project = await createProject(app.admin, org.id, { name: 'audited' });
const other = await createOrg(app.admin);
await createProject(app.admin, other.id, { name: 'elsewhere' });
await app.admin.put(`/api/v1/projects/${project.id}/github`, { token: 'ghp_cliAuditTokenNotShown99' });

t.before(async () => {
  await ok('login', '--url', app.baseUrl, '--api-key', ADMIN_KEY);
});

t.test('audit list: an organization by name, filters, newest first, --json, --all', async (t) => {
  const out = await ok('audit', 'list', '--org', 'Audited Co');
  const lines = out.trim().split('\n');
  t.match(lines[0], /github_connection\.created +Admin .* project /, 'newest first: the GitHub connection');
  t.ok(lines.some((l) => /project\.created/.test(l)));
  t.ok(lines.some((l) => /organization\.created/.test(l)));
  t.notMatch(out, /ghp_/, 'no token anywhere');

  const filtered = await ok('audit', 'list', '--org', org.id, '--action', 'project.created');
  t.equal(filtered.trim().split('\n').length, 1);
  t.match(filtered, new RegExp(`project\\.created .* project ${project.id}`));
  t.match(await ok('audit', 'list', '--org', org.id, '--since', '1h', '--action', 'project.created'), /project\.created/);
  t.match(await ok('audit', 'list', '--org', org.id, '--since', '2999-01-01'), /^no audit events$/m);

  const page = JSON.parse(await ok('audit', 'list', '--org', org.id, '--limit', '1', '--json'));
  t.equal(page.items.length, 1);
  t.type(page.nextCursor, 'string');
  t.match(await ok('audit', 'list', '--org', org.id, '--limit', '1'), /older events: --limit 2 or --all/);
  const all = JSON.parse(await ok('audit', 'list', '--org', org.id, '--all', '--json'));
  t.ok(all.items.length >= 3);
  t.ok(all.items.every((e: any) => e.organizationId === org.id));
});

t.test('audit timeline: a project by name', async (t) => {
  const out = await ok('audit', 'timeline', '--project', 'audited');
  t.match(out, /github_connection\.created/);
  t.match(out, /project\.created/);
  t.notMatch(out, /organization\.created/);
});

t.test('refusals: a bad --since, an organization you may not read', async (t) => {
  const bad = await cli('audit', 'list', '--org', org.id, '--since', 'last tuesday');
  t.equal(bad.code, 1);
  t.match(bad.stderr, /--since: expected a date/);
  const user = (await app.admin.post('/api/v1/users', { email: 'viewer@cli-audit.example.com' })).body;
  await app.admin.post(`/api/v1/organizations/${org.id}/members`, { userId: user.id, role: 'member' });
  const key = (await app.admin.post('/api/v1/api-keys', { userId: user.id, name: 'cli' })).body.key;
  const refused = await cli('audit', 'list', '--org', org.id, '--api-key', key);
  t.equal(refused.code, 1);
  t.match(refused.stderr, /SU_ERR_FORBIDDEN/);
  t.equal(refused.stderr.trim().split('\n').length, 1, 'one line');
});

t.test('parseWhen: ages and dates to ISO', async (t) => {
  const now = Date.parse('2026-12-06T12:00:00Z');
  t.equal(parseWhen('since', '24h', now), '2026-12-05T12:00:00.000Z');
  t.equal(parseWhen('since', '2w', now), '2026-11-22T12:00:00.000Z');
  t.equal(parseWhen('since', '2026-01-31', now), '2026-01-31T00:00:00.000Z');
  t.throws(() => parseWhen('until', 'soon', now), /--until/);
});
