// The agent tools over MCP (#14) with the real Claude Code CLI: a real control plane, a real daemon
// process, a bare git remote, and the pinned `claude` binary whose scripted model calls
// mcp__solo_unicorn__* tools. Every effect is checked through the API; bad input (a smuggled
// missionId, an oversize line, a wrong stage, an unknown tool, a fifth follow-up) comes back to the
// model as a tool error, and the run goes on.
import { writeFileSync } from 'node:fs';
import t from 'tap';
import { missionDocsDir } from '../../src/agents/prompt.ts';
import { claudeBin, claudeEnv } from '../helpers/claude.ts';
import { createOrg, createProject, registerWorkstation, startTestApp } from '../helpers/control-plane.ts';
import { bareRemote, gitIn, until } from '../helpers/e2e.ts';
import { type RecordedRequest, resultText, startAnthropicModelServer, text, toolResults, toolUse, type Turn } from '../helpers/model-server/anthropic.ts';
import { isMsg, startDaemon } from '../helpers/processes.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'the real Claude Code CLI calling the mission tools');

const app = await startTestApp(t);
const api = app.admin;
const remote = bareRemote('mcp', 'MCP');
const script: { turns: Turn[] } = { turns: [] };
const model = await startAnthropicModelServer(script);
t.teardown(() => model.close());

const org = await createOrg(api);
const project = await createProject(api, org.id, { defaultAgent: 'claude-code' });
const P = `/api/v1/projects/${project.id}`;
const repo = (await api.post(`${P}/repositories`, { url: `file://${remote}` })).body;
const flow = async (stages: string[]) => (await api.post(`${P}/flows`, { name: `mcp ${stages.join(' ')} ${Math.random()}`, stages })).body;

const { home, configPath, config } = await registerWorkstation(app.baseUrl, org.id, 'mcp-claude', { projectId: project.id });
writeFileSync(configPath, JSON.stringify({ ...config, agents: { 'claude-code': { command: [claudeBin], env: claudeEnv(model.url) } } }), { mode: 0o600 });
const daemon = startDaemon(t, home, { SU_AGENT_COMMAND: undefined, SU_AGENT_STALL_TIMEOUT_MS: '60000', SU_AGENT_KILL_GRACE_MS: '1000', LOG_LEVEL: 'info' });
await daemon.waitForLine(isMsg('session open'));

const mission = (id: string) => api.get(`/api/v1/missions/${id}`).then((r) => r.body);
const events = async (id: string) => (await api.get(`/api/v1/missions/${id}/events?limit=500`)).body.items as { kind: string; data: any }[];
const tool = (name: string) => `mcp__solo_unicorn__${name}`;
const missionIdOf = (r: RecordedRequest) => String(JSON.stringify(r.body.messages).match(/Mission id: (\w+)/)?.[1]);
/**
 * The tool results the model got back in the first request for turn `n` (the CLI may add a
 * reminder message after them, so the last message holding tool_result blocks is read).
 */
function resultsAfter(n: number, conversation = model.conversation()) {
  const request = conversation.find((r) => r.served === 'turn' && r.turn === n)!;
  const messages: any[] = request.body.messages;
  const holder = [...messages].reverse().find((m) => Array.isArray(m.content) && m.content.some((b: any) => b?.type === 'tool_result'));
  return toolResults({ ...request, body: { messages: [holder] } }).map((r) => ({ error: r.is_error === true, text: resultText(r.content) }));
}

