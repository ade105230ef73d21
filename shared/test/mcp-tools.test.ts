import t from 'tap';
import { missionToolInputs, missionToolNames, parseFrame, daemonToServerFrame, serverToDaemonFrame, makeFrame } from '../src/index.ts';

t.test('every tool has an input schema that refuses a smuggled missionId', async (t) => {
  for (const name of missionToolNames) {
    const r = missionToolInputs[name].safeParse({ missionId: '01J0000000000000000000000' });
    t.notOk(r.success, `${name} refuses missionId`);
  }
});

t.test('inputs take valid values and refuse empty, oversize and bad paths', async (t) => {
  t.ok(missionToolInputs.mission_get.safeParse({}).success);
  t.ok(missionToolInputs.mission_progress.safeParse({ line: 'running tests, 3 failing' }).success);
  t.notOk(missionToolInputs.mission_progress.safeParse({ line: '' }).success);
  t.notOk(missionToolInputs.mission_progress.safeParse({ line: 'x'.repeat(201) }).success);
  t.ok(missionToolInputs.mission_update_docs.safeParse({ path: 'tasks/12.md', content: '# t' }).success);
  t.notOk(missionToolInputs.mission_update_docs.safeParse({ path: '../x.md', content: '' }).success);
  t.notOk(missionToolInputs.mission_update_docs.safeParse({ path: 'solution.md', content: 'x'.repeat(1024 * 1024 + 1) }).success);
  t.notOk(missionToolInputs.mission_ask.safeParse({ question: 'q', options: Array(11).fill('a') }).success);
  t.notOk(missionToolInputs.mission_create.safeParse({ title: '' }).success);
  t.ok(missionToolInputs.mission_create.safeParse({ title: 'Follow up', description: 'why' }).success);
});

t.test('tool.request and tool.response are frames of their unions', async (t) => {
  const req = makeFrame('tool.request', { attemptId: '01J00000000000000000000000', missionId: '01J00000000000000000000001', leaseVersion: 1, tool: 'mission_get', input: {} });
  t.ok(parseFrame(JSON.stringify(req), daemonToServerFrame).ok);
  const res = makeFrame('tool.response', { refId: req.id, ok: false, error: { code: 'SU_ERR_ATTEMPT_FENCED', message: 'no' } });
  t.ok(parseFrame(JSON.stringify(res), serverToDaemonFrame).ok);
  const bad = makeFrame('tool.response', { refId: req.id, ok: false, error: { code: 'nope', message: 'no' } });
  t.notOk(parseFrame(JSON.stringify(bad), serverToDaemonFrame).ok);
});
