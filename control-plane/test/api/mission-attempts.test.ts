import t from 'tap';
import { createDispatchRepository } from '../../src/dispatch/dispatch.repository.ts';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject, createUser } from '../helpers/fixtures.ts';
import { attemptFrames, servedProject } from '../dispatch/fixtures.ts';

// GET /missions/:id/attempts: each attempt with what its agent used, newest first, and totals.
const app = await startTestApp(t, { dispatch: { offlineGraceMs: 60_000, tickMs: 60_000, maxAttempts: 3 } });
const api = app.admin;
const attempts = async (missionId: string, client = api) => client.get(`/api/v1/missions/${missionId}/attempts`);
const assignOf = (client: any, missionId: string, not?: string) =>
  client.waitFor((f: any) => f.type === 'mission.assign' && f.payload.mission.id === missionId && f.payload.attemptId !== not, `assign of ${missionId}`);
const ackOf = (client: any, attemptId: string, seq: number) =>
  client.waitFor((x: any) => x.type === 'event.ack' && x.payload.acks.some((a: any) => a.attemptId === attemptId && a.seq >= seq), `ack of seq ${seq}`);

t.test("a mission's attempts as its agent reported them: usage, refused tool calls, the session and what resumed it", async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission();

  const first = await assignOf(client, m.id);
  const f1 = attemptFrames(first);
  client.send(f1.accepted());
  client.send(f1.event('agent.session', { agentSessionId: 'sess-a1', agent: 'custom' }));
  client.send(f1.event('agent.usage', { inputTokens: 1200, outputTokens: 300, cacheReadTokens: 5000, cacheWriteTokens: 40, costUsd: 0.25, numTurns: 3, apiMs: 4000 }));
  client.send(f1.event('agent.permission_denied', { tool: 'Bash', command: 'rm -rf /' }));
  client.send(f1.finished('failed', { reason: 'tests failed' }));
  await ackOf(client, first.payload.attemptId, 4);

  const second = await assignOf(client, m.id, first.payload.attemptId);
  const f2 = attemptFrames(second);
  client.send(f2.accepted());
  client.send(f2.event('agent.usage', { inputTokens: 100, outputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0, numTurns: 1 }));
  await ackOf(client, second.payload.attemptId, 1);

  const res = await attempts(m.id);
  t.equal(res.status, 200);
  const [running, failed] = res.body.items;
  t.equal(res.body.items.length, 2);
  t.match(running, {
    id: second.payload.attemptId, attemptNumber: 2, status: 'running', agentType: 'custom', workstationId: p.workstationId,
    inputTokens: 100, outputTokens: 10, costUsd: null, numTurns: 1, apiMs: null, permissionDenials: 0,
    wallMs: null, finishedAt: null, agentSessionId: null, resumedFromAttemptId: first.payload.attemptId,
  }, 'newest first; still running: no wall time; no cost reported: unknown, not zero');
  t.type(running.startedAt, 'string');
  t.match(failed, {
    id: first.payload.attemptId, attemptNumber: 1, status: 'failed', reason: 'tests failed',
    inputTokens: 1200, outputTokens: 300, cacheReadTokens: 5000, cacheWriteTokens: 40, costUsd: 0.25, numTurns: 3, apiMs: 4000,
    permissionDenials: 1, agentSessionId: 'sess-a1', resumedFromAttemptId: null, limitedUntil: null,
  });
  t.ok(failed.wallMs >= 0 && failed.wallMs === Date.parse(failed.finishedAt) - Date.parse(failed.startedAt), 'wall time is finish minus start');
  t.match(res.body.totals, {
    attempts: 2, inputTokens: 1300, outputTokens: 310, cacheReadTokens: 5000, cacheWriteTokens: 40, costUsd: 0.25, numTurns: 4, permissionDenials: 1, wallMs: failed.wallMs,
  }, 'totals add up what is known');
  await client.close();
});

t.test('a mission with no attempt lists none, and its cost is unknown rather than zero', async (t) => {
  const project = await createProject(api, (await createOrg(api, 'Empty')).id);
  const m = await createMission(api, project.id);
  const res = await attempts(m.id);
  t.equal(res.status, 200);
  t.same(res.body, {
    items: [],
    totals: { attempts: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: null, numTurns: 0, wallMs: 0, permissionDenials: 0 },
  });
});

