import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { startControlPlane } from '../helpers/control-plane-process.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { createHttpClient } from '../helpers/http.ts';

// The real entry point, twice over the same data: PGlite in a data dir, or the test's PostgreSQL.
const dataDir = mkdtempSync(join(tmpdir(), 'su-restart-'));
t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
const testDb = process.env.TEST_DATABASE_URL ? await createTestDatabase() : undefined;
if (testDb) t.teardown(() => testDb.close());
const env = { SU_DATA_DIR: dataDir, ...(testDb?.url ? { DATABASE_URL: testDb.url } : {}) };

t.test('first start creates the admin key once; a restart keeps data and keys and prints no new key', async (t) => {
  const first = await startControlPlane(env);
  const printed = /\n {2}(su_[\w-]+)\n/.exec(first.stdout())?.[1];
  t.ok(printed, 'the admin key is printed on first start');
  const keyFile = join(dataDir, 'admin-api-key');
  t.equal(readFileSync(keyFile, 'utf8').trim(), printed, 'and saved to the key file');
  t.equal(statSync(keyFile).mode & 0o777, 0o600, 'readable by the owner only');

  const api = createHttpClient(first.baseUrl, printed);
  t.match((await api.get('/healthz')).body, { status: 'ok', db: testDb ? 'postgres' : 'pglite' });
  const org = (await api.post('/api/v1/organizations', { name: 'Durable' })).body;
  const project = (await api.post('/api/v1/projects', { organizationId: org.id, name: 'Keeps' })).body;
  const repo = (await api.post(`/api/v1/projects/${project.id}/repositories`, { url: 'file:///tmp/keeps' })).body;
  // With a repository: only missions that can run count as backlog.
  const mission = (await api.post(`/api/v1/projects/${project.id}/missions`, { title: 'Survive a restart', ready: true, repositoryId: repo.id })).body;
  const userKey = (await api.post('/api/v1/api-keys', { name: 'second' })).body.key;
  t.equal(await first.stop(), 0, 'a clean shutdown on SIGTERM');

  const second = await startControlPlane(env);
  t.notMatch(second.stdout(), /admin API key/, 'no new key on restart');
  t.equal(readFileSync(keyFile, 'utf8').trim(), printed, 'the key file is unchanged');
  const again = createHttpClient(second.baseUrl, printed);
  t.match((await again.get(`/api/v1/missions/${mission.id}`)).body, { title: 'Survive a restart', ready: true, projectId: project.id });
  t.same((await again.get(`/api/v1/projects/${project.id}/backlog`)).body, { count: 1, threshold: 5 });
  t.equal((await createHttpClient(second.baseUrl, userKey).get('/api/v1/users/me')).status, 200, 'other keys still work');
  t.equal((await again.get(`/api/v1/missions/${mission.id}/events`)).body.items.length, 1);
  t.equal(await second.stop(), 0);
});

t.test('a bad configuration stops the process with one line naming the variable', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const res = spawnSync(process.execPath, [fileURLToPath(new URL('../../bin/start.mjs', import.meta.url))], {
    env: { ...process.env, PORT: 'eighty', SU_DATA_DIR: dataDir },
    encoding: 'utf8',
  });
  t.equal(res.status, 2);
  t.match(res.stderr.trim(), /^solo-unicorn: invalid configuration: PORT: /);
  t.equal(res.stderr.trim().split('\n').length, 1, 'one line');
});
