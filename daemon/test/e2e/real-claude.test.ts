// The real Claude Code CLI end to end: a real control plane, a real daemon process, a bare git
// remote, and the pinned `claude` binary talking to a scripted Anthropic model server on loopback.
// The daemon's config.json points its `claude-code` agent at node_modules/.bin/claude with the
// env that keeps it offline and out of the user's home.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { missionDocsDir } from '../../src/agents/prompt.ts';
import { claudeBin, claudeEnv } from '../helpers/claude.ts';
import { createOrg, createProject, registerWorkstation, startTestApp } from '../helpers/control-plane.ts';
import { bareRemote, gitIn, until } from '../helpers/e2e.ts';
import { resultText, startAnthropicModelServer, text, toolResults, toolUse, type Turn } from '../helpers/model-server/anthropic.ts';
import { isMsg, startDaemon } from '../helpers/processes.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'the real agent CLIs and their parsers');

const app = await startTestApp(t);
const api = app.admin;
const remote = bareRemote('real', 'Real');
// One model server for the file; each test sets the script its missions follow.
const script: { turns: Turn[] } = { turns: [] };
const model = await startAnthropicModelServer(script);
t.teardown(() => model.close());

const org = await createOrg(api);
const project = await createProject(api, org.id, { defaultAgent: 'claude-code' });
const P = `/api/v1/projects/${project.id}`;
const repo = (await api.post(`${P}/repositories`, { url: `file://${remote}` })).body;
const flow = async (stages: string[]) => (await api.post(`${P}/flows`, { name: `only ${stages.join(' ')} ${Math.random()}`, stages })).body;

const { home, configPath, config } = await registerWorkstation(app.baseUrl, org.id, 'real-claude', { projectId: project.id });
writeFileSync(configPath, JSON.stringify({ ...config, agents: { 'claude-code': { command: [claudeBin], env: claudeEnv(model.url) } } }), { mode: 0o600 });
const daemon = startDaemon(t, home, { SU_AGENT_COMMAND: undefined, SU_AGENT_STALL_TIMEOUT_MS: '60000', SU_AGENT_KILL_GRACE_MS: '1000', LOG_LEVEL: 'info' });
await daemon.waitForLine(isMsg('session open'));

const mission = (id: string) => api.get(`/api/v1/missions/${id}`).then((r) => r.body);
const events = async (id: string) => (await api.get(`/api/v1/missions/${id}/events?limit=500`)).body.items as { kind: string; data: any }[];