t.test('at most the 200 newest attempts are listed; the totals count them all', async (t) => {
  const project = await createProject(api, (await createOrg(api, 'Many')).id);
  const m = await createMission(api, project.id);
  const repo = createDispatchRepository(app.db.db);
  const base = Date.parse('2026-10-01T00:00:00.000Z');
  for (let i = 1; i <= 205; i++) {
    const createdAt = new Date(base + i * 60_000);
    await repo.insertAttempt({
      missionId: m.id, projectId: project.id, status: 'failed', agentType: 'codex', attemptNumber: i, inputTokens: 10, costUsd: i === 1 ? 1.5 : null,
      startedAt: createdAt, finishedAt: new Date(createdAt.getTime() + 1500), createdAt, updatedAt: createdAt,
    });
  }
  const res = await attempts(m.id);
  t.equal(res.body.items.length, 200);
  t.same([res.body.items[0].attemptNumber, res.body.items[199].attemptNumber], [205, 6], 'the newest 200, newest first');
  t.equal(res.body.items[0].wallMs, 1500);
  t.match(res.body.totals, { attempts: 205, inputTokens: 2050, costUsd: 1.5, wallMs: 205 * 1500 }, 'the oldest ones, not listed, still count');
});

t.test('whoever can read the mission can read its attempts; nobody else learns it exists', async (t) => {
  const org = await createOrg(api, 'Readers');
  const project = await createProject(api, org.id);
  const m = await createMission(api, project.id);
  const viewer = await createUser(app, 'viewer@attempts.test');
  const stranger = await createUser(app, 'stranger@attempts.test');
  await api.post(`/api/v1/organizations/${org.id}/members`, { userId: viewer.id, role: 'viewer' });
  t.equal((await attempts(m.id, viewer.client)).status, 200, 'an organization viewer reads them');
  const hidden = await attempts(m.id, stranger.client);
  t.equal(hidden.status, (await stranger.client.get(`/api/v1/missions/${m.id}`)).status, 'the same answer as for the mission itself');
  t.equal(hidden.status, 404);
  t.equal((await attempts('01M00000000000000000000000')).status, 404, 'an unknown mission');
  t.equal((await attempts('not-an-id')).status, 400);
});

t.test("a page of missions' newest attempt and cost in one request (the board's card badges)", async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const ran = await p.mission();
  const first = await assignOf(client, ran.id);
  const f1 = attemptFrames(first);
  client.send(f1.accepted());
  client.send(f1.event('agent.usage', { inputTokens: 10, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.25, numTurns: 1 }));
  client.send(f1.finished('failed', { reason: 'tests failed' }));
  await ackOf(client, first.payload.attemptId, 2);
  const second = await assignOf(client, ran.id, first.payload.attemptId);
  const f2 = attemptFrames(second);
  const until = new Date(Date.now() + 3_600_000).toISOString();
  client.send(f2.accepted());
  client.send(f2.event('agent.usage', { inputTokens: 10, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.5, numTurns: 1 }));
  client.send(f2.event('agent.permission_denied', { tool: 'Write', path: '/etc/passwd' }));
  client.send(f2.event('agent.limited', { message: 'usage limit reached' }));
  client.send(f2.finished('limited' as any, { reason: 'usage limit reached', limitedUntil: until }));
  await ackOf(client, second.payload.attemptId, 4);
  await client.close();

  const fresh = await createMission(api, p.project.id, { title: 'not run yet' });
  const elsewhere = await createMission(api, (await createProject(api, (await createOrg(api, 'Elsewhere')).id)).id);
  const summaries = (ids: string[], client = api) => client.get(`/api/v1/projects/${p.project.id}/attempt-summaries?missionIds=${ids.join(',')}`);
  const res = await summaries([ran.id, fresh.id, elsewhere.id, ran.id]);
  t.equal(res.status, 200);
  const byId = new Map<string, any>(res.body.items.map((s: any) => [s.missionId, s]));
  t.same(byId.get(ran.id), { missionId: ran.id, latest: { status: 'limited', permissionDenials: 1, limitedUntil: until }, costUsd: 0.75 },
    'the newest attempt (limited, with its reset and its denial) and the cost over every attempt');
  t.same(byId.get(fresh.id), { missionId: fresh.id, latest: null, costUsd: null }, 'never run: nothing, and the cost is unknown, not zero');
  t.notOk(byId.has(elsewhere.id), "another project's mission is left out");
  t.equal(res.body.items.length, 2, 'an id asked twice is answered once');

  // The same answer as each mission's own attempts.
  const own = (await attempts(ran.id)).body;
  t.equal(own.totals.costUsd, byId.get(ran.id).costUsd);
  t.equal(own.items[0].status, byId.get(ran.id).latest.status);

  const many = await summaries(Array.from({ length: 101 }, (_, i) => `01J0000000000000000000${String(i).padStart(4, '0')}`));
  t.equal(many.status, 400, 'at most 100 missions a request');
  t.equal((await summaries(['not-an-id'])).status, 400);
  t.equal((await api.get(`/api/v1/projects/${p.project.id}/attempt-summaries`)).status, 400, 'missionIds is required');
  const stranger = await createUser(app, 'stranger@summaries.test');
  t.equal((await summaries([ran.id], stranger.client)).status, 404, 'an invisible project stays invisible');
});
