import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { manualClock } from '../helpers/clock.ts';
import { createProject } from '../helpers/fixtures.ts';
import { queryRows } from '../helpers/sql.ts';
import { attemptFrames, servedProject } from './fixtures.ts';

const clock = manualClock('2026-11-20T10:00:00.000Z');
const app = await startTestApp(t, { clock, dispatch: { offlineGraceMs: 600_000, tickMs: 600_000, maxAttempts: 2 } });
const api = app.admin;
const mission = async (id: string) => (await api.get(`/api/v1/missions/${id}`)).body;
const events = async (id: string) => (await api.get(`/api/v1/missions/${id}/events?limit=500`)).body.items as { kind: string; data: any }[];
const assignOf = (client: any, missionId: string) => client.waitFor((f: any) => f.type === 'mission.assign' && f.payload.mission.id === missionId, `assign of ${missionId}`);
// The budget is C1's field on the project API; set in the table here so this test stands on its own.
const setBudget = (projectId: string, usd: number | null) => queryRows(app.db, `UPDATE projects SET monthly_budget_usd = ${usd ?? 'NULL'} WHERE id = '${projectId}'`);
const budgetNotices = async () => (await api.get('/api/v1/notifications')).body.items.filter((n: any) => n.kind === 'project.budget_reached');

/** A mission that runs to Done with the agent reporting what it cost. */
async function runCosting(client: any, missionId: string, costUsd: number) {
  const assign = await assignOf(client, missionId);
  const f = attemptFrames(assign);
  client.send(f.accepted());
  client.send(f.event('agent.usage', { inputTokens: 1000, outputTokens: 100, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd }));
  client.send(f.finished('succeeded', { branch: assign.payload.mission.branch }));
  await client.waitFor((x: any) => x.type === 'event.ack' && x.payload.acks.some((a: any) => a.attemptId === assign.payload.attemptId && a.seq >= 2), 'ack of the finish');
}

t.test('a project at its monthly budget gets no new runs; the first mission held says so once, and its admins are notified once', async (t) => {
  const p = await servedProject(app);
  await setBudget(p.project.id, 1);
  const client = await p.connect();
  await runCosting(client, (await p.mission()).id, 0.6);
  await runCosting(client, (await p.mission()).id, 0.5); // 0.6 < 1: still allowed, and it takes the spend past the budget

  const held = await p.mission({ title: 'held first', priority: 1 });
  const alsoHeld = await p.mission({ title: 'held too', priority: 2 });
  await app.app.dispatcher.dispatchFor(p.workstationId);
  t.match(await mission(held.id), { list: 'todo', ready: true });
  t.match(await mission(alsoHeld.id), { list: 'todo', ready: true });
  t.match((await events(held.id)).at(-1), { kind: 'mission.budget_reached', data: { projectId: p.project.id, budgetUsd: 1, spentUsd: 1.1, month: '2026-11' } });
  t.notOk((await events(alsoHeld.id)).some((e) => e.kind === 'mission.budget_reached'), 'said once per project, not per mission');
  t.match(await budgetNotices(), [{ projectId: p.project.id, missionId: held.id, title: /monthly agent budget reached/ }]);

  // Every later pass holds the missions without saying it again.
  clock.advance(3_600_000);
  await app.app.dispatcher.dispatchFor(p.workstationId);
  await p.mission({ title: 'a board change' });
  await app.app.dispatcher.dispatchFor(p.workstationId);
  t.equal((await events(held.id)).filter((e) => e.kind === 'mission.budget_reached').length, 1);
  t.equal((await budgetNotices()).length, 1);
  t.match((await api.get(`/api/v1/projects/${p.project.id}/usage?days=1`)).body.month, { month: '2026-11', spentUsd: 1.1, budgetUsd: 1, budgetReached: true });

  // A new UTC month starts from nothing spent: dispatch resumes.
  clock.set('2026-12-01T00:00:05.000Z');
  await app.app.dispatcher.dispatchFor(p.workstationId);
  await assignOf(client, held.id);
  t.match((await api.get(`/api/v1/projects/${p.project.id}/usage?days=1`)).body.month, { month: '2026-12', spentUsd: 0, budgetReached: false });
  await client.close();
});

t.test('a budget stops only its own project on a shared workstation; a raised budget lets dispatch resume', async (t) => {
  clock.set('2026-11-21T10:00:00.000Z');
  const capped = await servedProject(app, { maxConcurrentMissions: 4 });
  // A second project of the same organization, served by the same workstation, with no budget.
  const free = await createProject(api, capped.org.id);
  const repo = (await api.post(`/api/v1/projects/${free.id}/repositories`, { url: `file:///tmp/remote-${free.id}.git` })).body;
  await api.post(`/api/v1/projects/${free.id}/workstations`, { workstationId: capped.workstationId });
  await setBudget(capped.project.id, 0);
  const client = await capped.connect();
  const waiting = await capped.mission();
  const freeMission = async () => (await api.post(`/api/v1/projects/${free.id}/missions`, { title: 'free', ready: true, repositoryId: repo.id })).body.id as string;
  await runCosting(client, await freeMission(), 50);
  await runCosting(client, await freeMission(), 50);
  t.match(await mission(waiting.id), { list: 'todo' }, 'a zero budget parks every run of its project');
  t.match((await events(waiting.id)).find((e) => e.kind === 'mission.budget_reached'), { data: { budgetUsd: 0, spentUsd: 0, month: '2026-11' } });

  await setBudget(capped.project.id, 10);
  await app.app.dispatcher.dispatchFor(capped.workstationId);
  await assignOf(client, waiting.id);
  await client.close();
});