t.test('the model reads its mission, reports progress, writes docs, proposes follow-ups (capped) and asks for review', async (t) => {
  script.turns = [
    { blocks: [toolUse(tool('mission_get'), {})] },
    { blocks: [toolUse(tool('mission_progress'), { line: 'running tests, 3 failing' })] },
    { blocks: ({ request }) => [toolUse(tool('mission_update_docs'), { path: 'solution.md', content: `# Solution for ${missionIdOf(request)}\n\nWritten through MCP.\n` })] },
    { blocks: [toolUse(tool('mission_progress'), { line: 'x'.repeat(300) })] },
    { blocks: [toolUse(tool('mission_progress'), { line: 'smuggled', missionId: '01J00000000000000000000000' })] },
    { blocks: [toolUse(tool('mission_set_stage'), { stage: 'deploy' })] },
    { blocks: [toolUse(tool('nope'), {})] },
    ...[1, 2, 3, 4].map((n): Turn => ({ blocks: [toolUse(tool('mission_create'), { title: `Follow-up ${n}`, description: `found while working (${n})` })] })),
    { blocks: [toolUse(tool('mission_request_review'), { summary: 'Tests pass; please look at the new module.' })] },
    { blocks: [text('Review requested.')] },
  ];
  const m = (await api.post(`${P}/missions`, { title: 'Use the tools', description: 'Read, report, and hand over.', clarification: 'Done when reviewed.', ready: true, repositoryId: repo.id, prMode: 'disabled', flowId: (await flow(['execute'])).id })).body;
  const end = await until('Review', () => mission(m.id), (x) => x.list === 'review' || x.list === 'done' || (x.list === 'todo' && !x.ready), 90_000);
  const timeline = await events(m.id);
  t.equal(end.list, 'review', 'mission_request_review sent the mission to Review (direct mode would otherwise be Done)');
  t.match(timeline.find((e) => e.kind === 'mission.moved' && e.data.to === 'review'), { data: { reason: 'the agent asked for review', summary: 'Tests pass; please look at the new module.' } }, 'with the summary on the timeline');

  const first = model.conversation().find((r) => r.served === 'turn' && r.turn === 0)!;
  for (const name of ['mission_get', 'mission_update_docs', 'mission_progress', 'mission_set_stage', 'mission_request_review', 'mission_ask', 'mission_create']) {
    t.ok(first.tools.includes(tool(name)), `${name} was offered with its schema (alwaysLoad)`);
  }
  const got = JSON.parse(resultsAfter(1)[0]!.text);
  t.match(got, { id: m.id, title: 'Use the tools', description: 'Read, report, and hand over.', clarification: 'Done when reviewed.', stage: 'execute', flow: { stages: ['execute'] }, dependencies: [] }, 'mission_get returned the mission');

  t.match(timeline.filter((e) => e.kind === 'agent.progress').map((e) => e.data), [{ line: 'running tests, 3 failing', stage: 'execute' }], 'the valid progress line is on the timeline, the refused ones are not');
  const docs = (await api.get(`/api/v1/missions/${m.id}/docs`)).body.items;
  t.match(docs, [{ path: 'solution.md', content: /Written through MCP/ }], 'mission_update_docs stored the doc like a hand edit');
  t.match(gitIn(remote, 'show', `${end.prBranchName}:${missionDocsDir(m.id)}/solution.md`), /Written through MCP/, 'and it is on the pushed branch');
  t.throws(() => gitIn(remote, 'show', `main:${missionDocsDir(m.id)}/solution.md`), 'not merged: a person reviews first');

  t.match(resultsAfter(4), [{ error: true, text: /Input validation error|too_big|Too big/i }], 'an oversize line is a tool error');
  t.match(resultsAfter(5), [{ error: true, text: /missionId/ }], 'a smuggled missionId is a tool error');
  t.match(resultsAfter(6), [{ error: true, text: /SU_ERR_STAGE_INVALID/ }], 'a stage that is not the next one is a tool error');
  t.match(resultsAfter(7), [{ error: true, text: /No such tool available/ }], 'an unknown tool never reaches the daemon');
  t.match(resultsAfter(11), [{ error: true, text: /SU_ERR_MISSION_CREATE_CAP/ }], 'the fourth follow-up is refused');

  const proposed = timeline.filter((e) => e.kind === 'mission.followup_proposed');
  t.equal(proposed.length, 3, 'three follow-ups proposed');
  for (const p of proposed) {
    const child = await mission(p.data.childMissionId);
    t.match(child, { list: 'todo', ready: false, projectId: project.id }, `${child.title}: in Todo, not ready`);
    t.match((await events(child.id)).find((e) => e.kind === 'mission.created'), { data: { origin: 'agent', parentMissionId: m.id } }, 'origin agent, linked to its parent');
  }
  const calls = timeline.filter((e) => e.kind === 'mcp.tool_call').map((e) => `${e.data.tool}:${e.data.ok ? 'ok' : e.data.code}`);
  t.same(calls.filter((c) => c.startsWith('mission_create')), ['mission_create:ok', 'mission_create:ok', 'mission_create:ok', 'mission_create:SU_ERR_MISSION_CREATE_CAP'], 'each call is a mission event');
  t.ok(timeline.some((e) => e.kind === 'agent.tool_call' && e.data.name === tool('mission_progress')), 'the CLI’s own tool call events name the tool');
  t.notOk(JSON.stringify(timeline).match(/Bearer [A-Za-z0-9_-]{43}/), 'no token on the timeline');
});

