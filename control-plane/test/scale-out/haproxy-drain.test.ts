// deploy/haproxy.cfg in front of two control-plane processes on one PostgreSQL: SIGTERM to the
// instance holding a daemon's session takes it out of rotation without one failed request, the
// daemon is told to reconnect (1001) and comes back through the balancer on the other instance.
// Needs real PostgreSQL and the haproxy binary (Debian's package); skips otherwise.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { sessionCloseCodes } from '@solo-unicorn/shared';
import { startControlPlane } from '../helpers/control-plane-process.ts';
import { createTestDatabase, onPostgres } from '../helpers/database.ts';
import { createHttpClient } from '../helpers/http.ts';
import { connectRaw, hello } from '../workstations/helpers/ws-client.ts';
import { eventually } from './helpers.ts';

const KEY = 'su_test_haproxy_admin_key_0123456789abcd';
const hasHaproxy = spawnSync('haproxy', ['-v']).status === 0;

async function freePort() {
  const s = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

if (!onPostgres || !hasHaproxy) {
  t.pass('needs real PostgreSQL (TEST_DATABASE_URL) and haproxy on PATH');
} else {
  t.test('SIGTERM behind HAProxy: no failed request, the daemon reconnects through the balancer to the other instance', async (t) => {
    const db = await createTestDatabase();
    t.teardown(() => db.close());
    const dir = mkdtempSync(join(tmpdir(), 'su-haproxy-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const env = (name: string) => ({ DATABASE_URL: db.url!, SU_DATA_DIR: join(dir, name), SU_BOOTSTRAP_API_KEY: KEY, SU_DRAIN_DELAY_MS: '5000', SU_HEARTBEAT_INTERVAL_MS: '1000', SU_FALLBACK_ENABLED: 'false' });
    const cps = await Promise.all([startControlPlane(env('cp1')), startControlPlane(env('cp2'))]);
    for (const cp of cps) t.teardown(() => void cp.child.kill('SIGKILL'));

    // The shipped config, with loopback addresses for the two servers and a free port to bind.
    const port = await freePort();
    const cfg = readFileSync(new URL('../../../deploy/haproxy.cfg', import.meta.url), 'utf8')
      .replace('bind :7878', `bind 127.0.0.1:${port}`)
      .replace('server cp1 cp1:7878', `server cp1 ${new URL(cps[0]!.baseUrl).host}`)
      .replace('server cp2 cp2:7878', `server cp2 ${new URL(cps[1]!.baseUrl).host}`);
    writeFileSync(join(dir, 'haproxy.cfg'), cfg);
    const haproxy = spawn('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', 'pipe'] });
    t.teardown(() => void haproxy.kill('SIGKILL'));
    const lbUrl = `http://127.0.0.1:${port}`;
    const api = createHttpClient(lbUrl, KEY);
    t.ok(await eventually(async () => (await api.get('/readyz').catch(() => ({ status: 0 }))).status === 200), 'ready through the balancer');

    const org = (await api.post('/api/v1/organizations', { name: 'Balanced' })).body;
    const reg = (await api.post('/api/v1/workstations', { organizationId: org.id, name: 'behind-lb' })).body;
    const openSession = async () => {
      const client = await connectRaw(lbUrl, reg.token);
      client.send(hello(reg.workstation.id));
      await client.waitFor((f) => f.type === 'session.welcome');
      return client;
    };
    const sessionsOn = (i: number) => cps[i]!.stdout().split('\n').filter((l) => l.includes('daemon session open')).length;
    const daemon = await openSession();
    // The instance logs the session just after its welcome: wait for the line.
    const holder = await eventually(async () => [0, 1].find((i) => sessionsOn(i) === 1));
    t.ok(holder !== undefined, `the session is on cp${holder! + 1}`);

    // Requests through the balancer, all along the drain.
    const statuses: (number | string)[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        statuses.push(await api.get('/api/v1/organizations').then((r) => r.status, (e: Error) => e.message));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const exited = cps[holder!]!.stop();
    const closed = await daemon.closed;
    t.equal(closed.code, sessionCloseCodes.serverShutdown, 'the daemon is told to reconnect (1001)');
    const again = await openSession();
    t.ok(await eventually(async () => sessionsOn(1 - holder!) === 1), `and reconnects through the balancer to cp${2 - holder!}`);
    t.equal(await exited, 0, 'the drained instance exits cleanly');
    polling = false;
    await poller;
    t.ok(statuses.length > 20, `${statuses.length} requests during the drain`);
    t.same([...new Set(statuses)], [200], 'every one answered 200');
    await again.close();
  });
}
