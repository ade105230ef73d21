import t from 'tap';
import { createAttempt, createMission, createOrg, createProject, startTestApp, storedSeqs, ADMIN_KEY } from '../helpers/control-plane.ts';
import { isMsg, runCli, startEmitter, tempDir } from '../helpers/processes.ts';
import { startProxy } from '../helpers/tcp-proxy.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

t.test('10,000 events through a proxy that cuts the connection at random points: 0 lost, 0 duplicated', async (t) => {
  const app = await startTestApp(t);
  const org = await createOrg(app.admin);
  const project = await createProject(app.admin, org.id);
  const proxy = await startProxy(Number(new URL(app.baseUrl).port));
  t.teardown(() => proxy.close());
  const home = tempDir('su-home-');
  const reg = await runCli(['workstation', 'register', '--url', app.baseUrl, '--api-key', ADMIN_KEY, '--organization', org.id, '--name', 'chaos'], { SU_HOME: home });
  t.equal(reg.code, 0, reg.stderr);
  const id = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).workstationId;
  const mission = await createMission(app.admin, project.id);
  const attempt = await createAttempt(app.db.db, { missionId: mission.id, projectId: project.id, workstationId: id });

  const total = 10_000;
  // Short backoff bounds keep the test quick; the jitter logic is the production one.
  const emitter = startEmitter(t, home, attempt, total, 'live', { SU_SERVER_URL: proxy.url, SU_RECONNECT_BASE_MS: '20', SU_RECONNECT_MAX_MS: '300' });
  let stop = false;
  const chaos = (async () => {
    await emitter.waitForLine(isMsg('session open'));
    while (!stop) {
      // Cut at a random point: anywhere from mid-handshake to deep into the stream. A random
      // span of time, or a random amount of the stream, whichever passes first: the time alone
      // left a fast machine drain the 10,000 events after two cuts.
      const deadline = Date.now() + 20 + Math.random() * 130;
      const until = proxy.clientBytes + 32_768 + Math.random() * 224_000;
      while (!stop && Date.now() < deadline && proxy.clientBytes < until) await new Promise((r) => setTimeout(r, 2));
      if (!stop) proxy.cutAll();
    }
  })();
  await emitter.waitForLine(isMsg('drained'), 'all events acknowledged');
  stop = true;
  await chaos;
  t.equal((await emitter.exited).code, 0);
  t.ok(proxy.cuts >= 3, `the connection was cut ${proxy.cuts} times`);
  const reconnects = emitter.lines.filter((l) => l.includes('"msg":"session open"')).length;
  t.ok(reconnects > 3, `${reconnects} sessions`);
  const seqs = await storedSeqs(app.db.db, attempt.attemptId);
  t.equal(seqs.length, total, 'none lost, none duplicated');
  t.same(seqs, Array.from({ length: total }, (_, i) => i + 1), 'seq 1..10000 in order, no gaps');
});