t.test('mission_ask: the mission waits in Review with the question; the answer reaches the resumed session', async (t) => {
  script.turns = [
    { blocks: [toolUse(tool('mission_ask'), { question: 'Which colour should the button be?', options: ['blue', 'green'] })] },
    { blocks: [text('Waiting for the answer.')] },
    { blocks: [text('Using the colour from the answer.')] },
  ];
  const m = (await api.post(`${P}/missions`, { title: 'Ask first', ready: true, repositoryId: repo.id, prMode: 'disabled', flowId: (await flow(['execute'])).id })).body;
  const asked = await until('Review', () => mission(m.id), (x) => x.list === 'review' || x.list === 'done' || (x.list === 'todo' && !x.ready), 90_000);
  t.equal(asked.list, 'review', 'the mission waits in Review');
  const q = (await api.get(`/api/v1/missions/${m.id}/question`)).body.question;
  t.match(q, { text: 'Which colour should the button be?', id: String, askedAt: String }, 'the question is open');
  t.match((await events(m.id)).find((e) => e.kind === 'mission.question_asked'), { data: { question: 'Which colour should the button be?', options: ['blue', 'green'] } });

  const none = await api.post(`/api/v1/missions/${m.id}/answer`, { text: '' });
  t.equal(none.status, 400, 'an empty answer is refused');
  const answered = await api.post(`/api/v1/missions/${m.id}/answer`, { text: 'Blue, ANSWER-42' });
  t.equal(answered.status, 200);
  const again = await api.post(`/api/v1/missions/${m.id}/answer`, { text: 'twice' });
  t.equal(again.status, 409, 'no open question any more');
  t.equal(again.body.error?.code ?? again.body.code, 'SU_ERR_CONFLICT');

  const done = await until('Done', () => mission(m.id), (x) => x.list === 'done' || (x.list === 'todo' && !x.ready), 90_000);
  t.equal(done.list, 'done', 'the next attempt ran with the answer and finished');
  const timeline = await events(m.id);
  t.match(timeline.filter((e) => e.kind === 'agent.session_resumed'), [{ data: { agentSessionId: String } }], 'the agent session was resumed');
  const resumed = model.conversation().filter((r) => r.served === 'turn' && r.turn === 2).at(-1)!;
  const history = JSON.stringify(resumed.body.messages);
  t.match(history, /Which colour should the button be\?[\s\S]*ANSWER-42/, 'the model saw its question and then the answer in one conversation');
  t.equal((await api.get(`/api/v1/missions/${m.id}/question`)).body.question, null, 'no open question');
});

t.test('mission_set_stage: the agent finishes plan, the mission shows execute, and the next run works on it', async (t) => {
  script.turns = [
    { blocks: [toolUse(tool('mission_set_stage'), { stage: 'execute' })] },
    { blocks: [text('The plan is done.')] },
    { blocks: [text('Executed the plan.')] },
  ];
  const m = (await api.post(`${P}/missions`, { title: 'Two stages', ready: true, repositoryId: repo.id, prMode: 'disabled', flowId: (await flow(['plan', 'execute'])).id })).body;
  const end = await until('Done', () => mission(m.id), (x) => x.list === 'done' || (x.list === 'todo' && !x.ready), 90_000);
  t.equal(end.list, 'done', 'both stages ran and the work merged');
  t.equal(end.stage, 'execute');
  const ours = model.conversation().filter((r) => missionIdOf(r) === m.id);
  t.match(resultsAfter(1, ours), [{ error: false, text: /Stage plan is complete; execute comes next/ }], 'the tool answered the model');
  const timeline = await events(m.id);
  const completed = timeline.findIndex((e) => e.kind === 'agent.stage_completed');
  t.match(timeline[completed], { data: { stage: 'plan', next: 'execute' } }, 'on the timeline');
  const executeStarts = timeline.findIndex((e) => e.kind === 'stage.changed' && e.data.stage === 'execute');
  t.ok(completed >= 0 && completed < executeStarts, 'said during plan, before the runner started execute');
  const executeRun = ours.find((r) => r.served === 'turn' && r.turn === 2)!;
  t.match(JSON.stringify(executeRun.body.messages), /execute/i, 'the second run was given the execute stage');
});

t.test('the daemon stops cleanly', async (t) => {
  t.equal((await daemon.kill('SIGTERM')).code, 0);
});
