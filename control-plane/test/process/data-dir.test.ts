import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { startControlPlane } from '../helpers/control-plane-process.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { createHttpClient } from '../helpers/http.ts';

// The real entry point over one data dir, as two operators' `npm start` would run it.
const testDb = process.env.TEST_DATABASE_URL ? await createTestDatabase() : undefined;
if (testDb) t.teardown(() => testDb.close());
const startScript = fileURLToPath(new URL('../../bin/start.mjs', import.meta.url));

function freshDataDir(t: { teardown(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'su-datadir-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
const envFor = (dataDir: string) => ({ SU_DATA_DIR: dataDir, SU_BOOTSTRAP_API_KEY: bootstrapKey, ...(testDb ? { DATABASE_URL: testDb.url } : {}) });
const bootstrapKey = 'su_data_dir_test_bootstrap_key_0123456789';

/** A start expected to fail: its exit code and stderr. */
function startExpectingExit(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, [startScript], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.on('data', (d) => {
    stdout += d;
    if (/Server listening/.test(stdout)) child.kill('SIGTERM'); // it should not have started at all
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr, stdout })));
}

const mode = (path: string) => statSync(path).mode & 0o777;

if (!testDb) {
  t.test('a second control plane on the same PGlite data dir exits with one line naming the first, which keeps serving', async (t) => {
    const dataDir = freshDataDir(t);
    const first = await startControlPlane(envFor(dataDir));
    t.teardown(() => first.stop());
    const api = createHttpClient(first.baseUrl, bootstrapKey);
    const org = (await api.post('/api/v1/organizations', { name: 'Held' })).body;
    const postmaster = join(dataDir, 'pglite', 'postmaster.pid');
    const postmasterBefore = existsSync(postmaster) ? readFileSync(postmaster, 'utf8') : undefined;

    const second = await startExpectingExit(envFor(dataDir));
    t.not(second.code, 0, 'the second exits non-zero');
    t.notMatch(second.stdout, /Server listening/, 'it never listened');
    const lines = second.stderr.trim().split('\n');
    t.equal(lines.length, 1, 'one line on stderr');
    t.match(lines[0], new RegExp(`^solo-unicorn: data dir ${dataDir} is in use by process ${first.child.pid} \\(started [^)]+\\); stop it or use another SU_DATA_DIR$`));
    t.equal(existsSync(postmaster) ? readFileSync(postmaster, 'utf8') : undefined, postmasterBefore, "the first's postmaster.pid is untouched");

    const project = await api.post('/api/v1/projects', { organizationId: org.id, name: 'Written after the refused start' });
    t.equal(project.status, 201, 'the first still accepts writes');
    t.equal(await first.stop(), 0);
    t.notOk(existsSync(join(dataDir, 'control-plane.lock')), 'a clean exit removes the lock');

    const again = await startControlPlane(envFor(dataDir));
    t.teardown(() => again.stop());
    const after = createHttpClient(again.baseUrl, bootstrapKey);
    t.equal((await after.get(`/api/v1/projects/${project.body.id}`)).body.name, 'Written after the refused start', 'its writes survive a restart');
    t.equal((await after.get(`/api/v1/organizations/${org.id}`)).status, 200);
    t.equal(await again.stop(), 0);
  });

  t.test('a lock left by kill -9 is taken over by the next start', async (t) => {
    const dataDir = freshDataDir(t);
    const first = await startControlPlane(envFor(dataDir));
    t.teardown(() => first.stop());
    const org = (await createHttpClient(first.baseUrl, bootstrapKey).post('/api/v1/organizations', { name: 'Before the crash' })).body;
    const killed = new Promise((r) => first.child.once('exit', r));
    first.child.kill('SIGKILL');
    await killed;
    t.match(readFileSync(join(dataDir, 'control-plane.lock'), 'utf8'), `"pid":${first.child.pid}`, 'the lock outlives the killed process');

    const next = await startControlPlane(envFor(dataDir));
    t.teardown(() => next.stop());
    const api = createHttpClient(next.baseUrl, bootstrapKey);
    t.equal((await api.get(`/api/v1/organizations/${org.id}`)).status, 200, 'it serves the same data');
    t.match(readFileSync(join(dataDir, 'control-plane.lock'), 'utf8'), `"pid":${next.child.pid}`, 'the lock is now its own');
    t.equal(await next.stop(), 0);
  });

  t.test('a lock whose PID now belongs to another process is stale and taken over', async (t) => {
    const dataDir = freshDataDir(t);
    // This test runner is alive, but it is not the process that wrote the lock: its start time differs.
    writeFileSync(join(dataDir, 'control-plane.lock'), JSON.stringify({ pid: process.pid, startedAt: '2020-01-01T00:00:00.000Z', procStart: '1', host: hostname() }));
    const cp = await startControlPlane(envFor(dataDir));
    t.teardown(() => cp.stop());
    t.equal((await createHttpClient(cp.baseUrl, bootstrapKey).get('/healthz')).status, 200);
    t.equal(await cp.stop(), 0);
  });
} else {
  t.test('on PostgreSQL several control planes may share a data dir (they scale out)', async (t) => {
    const dataDir = freshDataDir(t);
    const a = await startControlPlane(envFor(dataDir));
    t.teardown(() => a.stop());
    const b = await startControlPlane(envFor(dataDir));
    t.teardown(() => b.stop());
    const org = (await createHttpClient(a.baseUrl, bootstrapKey).post('/api/v1/organizations', { name: 'Shared' })).body;
    t.equal((await createHttpClient(b.baseUrl, bootstrapKey).get(`/api/v1/organizations/${org.id}`)).status, 200);
    t.notOk(existsSync(join(dataDir, 'control-plane.lock')), 'no lock is taken');
    t.equal(await a.stop(), 0);
    t.equal(await b.stop(), 0);
  });
}

t.test('the data, database and docs directories are owner-only; keys are 0600', async (t) => {
  const dataDir = freshDataDir(t);
  const cp = await startControlPlane({ ...envFor(dataDir), SU_BOOTSTRAP_API_KEY: '' });
  t.teardown(() => cp.stop());
  t.equal(mode(dataDir), 0o700, 'data dir');
  t.equal(mode(join(dataDir, 'solo-unicorn-docs')), 0o700, 'docs dir');
  if (!testDb) {
    t.equal(mode(join(dataDir, 'pglite')), 0o700, 'PGlite dir');
    t.equal(mode(join(dataDir, 'control-plane.lock')), 0o600, 'lock file');
  }
  // On PostgreSQL the shared test database may already have its admin: then no key file is written.
  if (!testDb || existsSync(join(dataDir, 'admin-api-key'))) t.equal(mode(join(dataDir, 'admin-api-key')), 0o600, 'admin key file');
  t.equal(mode(join(dataDir, 'secrets.key')), 0o600, 'secrets key file');
  t.equal(await cp.stop(), 0);

  // An existing install from before, or a copy: everything readable by group and others.
  for (const dir of [dataDir, join(dataDir, 'solo-unicorn-docs'), ...(testDb ? [] : [join(dataDir, 'pglite')])]) chmodSync(dir, 0o755);
  chmodSync(join(dataDir, 'secrets.key'), 0o644);
  const again = await startControlPlane(envFor(dataDir));
  t.teardown(() => again.stop());
  t.equal(mode(dataDir), 0o700, 'an existing data dir is narrowed');
  t.equal(mode(join(dataDir, 'solo-unicorn-docs')), 0o700, 'an existing docs dir is narrowed');
  if (!testDb) t.equal(mode(join(dataDir, 'pglite')), 0o700, 'an existing PGlite dir is narrowed');
  t.equal(mode(join(dataDir, 'secrets.key')), 0o600, 'an existing secrets key is narrowed');
  t.match(again.stdout(), /now owner-only \(0700\)/, 'and the operator is told');
  t.equal(await again.stop(), 0);
});

t.test('a data dir that cannot be created stops the start with one line', async (t) => {
  const parent = freshDataDir(t);
  const blocked = join(parent, 'file');
  writeFileSync(blocked, '');
  const res = await startExpectingExit({ SU_DATA_DIR: join(blocked, 'data'), ...(testDb ? { DATABASE_URL: testDb.url } : {}) });
  t.equal(res.code, 1);
  t.match(res.stderr.trim(), /^solo-unicorn: cannot use data dir .*\/file\/data: /);
  t.equal(res.stderr.trim().split('\n').length, 1);
});
