import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { manualClock } from '../helpers/clock.ts';
import { queryRows } from '../helpers/sql.ts';
import { attemptFrames, servedProject } from './fixtures.ts';

const clock = manualClock(new Date());
const app = await startTestApp(t, { clock, dispatch: { offlineGraceMs: 60_000, tickMs: 60_000, maxAttempts: 2 } });
const api = app.admin;
const mission = async (id: string) => (await api.get(`/api/v1/missions/${id}`)).body;
const events = async (id: string) => (await api.get(`/api/v1/missions/${id}/events?limit=500`)).body.items as { kind: string; data: any }[];
const assignOf = (client: any, missionId: string) => client.waitFor((f: any) => f.type === 'mission.assign' && f.payload.mission.id === missionId, `assign of ${missionId}`);
const ackOf = (client: any, attemptId: string, seq: number) =>
  client.waitFor((x: any) => x.type === 'event.ack' && x.payload.acks.some((a: any) => a.attemptId === attemptId && a.seq >= seq), `ack of seq ${seq}`);
async function attemptRow(attemptId: string) {
  const [row] = await queryRows<Record<string, any>>(app.db, `SELECT input_tokens::int AS input, output_tokens::int AS output, cache_read_tokens::int AS cache_read,
    cache_write_tokens::int AS cache_write, cost_usd::float8 AS cost, num_turns AS turns, api_ms, permission_denials AS denials, agent_session_id
    FROM code_agent_sessions WHERE id = '${attemptId}'`);
  return row!;
}

t.test("the agent's usage deltas add up on the attempt, and a resent frame never counts twice", async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission();
  const assign = await assignOf(client, m.id);
  const attemptId = assign.payload.attemptId;
  const f = attemptFrames(assign);
  client.send(f.accepted());
  const batch = [
    f.event('agent.session', { agentSessionId: 'sess-1234', agent: 'claude-code' }),
    f.event('agent.usage', { inputTokens: 100, outputTokens: 20, cacheReadTokens: 1000, cacheWriteTokens: 50, numTurns: 1, apiMs: 1200 }),
    f.event('agent.usage', { inputTokens: 40, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.0125, numTurns: 2, apiMs: 800 }),
    f.event('agent.permission_denied', { tool: 'Write', path: 'src/a.ts' }),
  ];
  for (const frame of batch) client.send(frame);
  await ackOf(client, attemptId, 4);
  const expected = { input: 140, output: 25, cache_read: 1000, cache_write: 50, cost: 0.0125, turns: 3, api_ms: 2000, denials: 1, agent_session_id: 'sess-1234' };
  t.same(await attemptRow(attemptId), expected);

  // A daemon that lost the acks resends the same frames (same seqs): stored once, counted once.
  for (const frame of batch) client.send(frame);
  const fresh = f.event('agent.usage', { inputTokens: 1, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 });
  client.send(fresh);
  await ackOf(client, attemptId, 5);
  t.same(await attemptRow(attemptId), { ...expected, input: 141 }, 'only the new frame added');
  t.equal((await events(m.id)).filter((e) => e.kind === 'agent.usage').length, 3);
  await client.close();
});

t.test('usage the agent cannot honestly report is ignored: negative, non-finite, huge, wrong types; cost stays unknown until one arrives', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission();
  const assign = await assignOf(client, m.id);
  const attemptId = assign.payload.attemptId;
  const f = attemptFrames(assign);
  client.send(f.accepted());
  client.send(f.event('agent.usage', { inputTokens: -5, outputTokens: 1e300, cacheReadTokens: '9000', cacheWriteTokens: null, numTurns: -1, apiMs: 1e12, costUsd: -3 }));
  client.send(f.event('agent.usage', { inputTokens: 7.9, outputTokens: 3, cacheReadTokens: 0, cacheWriteTokens: 0 }));
  client.send(f.event('agent.session', { agentSessionId: 42 }));
  client.send(f.event('agent.session', { agentSessionId: 'x'.repeat(5000) }));
  await ackOf(client, attemptId, 4);
  const row = await attemptRow(attemptId);
  t.match(row, { input: 7, output: 3, cache_read: 0, cache_write: 0, cost: null, turns: null, api_ms: null, denials: 0 });
  t.equal(row.agent_session_id, 'x'.repeat(128), 'a session id is clipped to its column');
  t.match(await mission(m.id), { list: 'doing' }, 'the mission runs on');

  client.send(f.event('agent.usage', { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 }));
  await ackOf(client, attemptId, 5);
  t.equal((await attemptRow(attemptId)).cost, 0, 'a reported zero cost is known, not null');
  await client.close();
});

t.test('a success with refused tool calls goes to Review (pending) with mission.review_suggested, not to Done', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission();
  const assign = await assignOf(client, m.id);
  const f = attemptFrames(assign);
  client.send(f.accepted());
  client.send(f.event('agent.permission_denied', { tool: 'Bash', command: 'rm -rf /' }));
  client.send(f.event('agent.permission_denied', { tool: 'Write', path: '/etc/hosts' }));
  // The finish lands in the same batch as the denials: they count all the same.
  client.send(f.finished('succeeded', { branch: assign.payload.mission.branch }));
  await ackOf(client, assign.payload.attemptId, 3);
  t.match(await mission(m.id), { list: 'review', reviewStatus: 'pending', agentSessionStatus: 'inactive' });
  t.match((await events(m.id)).at(-1), { kind: 'mission.review_suggested', data: { attemptId: assign.payload.attemptId, permissionDenials: 2 } });

  // Without denials the same success is Done, with no suggestion.
  const clean = await p.mission();
  const a2 = await assignOf(client, clean.id);
  const f2 = attemptFrames(a2);
  client.send(f2.accepted());
  client.send(f2.finished('succeeded', { branch: a2.payload.mission.branch }));
  await ackOf(client, a2.payload.attemptId, 1);
  t.match(await mission(clean.id), { list: 'done' });
  t.notOk((await events(clean.id)).some((e) => e.kind === 'mission.review_suggested'));
  await client.close();
});

t.test('a failed attempt with denials is retried as before (no review suggestion)', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission();
  const assign = await assignOf(client, m.id);
  const f = attemptFrames(assign);
  client.send(f.accepted());
  client.send(f.event('agent.permission_denied', { tool: 'Edit', path: 'a.ts' }));
  client.send(f.finished('failed', { reason: 'agent exited with code 1' }));
  await ackOf(client, assign.payload.attemptId, 2);
  const second = await client.waitFor((x: any) => x.type === 'mission.assign' && x.payload.mission.id === m.id && x.payload.attemptId !== assign.payload.attemptId);
  t.ok(second, 'retried');
  t.notOk((await events(m.id)).some((e) => e.kind === 'mission.review_suggested'));
  await client.close();
});

t.test('in pull-request mode (Review already) a success with refused tool calls adds mission.review_suggested', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission({ prMode: 'enabled' });
  const assign = await assignOf(client, m.id);
  const f = attemptFrames(assign);
  client.send(f.accepted());
  client.send(f.event('agent.permission_denied', { tool: 'WebFetch' }));
  client.send(f.finished('succeeded', { branch: assign.payload.mission.branch, headCommit: 'b'.repeat(40) }));
  await ackOf(client, assign.payload.attemptId, 2);
  t.match(await mission(m.id), { list: 'review', reviewStatus: 'pending' });
  t.match((await events(m.id)).find((e) => e.kind === 'mission.review_suggested'), { data: { attemptId: assign.payload.attemptId, permissionDenials: 1 } });
  await client.close();
});
