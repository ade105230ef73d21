// Chaos gate: hostile agent output from a real daemon, and a frame the real database refuses,
// then a daemon restart. The control plane stays up, the mission still finishes, the bad text is
// kept as U+FFFD, the refused frame is quarantined on the timeline once, and the restarted
// daemon does not send it again (no crash loop, no resend loop).

import { join } from 'node:path';
import { isStorableText } from '@solo-unicorn/shared';
import t from 'tap';
import { createOrg, createProject, registerWorkstation, startTestApp } from '../helpers/control-plane.ts';
import { bareRemote, until } from '../helpers/e2e.ts';
import { isMsg, repoRoot, startDaemon } from '../helpers/processes.ts';
import { queryRows } from '../../../control-plane/test/helpers/sql.ts';

const MARKER = 'POISON-MARKER-4b1d';
const app = await startTestApp(t);
const api = app.admin;
// The database itself refuses any event carrying the marker, and counts each refusal in a
// sequence (sequences are not rolled back with the failed transaction).
await app.db.exec(`
  CREATE SEQUENCE test_poison_refusals;
  CREATE FUNCTION test_refuse_marker() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF NEW.data::text LIKE '%${MARKER}%' THEN
      PERFORM nextval('test_poison_refusals');
      RAISE EXCEPTION 'refused by the test' USING ERRCODE = '22023';
    END IF;
    RETURN NEW;
  END $$;
  CREATE TRIGGER test_refuse_marker BEFORE INSERT ON mission_events FOR EACH ROW EXECUTE FUNCTION test_refuse_marker();`);
const refusals = async () => {
  const [row] = await queryRows<{ last_value: string; is_called: boolean }>(app.db, 'SELECT last_value, is_called FROM test_poison_refusals');
  return row!.is_called ? Number(row!.last_value) : 0;
};

const remote = bareRemote('app', 'App');
const org = await createOrg(api);
const project = await createProject(api, org.id);
const P = `/api/v1/projects/${project.id}`;
const repo = (await api.post(`${P}/repositories`, { url: `file://${remote}` })).body;
const { home } = await registerWorkstation(app.baseUrl, org.id, 'poison', { projectId: project.id });
const daemonEnv = {
  SU_AGENT_COMMAND: JSON.stringify(['node', join(repoRoot, 'daemon/test/fixtures/fake-agent.mjs'), '{promptFile}']),
  FAKE_AGENT_SCENARIO: 'work',
  FAKE_AGENT_MARKER: MARKER,
  LOG_LEVEL: 'info',
};
const mission = (id: string) => api.get(`/api/v1/missions/${id}`).then((r) => r.body);
const events = async (id: string) => (await api.get(`/api/v1/missions/${id}/events?limit=500`)).body.items as any[];

t.test('hostile output and a refused frame: the mission finishes, each refused frame is quarantined, nothing loops after a restart', async (t) => {
  let daemon = startDaemon(t, home, daemonEnv);
  await daemon.waitForLine(isMsg('session open'));
  const m = (await api.post(`${P}/missions`, {
    title: 'Hostile output', description: 'fake-agent-scenario: hostile-output', ready: true, repositoryId: repo.id, prMode: 'disabled',
  })).body;
  await until('Done', () => mission(m.id), (x) => x.list === 'done');

  const timeline = await events(m.id);
  const quarantined = timeline.filter((e) => e.kind === 'frame.quarantined');
  t.equal(quarantined.length, 3, 'the marker line was quarantined in each stage it was printed (clarify, plan, execute)');
  t.match(quarantined[0].data, { frameType: 'mission.event', eventKind: 'agent.message', reason: /SQLSTATE 22023/ });
  t.notMatch(JSON.stringify(timeline), MARKER, 'the refused text is nowhere on the timeline');
  t.ok(timeline.every((e) => isStorableText(JSON.stringify(e.data))), 'every stored event is storable text');
  const texts = timeline.map((e) => JSON.stringify(e.data)).join('\n');
  t.match(texts, /half \\ufffd and \\ufffd nul|half \uFFFD and \uFFFD nul/, 'the escaped lone surrogate and NUL became U+FFFD');
  t.ok(timeline.some((e) => e.data?.sanitized === true), 'events that were changed are flagged');
  t.notMatch(texts, /\\ud83d(?!\\ude84)|\\u0000/, 'no lone surrogate or NUL reached the API');
  const perArrival = await refusals();
  t.ok(perArrival >= 3 && perArrival <= 6, `the database saw each marker frame at most twice (batch, then alone): ${perArrival}`);

  // Restart the daemon: its outbox must not hold the refused frame any more.
  t.equal((await daemon.kill('SIGTERM')).code, 0);
  daemon = startDaemon(t, home, daemonEnv);
  await daemon.waitForLine(isMsg('session open'));
  const next = (await api.post(`${P}/missions`, { title: 'After the restart', ready: true, repositoryId: repo.id, prMode: 'disabled' })).body;
  await until('Done', () => mission(next.id), (x) => x.list === 'done');
  t.equal(await refusals(), perArrival, 'nothing was resent after the restart');
  t.equal((await api.get('/healthz')).status, 200, 'the control plane is up');
  t.notOk(daemon.lines.some((l: any) => /reconnect/.test(String(l?.msg ?? l)) && l?.level >= 40), 'the daemon did not reconnect in a loop');
  await daemon.kill('SIGTERM');
});