t.test('the real CLI writes a file and runs git status; the change lands on the mission branch and in main', async (t) => {
  script.turns = [
    { blocks: ({ cwd }) => [text('Adding the greeting.'), toolUse('Write', { file_path: join(cwd!, 'src/greeting.ts'), content: 'export const greeting = "hello";\n' })] },
    { blocks: [toolUse('Bash', { command: 'git status --short', description: 'See what changed' })] },
    { blocks: [text('The greeting is in src/greeting.ts.')] },
  ];
  const m = (await api.post(`${P}/missions`, { title: 'Add a greeting', ready: true, repositoryId: repo.id, prMode: 'disabled', flowId: (await flow(['execute'])).id })).body;
  const done = await until('Done', () => mission(m.id), (x) => x.list === 'done' || (x.list === 'todo' && !x.ready), 90_000);
  const timeline = await events(m.id);
  if (done.list !== 'done') t.comment(JSON.stringify(timeline.filter((e) => /failed|finished|stderr/.test(e.kind)).slice(-5)));
  t.equal(done.list, 'done', 'the mission is Done');
  const branch = done.prBranchName as string;
  t.equal(gitIn(remote, 'show', `${branch}:src/greeting.ts`), 'export const greeting = "hello";', 'the agent’s file is on the pushed mission branch');
  t.equal(gitIn(remote, 'show', 'main:src/greeting.ts'), 'export const greeting = "hello";', 'and merged into main');

  const calls = timeline.filter((e) => e.kind === 'agent.tool_call').map((e) => e.data.name);
  t.same(calls, ['Write', 'Bash'], 'the tool calls are on the timeline');
  t.match(timeline.find((e) => e.kind === 'agent.started'), { data: { agent: 'claude-code', policy: 'edits', stage: 'execute' } });
  t.same(timeline.filter((e) => e.kind === 'agent.permission_denied'), []);
  t.match(timeline.find((e) => e.kind === 'agent.result'), { data: { subtype: 'success', numTurns: Number } });
  const session = timeline.find((e) => e.kind === 'agent.session');
  t.match(session, { data: { agent: 'claude-code', agentSessionId: /^[0-9a-f-]{36}$/, stage: 'execute' } }, 'the CLI’s session id is on the timeline');
  t.match(timeline.find((e) => e.kind === 'agent.usage'), { data: { inputTokens: 30, outputTokens: 15, numTurns: 3, costUsd: Number } }, 'and what the run used: three turns of 10 in, 5 out');
  t.ok(timeline.some((e) => e.kind === 'agent.session_fresh' || e.kind === 'agent.session_resumed'), 'the timeline says whether the session was continued');

  const turns = model.conversation().filter((r) => r.served === 'turn');
  const worktree = timeline.find((e) => e.kind === 'worktree.acquired')!.data.path as string;
  t.equal(turns[0]!.cwd, worktree, 'the model was told the mission’s worktree is the working directory');
  t.match(JSON.stringify(turns[0]!.body.messages), /Add a greeting/, 'and got the mission prompt');
  t.ok(turns[0]!.tools.includes('Write') && turns[0]!.tools.includes('Bash'), 'Write and Bash were offered');
  const status = toolResults(turns[2]!).map((r) => resultText(r.content)).join('\n');
  t.match(status, /\?\? src\//, 'git status ran in the worktree and saw the new file');
});

t.test('a planning stage runs readonly: the code write is denied and on the timeline, the plan doc is written', async (t) => {
  script.turns = [
    { blocks: ({ cwd }) => [toolUse('Write', { file_path: join(cwd!, 'src/sneaky.ts'), content: 'export {};\n' })] },
    { blocks: ({ cwd, request }) => [toolUse('Write', {
      file_path: join(cwd!, missionDocsDir(String(JSON.stringify(request.body.messages).match(/Mission id: (\w+)/)?.[1])), 'solution.md'),
      content: '# Plan\n\nAdd the module in the execute stage.\n',
    })] },
    { blocks: [text('The plan is in solution.md.')] },
  ];
  const m = (await api.post(`${P}/missions`, { title: 'Plan only', ready: true, repositoryId: repo.id, prMode: 'disabled', flowId: (await flow(['plan'])).id })).body;
  const end = await until('the attempt ends', () => mission(m.id), (x) => x.list === 'done' || x.list === 'review' || (x.list === 'todo' && !x.ready), 90_000);
  const timeline = await events(m.id);
  t.match(timeline.find((e) => e.kind === 'agent.started'), { data: { policy: 'readonly', stage: 'plan' } });
  const denied = timeline.filter((e) => e.kind === 'agent.permission_denied');
  t.equal(denied.length, 1, 'one denial');
  t.match(denied[0], { data: { tool: 'Write', path: /\/src\/sneaky\.ts$/, stage: 'plan' } }, 'with the tool and the path it wanted');
  t.match(timeline.find((e) => e.kind === 'attempt.finished'), { data: { status: 'succeeded' } }, 'the agent finished; the denial is visible, not hidden');
  const branch = end.prBranchName as string;
  t.throws(() => gitIn(remote, 'show', `${branch}:src/sneaky.ts`), 'the denied file is nowhere on the branch');
  t.match(gitIn(remote, 'show', `${branch}:${missionDocsDir(m.id)}/solution.md`), /Add the module/, 'the plan doc was written and pushed');
  const docs = (await api.get(`/api/v1/missions/${m.id}/docs`)).body.items.map((d: any) => d.path);
  t.same(docs, ['solution.md'], 'and stored with the mission');
});

t.test('the daemon stops cleanly', async (t) => {
  t.equal((await daemon.kill('SIGTERM')).code, 0);
});
