// SSRF through a GitHub connection: a project admin names the API root the server sends its
// token to. Loopback, private and link-local targets are refused when saved and again when used;
// a listening loopback server proves that nothing reaches them.
import { lookup } from 'node:dns/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import t from 'tap';
import { specialAddress } from '../../src/lib/outbound-url.ts';
import { pushMissionBranch, servedProject } from '../dispatch/fixtures.ts';
import { startTestApp } from '../helpers/app.ts';
import { queryRows } from '../helpers/sql.ts';

const app = await startTestApp(t); // production's policy: no SU_OUTBOUND_ALLOW
const api = app.admin;
const TOKEN = 'ghp_ssrfTokenNeverSent_0042';

// Stands in for an internal service (or cloud metadata) on the control plane's own network.
const seen: string[] = [];
const internal = createServer((req, res) => {
  seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
  res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
});
await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
t.teardown(() => new Promise<void>((resolve) => {
  internal.closeAllConnections();
  internal.close(() => resolve());
}));
const port = (internal.address() as AddressInfo).port;

t.test('a project admin cannot point GitHub at loopback, private or link-local addresses, however spelled', async (t) => {
  const p = await servedProject(app);
  const forms = [
    `http://127.0.0.1:${port}`, `https://127.0.0.1:${port}/api/v3`, `http://localhost:${port}`, `https://localhost.:${port}`,
    `http://2130706433:${port}`, `https://0x7f.1:${port}`, `https://0177.0.0.1:${port}`, `https://127.0.0.1.:${port}`,
    `https://api.github.com@127.0.0.1:${port}`, `https://[::1]:${port}`, `https://[::ffff:127.0.0.1]:${port}`,
    `https://0.0.0.0:${port}`, `https://[::]:${port}`, 'https://169.254.169.254/latest/meta-data', 'https://10.0.0.8/api/v3',
    'https://172.16.3.4', 'https://192.168.1.1', 'https://[fd12::1]', 'https://[fe80::1]', 'http://api.github.com',
  ];
  // A name (not an address) that resolves to this machine goes through the DNS check instead.
  const own = hostname();
  const ownAddresses = await lookup(own, { all: true }).catch(() => []);
  if (ownAddresses.length > 0 && ownAddresses.every((a) => specialAddress(a.address))) forms.push(`https://${own}:${port}`);
  for (const apiBaseUrl of forms) {
    const res = await api.put(`/api/v1/projects/${p.project.id}/github`, { token: TOKEN, apiBaseUrl });
    t.equal(res.status, 400, apiBaseUrl);
    t.match(res.body, { error: { code: 'SU_ERR_URL_NOT_ALLOWED', message: /^apiBaseUrl /, details: [{ field: 'body.apiBaseUrl' }] } }, apiBaseUrl);
    t.notOk(JSON.stringify(res.body).includes(TOKEN), 'the answer never carries the token');
  }
  const org = await api.put(`/api/v1/organizations/${p.org.id}/github`, { token: TOKEN, apiBaseUrl: `http://127.0.0.1:${port}` });
  t.match(org.body, { error: { code: 'SU_ERR_URL_NOT_ALLOWED' } }, 'the organization-wide connection too');
  t.equal((await api.get(`/api/v1/projects/${p.project.id}/github`)).status, 404, 'nothing was stored');
  t.same(seen, [], 'no request reached the loopback server');
  // The public default still works.
  t.match((await api.put(`/api/v1/projects/${p.project.id}/github`, { token: TOKEN })).body, { apiBaseUrl: 'https://api.github.com' });
});

t.test('a connection whose address became internal is refused when used: the PR fails once, saying why, and nothing is sent', async (t) => {
  const p = await servedProject(app, { repository: { github: { owner: 'acme', name: 'ssrf' } } });
  // `.invalid` never resolves: the save cannot tell yet, the request will.
  t.equal((await api.put(`/api/v1/projects/${p.project.id}/github`, { token: TOKEN, apiBaseUrl: 'https://ghe.example.invalid/api/v3' })).status, 200);
  // A row saved before this check existed, or by hand: the request-time check is what stops it.
  await app.db.exec(`UPDATE github_integrations SET api_base_url = 'https://127.0.0.1:${port}' WHERE project_id = '${p.project.id}'`);
  const client = await p.connect();
  t.teardown(() => client.close());
  const m = await p.mission({ prMode: 'enabled' });
  await pushMissionBranch(client, m.id, 'c'.repeat(40));
  await app.app.pullRequests.worker.kick();

  const events = (await api.get(`/api/v1/missions/${m.id}/events?limit=500`)).body.items as { kind: string; data: any }[];
  const failed = events.filter((e) => e.kind === 'pr.failed');
  t.equal(failed.length, 1, 'reported once: no retry can help');
  t.match(failed[0]?.data.reason, /GitHub API address is refused: .*127\.0\.0\.1.*loopback/);
  t.notOk(JSON.stringify(events).includes(TOKEN), 'the token is in no event');
  t.same(await queryRows(app.db, `SELECT mission_id FROM github_pr_jobs WHERE mission_id = '${m.id}'`), [], 'the job is over, not waiting for a retry');
  t.same(seen, [], 'no request reached the loopback server');
});

t.test('an operator allow-list lets a GitHub Enterprise on a private network (or a test double) through, and only it', async (t) => {
  const allowed = await startTestApp(t, { outboundAllow: ['127.0.0.1'] });
  const p = await servedProject(allowed);
  const path = `/api/v1/projects/${p.project.id}/github`;
  t.match((await allowed.admin.put(path, { token: TOKEN, apiBaseUrl: `http://127.0.0.1:${port}/api/v3` })).body, { apiBaseUrl: `http://127.0.0.1:${port}/api/v3` });
  t.match((await allowed.admin.put(path, { token: TOKEN, apiBaseUrl: `http://localhost:${port}` })).body, { error: { code: 'SU_ERR_URL_NOT_ALLOWED' } });
  t.match((await allowed.admin.put(path, { token: TOKEN, apiBaseUrl: 'https://10.0.0.8/api/v3' })).body, { error: { code: 'SU_ERR_URL_NOT_ALLOWED' } });
});
