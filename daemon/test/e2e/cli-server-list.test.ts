// The CLI with several control-plane URLs (a comma-separated list, as the daemon accepts for
// failover) in config.json or SU_SERVER_URL: its API commands try them in order, moving on only
// past an instance that never got the request (refused) or was shutting down (503), never past one
// that answered, so a POST is not sent twice.
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { ADMIN_KEY, startTestApp } from '../helpers/control-plane.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { runCli, tempDir } from '../helpers/processes.ts';

runOnceAcrossEngines(t, 'the CLI picking a URL');
const app = await startTestApp(t);

/** A URL where nothing listens: a port just freed. */
async function deadUrl() {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return `http://127.0.0.1:${port}`;
}

/** A server answering every request with `status`, counting what it got. */
async function fixedServer(t: Test, status: number) {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'SU_ERR_TEST', message: `answered ${status}` } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise((r) => server.close(r)));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, hits };
}

t.test('login with a list saves it; API commands skip a dead instance and reach the next', async (t) => {
  const home = tempDir('su-cli-urls-');
  const dead = await deadUrl();
  const login = await runCli(['login', '--url', `${dead}/, ${app.baseUrl}`, '--api-key', ADMIN_KEY], { SU_HOME: home });
  t.equal(login.code, 0, login.stderr);
  t.equal(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).serverUrl, `${dead},${app.baseUrl}`, 'saved as the daemon reads it');

  const created = await runCli(['org', 'create', 'Listed Org', '--json'], { SU_HOME: home });
  t.equal(created.code, 0, created.stderr);
  const list = await runCli(['org', 'list', '--json'], { SU_HOME: home });
  t.equal(list.code, 0, list.stderr);
  t.match(JSON.parse(list.stdout).items, [{ name: 'Listed Org' }]);

  // workstation register reads the same list and writes it back for the daemon.
  const orgId = JSON.parse(created.stdout).id;
  const reg = await runCli(['workstation', 'register', '--organization', orgId, '--name', 'listed'], { SU_HOME: home });
  t.equal(reg.code, 0, reg.stderr);
  t.equal(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).serverUrl, `${dead},${app.baseUrl}`);
});

t.test('an instance answering 503 (shutting down) is skipped; SU_SERVER_URL lists work too', async (t) => {
  const home = tempDir('su-cli-urls-');
  const draining = await fixedServer(t, 503);
  const res = await runCli(['org', 'list', '--json', '--api-key', ADMIN_KEY], { SU_HOME: home, SU_SERVER_URL: `${draining.url},${app.baseUrl}` });
  t.equal(res.code, 0, res.stderr);
  t.ok(Array.isArray(JSON.parse(res.stdout).items));
  t.equal(draining.hits.length, 1, 'the draining one was asked first, once');
  t.match(draining.hits[0], /^GET \/api\/v1\/organizations/);
});

t.test('an instance that answered is final: a failed POST is not sent to the next one', async (t) => {
  const home = tempDir('su-cli-urls-');
  const broken = await fixedServer(t, 500);
  const res = await runCli(['org', 'create', 'Never Twice', '--api-key', ADMIN_KEY], { SU_HOME: home, SU_SERVER_URL: `${broken.url},${app.baseUrl}` });
  t.equal(res.code, 1);
  t.match(res.stderr, /answered 500/);
  t.same(broken.hits, ['POST /api/v1/organizations']);
  const orgs = await fetch(`${app.baseUrl}/api/v1/organizations?limit=200`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } }).then((r) => r.json() as Promise<any>);
  t.notOk(orgs.items.some((o: any) => o.name === 'Never Twice'), 'the second instance never got it');
});

t.test('every instance down: one line naming the last one tried', async (t) => {
  const home = tempDir('su-cli-urls-');
  const [a, b] = [await deadUrl(), await deadUrl()];
  const res = await runCli(['org', 'list', '--api-key', ADMIN_KEY], { SU_HOME: home, SU_SERVER_URL: `${a},${b}` });
  t.equal(res.code, 1);
  t.match(res.stderr, new RegExp(`^solo-unicorn: cannot reach ${b.replace(/[.]/g, '\\.')}: .*\\n$`));
});
