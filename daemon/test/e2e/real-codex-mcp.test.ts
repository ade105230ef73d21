// The agent tools over MCP (#14) with the real Codex CLI: real control plane, real daemon process,
// a bare git remote and the pinned `codex` binary whose scripted model (OpenAI Responses on
// loopback) calls the solo_unicorn tools as `namespace: mcp__solo_unicorn` function calls. Effects
// are checked through the API: the stage completed and moved, progress and docs stored, a
// follow-up created, review requested with its summary; refused input is a tool error.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createOrg, createProject, registerWorkstation, startTestApp } from '../helpers/control-plane.ts';
import { bareRemote, until } from '../helpers/e2e.ts';
import { codexApiKeyEnv, latestRun, message, type OutputItem, type RecordedRequest, reply, startOpenAiServer, type Turn, writeCodexHome } from '../helpers/model-server/openai.ts';
import { isMsg, repoRoot, startDaemon, tempDir } from '../helpers/processes.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'the real Codex CLI calling the mission tools');

const call = (name: string, args: Record<string, unknown>): OutputItem => ({ type: 'function_call', namespace: 'mcp__solo_unicorn', name, arguments: args });

/** plan: its mission, progress, a wrong stage, a smuggled key, then the right stage. execute: docs, a follow-up, review. */
function script(req: RecordedRequest): Turn {
  const { prompt, toolOutputs } = latestRun(req, '# Mission:');
  const missionId = /Mission id: (\S+)/.exec(prompt)?.[1] ?? 'unknown';
  const stage = /## Current stage: (\S+)/.exec(prompt)?.[1] ?? 'unknown';
  // "Codex asks": a question first; resumed with the answer, it works with it.
  if (prompt.includes('Codex asks')) {
    if (/ANSWER-7/.test(prompt)) return reply(message('Using the answer.'));
    return [reply(call('mission_ask', { question: 'Tabs or spaces?', options: ['tabs', 'spaces'] })), reply(message('Waiting for the answer.'))][toolOutputs] ?? reply(message('(script finished)'));
  }
  const turns: Turn[] = stage === 'plan'
    ? [
        reply(call('mission_get', {})),
        reply(call('mission_progress', { line: 'planning the change' })),
        reply(call('mission_set_stage', { stage: 'deploy' })),
        reply(call('mission_progress', { line: 'sneaky', missionId: '01J00000000000000000000000' })),
        reply(call('mission_set_stage', { stage: 'execute' })),
        reply(message('Plan stage complete.')),
      ]
    : [
        reply(call('mission_update_docs', { path: 'tasks/1.md', content: `# Task 1 of ${missionId}\n\n- [x] done through MCP\n` })),
        reply(call('mission_create', { title: 'Codex follow-up' })),
        reply(call('mission_request_review', { summary: 'Codex finished; please review.' })),
        reply(message('Review requested.')),
      ];
  return turns[toolOutputs] ?? reply(message('(script finished)'));
}

const model = await startOpenAiServer(t, script);
const codexHome = writeCodexHome(tempDir('su-codex-home-'), model.baseUrl);
const app = await startTestApp(t);
const api = app.admin;
const remote = bareRemote('codex-mcp', 'Codex MCP');
const org = await createOrg(api);
const project = await createProject(api, org.id, { defaultAgent: 'codex' });
const P = `/api/v1/projects/${project.id}`;
const repo = (await api.post(`${P}/repositories`, { url: `file://${remote}` })).body;

const { home, configPath, config } = await registerWorkstation(app.baseUrl, org.id, 'codex-mcp', { projectId: project.id });
config.agents = { codex: { command: [join(repoRoot, 'node_modules/.bin/codex'), 'exec', '--json'], env: { CODEX_HOME: codexHome, [codexApiKeyEnv]: 'sk-test-dummy' } } };
writeFileSync(configPath, JSON.stringify(config, null, 2), { mode: 0o600 });
const daemon = startDaemon(t, home, { SU_AGENT_COMMAND: undefined, LOG_LEVEL: 'info' });
await daemon.waitForLine(isMsg('session open'));

const mission = (id: string) => api.get(`/api/v1/missions/${id}`).then((r) => r.body);
const events = async (id: string) => (await api.get(`/api/v1/missions/${id}/events?limit=500`)).body.items as { kind: string; data: any }[];

