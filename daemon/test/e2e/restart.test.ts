import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ADMIN_KEY, startChildControlPlane } from '../helpers/control-plane.ts';
import { isMsg, runCli, startDaemon, tempDir } from '../helpers/processes.ts';

t.test('the daemon reconnects by itself after the control plane is killed and restarted on the same port', async (t) => {
  const cp = await startChildControlPlane(t, { SU_HEARTBEAT_INTERVAL_MS: '1000' });
  const headers = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
  const org = await (await fetch(`${cp.baseUrl}/api/v1/organizations`, { method: 'POST', headers, body: JSON.stringify({ name: 'Acme' }) })).json();
  const home = tempDir('su-home-');
  const reg = await runCli(['workstation', 'register', '--url', cp.baseUrl, '--api-key', ADMIN_KEY, '--organization', org.id, '--name', 'phoenix'], { SU_HOME: home });
  t.equal(reg.code, 0, reg.stderr);
  const id = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).workstationId;
  const online = async () => (await (await fetch(`${cp.baseUrl}/api/v1/workstations/${id}`, { headers })).json()).online;

  const daemon = startDaemon(t, home);
  await daemon.waitForLine(isMsg('session open'));
  t.equal(await online(), true);

  await cp.restart();
  const opened = daemon.lines.filter((l) => l.includes('"msg":"session open"')).length;
  await daemon.waitForLine((l) => l?.msg === 'disconnected; reconnecting', 'a backoff');
  let seen = 0;
  await daemon.waitForLine((l) => l?.msg === 'session open' && ++seen > opened, 'a new session');
  t.equal(await online(), true, 'online again after the restart');
  t.equal(daemon.child.exitCode, null, 'the daemon never exited');
  const backoffs = daemon.lines.map((l) => { try { return JSON.parse(l); } catch { return {}; } }).filter((l) => l.msg === 'disconnected; reconnecting');
  t.ok(backoffs.every((l) => l.delayMs >= 0 && l.delayMs <= 30_000), 'delays stay within the 30 s cap');
  await daemon.kill('SIGTERM');
});
