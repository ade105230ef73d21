import t from 'tap';
import { attemptFrames, servedProject } from '../dispatch/fixtures.ts';
import { startTestApp } from '../helpers/app.ts';
import { manualClock } from '../helpers/clock.ts';
import { createUser } from '../helpers/fixtures.ts';

const clock = manualClock('2026-11-20T23:30:00.000Z');
const app = await startTestApp(t, { clock, dispatch: { offlineGraceMs: 600_000, tickMs: 600_000, maxAttempts: 2 } });
const api = app.admin;
const DAY = 86_400_000;

/** Runs the mission's next assignment to its end, reporting this usage first. */
async function run(client: any, missionId: string, usage: Record<string, number>, status: 'succeeded' | 'limited' = 'succeeded') {
  const assign = await client.waitFor((f: any) => f.type === 'mission.assign' && f.payload.mission.id === missionId && !client.frames.some((x: any) => x.type === 'event.ack' && x.payload.acks.some((a: any) => a.attemptId === f.payload.attemptId)));
  const f = attemptFrames(assign);
  client.send(f.accepted());
  client.send(f.event('agent.usage', { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, ...usage }));
  client.send(f.finished(status as 'succeeded', { branch: assign.payload.mission.branch }));
  await client.waitFor((x: any) => x.type === 'event.ack' && x.payload.acks.some((a: any) => a.attemptId === assign.payload.attemptId && a.seq >= 2), 'ack of the finish');
  return assign;
}

const p = await servedProject(app);
const client = await p.connect();
t.teardown(() => client.close());
const zero = { attempts: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0, turns: 0, wallMs: 0 };

t.test("usage per UTC day over the window, zero where nothing ran, today's figures live, this month against no budget", async (t) => {
  const first = (await p.mission()).id;
  await run(client, first, { inputTokens: 1200, outputTokens: 300, cacheReadTokens: 5000, cacheWriteTokens: 700, costUsd: 0.25, numTurns: 7 });
  const firstWall = (await api.get(`/api/v1/missions/${first}/attempts`)).body.items[0].wallMs as number;
  clock.advance(2 * DAY);
  const today = (await p.mission()).id;
  await run(client, today, { inputTokens: 10, outputTokens: 2 }); // an agent that reports no cost (Codex)
  const res = await api.get(`/api/v1/projects/${p.project.id}/usage?days=4`);
  t.equal(res.status, 200);
  t.same(res.body, {
    days: [
      { day: '2026-11-19', ...zero },
      { day: '2026-11-20', attempts: 1, inputTokens: 1200, outputTokens: 300, cacheReadTokens: 5000, cacheWriteTokens: 700, costUsd: 0.25, turns: 7, wallMs: firstWall },
      { day: '2026-11-21', ...zero },
      { day: '2026-11-22', ...zero, attempts: 1, inputTokens: 10, outputTokens: 2, wallMs: (await api.get(`/api/v1/missions/${today}/attempts`)).body.items[0].wallMs },
    ],
    month: { month: '2026-11', spentUsd: 0.25, budgetUsd: null, budgetReached: false },
  });
  t.equal((await api.get(`/api/v1/projects/${p.project.id}/usage`)).body.days.length, 30, '30 days by default');

  // Live: a usage frame of a running attempt shows at once, no view refresh needed.
  const m = await p.mission();
  const assign = await client.waitFor((f: any) => f.type === 'mission.assign' && f.payload.mission.id === m.id);
  const f = attemptFrames(assign);
  client.send(f.accepted());
  client.send(f.event('agent.usage', { inputTokens: 5, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.01 }));
  await client.waitFor((x: any) => x.type === 'event.ack' && x.payload.acks.some((a: any) => a.attemptId === assign.payload.attemptId && a.seq >= 1));
  const live = (await api.get(`/api/v1/projects/${p.project.id}/usage?days=1`)).body;
  t.match(live.days, [{ day: '2026-11-22', attempts: 2, inputTokens: 15, outputTokens: 3, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.01 }]);
  t.equal(live.days[0].wallMs, res.body.days[3].wallMs, 'a run still going adds no wall time yet');
  t.equal(live.month.spentUsd, 0.26);
  client.send(f.finished('succeeded', { branch: assign.payload.mission.branch }));
});

t.test('bad windows are 400s with a stable code; a project outside your reach is a 404', async (t) => {
  for (const q of ['days=0', 'days=367', 'days=abc', 'days=1.5', 'other=1']) {
    const res = await api.get(`/api/v1/projects/${p.project.id}/usage?${q}`);
    t.equal(res.status, 400, q);
    t.match(res.body.error.code, /^SU_ERR_/, q);
  }
  const stranger = await createUser(app, `stranger-${Date.now()}@example.com`);
  t.equal((await stranger.client.get(`/api/v1/projects/${p.project.id}/usage`)).status, 404);
});

t.test('/metrics has the agents: tokens by kind, reported cost, attempts by status, limited agents per workstation', async (t) => {
  await run(client, (await p.mission()).id, { inputTokens: 1 }, 'limited');
  const text = await (await fetch(`${app.baseUrl}/metrics`)).text();
  const value = (series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  const pid = `project_id="${p.project.id}"`;
  t.equal(value(`su_agent_tokens_total{${pid},kind="input"}`), 1216);
  t.equal(value(`su_agent_tokens_total{${pid},kind="output"}`), 303);
  t.equal(value(`su_agent_tokens_total{${pid},kind="cache_read"}`), 5000);
  t.equal(value(`su_agent_tokens_total{${pid},kind="cache_write"}`), 700);
  t.equal(value(`su_agent_cost_usd_total{${pid}}`), 0.26);
  t.equal(value(`su_agent_attempts_total{${pid},status="succeeded"}`), 3);
  t.equal(value(`su_agent_attempts_total{${pid},status="limited"}`), 1);
  t.equal(value(`su_agent_limited{workstation_id="${p.workstationId}",agent_type="custom"}`), 1);
  t.match(text, /# TYPE su_agent_tokens_total counter/);

  clock.advance(DAY);
  const after = await (await fetch(`${app.baseUrl}/metrics`)).text();
  t.notMatch(after, /su_agent_limited\{/, 'the series goes once the limit has reset');
});