t.test('Codex completes a stage, writes a doc, proposes a follow-up and asks for review through the tools', async (t) => {
  const flow = (await api.post(`${P}/flows`, { name: 'plan then execute', stages: ['plan', 'execute'] })).body;
  const m = (await api.post(`${P}/missions`, { title: 'Codex uses the tools', ready: true, repositoryId: repo.id, prMode: 'disabled', flowId: flow.id })).body;
  const end = await until('Review', () => mission(m.id), (x) => x.list === 'review' || x.list === 'done' || (x.list === 'todo' && !x.ready), 90_000);
  const timeline = await events(m.id);
  if (end.list !== 'review') t.comment(JSON.stringify(timeline.filter((e) => /failed|finished|stderr|warning/.test(e.kind)).slice(-6)));
  t.equal(end.list, 'review', 'the mission waits in Review');
  t.equal(end.stage, 'execute', 'the stage moved to execute');
  t.match(timeline.find((e) => e.kind === 'agent.stage_completed'), { data: { stage: 'plan', next: 'execute' } }, 'mission_set_stage is on the timeline');
  t.match(timeline.find((e) => e.kind === 'mission.moved' && e.data.to === 'review'), { data: { reason: 'the agent asked for review', summary: 'Codex finished; please review.' } });
  t.match(timeline.filter((e) => e.kind === 'agent.progress').map((e) => e.data.line), ['planning the change'], 'progress recorded; the refused call left nothing');
  const docs = (await api.get(`/api/v1/missions/${m.id}/docs`)).body.items;
  t.match(docs, [{ path: 'tasks/1.md', content: /done through MCP/ }], 'the doc is stored with the mission');
  const followup = timeline.find((e) => e.kind === 'mission.followup_proposed');
  t.match(await mission(followup?.data.childMissionId), { title: 'Codex follow-up', list: 'todo', ready: false }, 'the follow-up exists, not ready');

  const calls = timeline.filter((e) => e.kind === 'mcp.tool_call').map((e) => `${e.data.tool}:${e.data.ok ? 'ok' : e.data.code}`);
  t.same(calls, ['mission_get:ok', 'mission_progress:ok', 'mission_set_stage:SU_ERR_STAGE_INVALID', 'mission_progress:SU_ERR_VALIDATION', 'mission_set_stage:ok', 'mission_update_docs:ok', 'mission_create:ok', 'mission_request_review:ok'], 'each call is a mission event, the smuggled key too (refused by the schema before the tool ran)');
  const outputs = model.requests.flatMap((r) => r.toolOutputs.map((o) => o.output)).join('\n');
  // Codex hands the tool's text back as a list of input_text parts: the mission is the JSON one.
  const parts = model.requests.flatMap((r) => r.toolOutputs.map((o) => o.output)).flatMap((o) => {
    try {
      return (JSON.parse(o) as { text?: string }[]).map((p) => p.text ?? '');
    } catch {
      return [o];
    }
  });
  const got = parts.filter((p) => p.trim().startsWith('{')).map((p) => JSON.parse(p)).find((x) => x.flow);
  t.match(got, { id: m.id, title: 'Codex uses the tools', stage: 'plan', flow: { stages: ['plan', 'execute'] } }, 'mission_get gave Codex its mission, in the plan stage');
  t.match(outputs, /SU_ERR_STAGE_INVALID/, 'the model saw the wrong stage refused');
  t.match(outputs, /missionId/, 'and the smuggled missionId refused');
  t.ok(model.requests.some((r) => r.tools.includes('mcp__solo_unicorn')), 'Codex offered the tools as the mcp__solo_unicorn namespace');
});

t.test('mission_ask with Codex: the mission waits with the question; the answer reaches the resumed thread', async (t) => {
  const flow = (await api.post(`${P}/flows`, { name: 'execute only', stages: ['execute'] })).body;
  const m = (await api.post(`${P}/missions`, { title: 'Codex asks', ready: true, repositoryId: repo.id, prMode: 'disabled', flowId: flow.id })).body;
  const asked = await until('Review', () => mission(m.id), (x) => x.list === 'review' || x.list === 'done' || (x.list === 'todo' && !x.ready), 90_000);
  t.equal(asked.list, 'review', 'the mission waits in Review');
  t.match((await api.get(`/api/v1/missions/${m.id}/question`)).body.question, { text: 'Tabs or spaces?' }, 'the question is open');
  t.equal((await api.post(`/api/v1/missions/${m.id}/answer`, { text: 'Spaces, ANSWER-7' })).status, 200);
  const done = await until('Done', () => mission(m.id), (x) => x.list === 'done' || (x.list === 'todo' && !x.ready), 90_000);
  t.equal(done.list, 'done', 'the next attempt ran with the answer and finished');
  const timeline = await events(m.id);
  t.match(timeline.filter((e) => e.kind === 'agent.session_resumed'), [{ data: { agentSessionId: String } }], "Codex's thread was resumed (exec resume)");
  const resumed = model.requests.filter((r) => JSON.stringify(r.body?.input ?? '').includes('ANSWER-7')).at(-1);
  t.match(JSON.stringify(resumed?.body?.input), /Tabs or spaces\?[\s\S]*ANSWER-7/, 'the model saw its question, then the answer, in one thread');
});

t.test('the daemon stops cleanly', async (t) => {
  t.equal((await daemon.kill('SIGTERM')).code, 0);
});
