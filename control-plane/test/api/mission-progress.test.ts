// The agent's latest mission_progress line served with the mission (#14, #16): a board that opens
// after the agent said it shows it on the Doing card. Only the running attempt's line counts: an
// earlier attempt's line is stale, and a mission out of Doing carries none.
import { eq } from 'drizzle-orm';
import t from 'tap';
import { codeAgentSessions, missions } from '../../src/db/schema/index.ts';
import { createMissionEventsRepository } from '../../src/modules/missions/mission-events.repository.ts';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject } from '../helpers/fixtures.ts';
import { createAttempt } from '../workstations/helpers/attempts.ts';

const app = await startTestApp(t);
const api = app.admin;
const org = await createOrg(api);
const project = await createProject(api, org.id);
const ws = (await api.post('/api/v1/workstations', { organizationId: org.id, name: 'laptop' })).body.workstation;
const events = createMissionEventsRepository(app.db.db);
const base = Date.now() - 60_000;

/** A mission in Doing (as the dispatcher leaves it), with its attempts' progress lines said in order. */
async function doingMission(title: string, attempts: { status: 'running' | 'assigned' | 'failed'; lines: string[] }[]) {
  const m = await createMission(api, project.id, { title });
  await app.db.db.update(missions).set({ list: 'doing' }).where(eq(missions.id, m.id));
  let at = base;
  for (const a of attempts) {
    const { attemptId } = await createAttempt(app.db.db, { missionId: m.id, projectId: project.id, workstationId: ws.id, status: a.status === 'failed' ? 'running' : a.status });
    let seq = 0;
    for (const line of a.lines) {
      await events.append({ missionId: m.id, origin: 'agent', kind: 'agent.progress', data: { line, stage: 'execute' }, attemptId, attemptSeq: ++seq }, new Date((at += 1000)));
      // Other events after the line: the newest progress line is found among them.
      await events.append({ missionId: m.id, origin: 'agent', kind: 'agent.message', data: { text: 'working' }, attemptId, attemptSeq: ++seq }, new Date((at += 1000)));
    }
    if (a.status === 'failed') await app.db.db.update(codeAgentSessions).set({ status: 'failed' }).where(eq(codeAgentSessions.id, attemptId));
  }
  return m;
}

t.test('a Doing mission carries its running attempt’s latest line, in the mission and in the column', async (t) => {
  const m = await doingMission('Parser', [{ status: 'failed', lines: ['first try'] }, { status: 'running', lines: ['reading the parser', 'running tests, 3 failing'] }]);
  const one = await api.get(`/api/v1/missions/${m.id}`);
  t.equal(one.status, 200);
  t.equal(one.body.progress.line, 'running tests, 3 failing');
  t.equal(one.body.progress.at, new Date(base + 5000).toISOString(), 'when the agent said it');
  const column = await api.get(`/api/v1/projects/${project.id}/missions?list=doing`);
  t.match(column.body.items.find((x: { id: string }) => x.id === m.id), { progress: { line: 'running tests, 3 failing' } });
});

t.test('no line yet, or only an earlier attempt’s: none', async (t) => {
  const quiet = await doingMission('Quiet', [{ status: 'assigned', lines: [] }]);
  t.equal((await api.get(`/api/v1/missions/${quiet.id}`)).body.progress, null);
  const retried = await doingMission('Retried', [{ status: 'failed', lines: ['said in attempt 1'] }, { status: 'running', lines: [] }]);
  t.equal((await api.get(`/api/v1/missions/${retried.id}`)).body.progress, null, 'the failed attempt’s line is stale');
});

t.test('a mission out of Doing carries none, even with a live attempt', async (t) => {
  const m = await doingMission('Moved back', [{ status: 'running', lines: ['half way'] }]);
  await app.db.db.update(missions).set({ list: 'review' }).where(eq(missions.id, m.id));
  t.equal((await api.get(`/api/v1/missions/${m.id}`)).body.progress, null);
});
