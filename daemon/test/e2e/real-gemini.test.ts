// The real Gemini CLI (the pinned @google/gemini-cli) does a mission end to end: real control
// plane, real daemon process, a bare git remote on disk, and a scripted Gemini API server on
// loopback as the model. The daemon's config.json names the `gemini` agent with the binary and
// the env that keeps it offline and out of the user's home. The model writes a file and runs git;
// the edit lands on the mission branch and is merged into main, and the timeline shows the run.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { missionDocsDir } from '../../src/agents/prompt.ts';
import { createOrg, createProject, registerWorkstation, startTestApp } from '../helpers/control-plane.ts';
import { bareRemote, gitIn, until } from '../helpers/e2e.ts';
import { conversation, geminiEnv, reply, shell, startGeminiServer, text, writeFile } from '../helpers/model-server/gemini.ts';
import { isMsg, repoRoot, startDaemon } from '../helpers/processes.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'the real agent CLIs and their parsers');

const model = await startGeminiServer(t);

const app = await startTestApp(t);
const api = app.admin;
const remote = bareRemote('gemini', 'Gemini');
const org = await createOrg(api);
const project = await createProject(api, org.id, { defaultAgent: 'gemini' });
const P = `/api/v1/projects/${project.id}`;
const repo = (await api.post(`${P}/repositories`, { url: `file://${remote}` })).body;
const flow = async (stages: string[]) => (await api.post(`${P}/flows`, { name: `only ${stages.join(' ')} ${Math.random()}`, stages })).body;

const { home, configPath, config } = await registerWorkstation(app.baseUrl, org.id, 'gemini-box', { projectId: project.id });
config.agents = { gemini: { command: [join(repoRoot, 'node_modules/.bin/gemini')], env: geminiEnv(model.url) } };
writeFileSync(configPath, JSON.stringify(config, null, 2), { mode: 0o600 });
const daemon = startDaemon(t, home, { SU_AGENT_COMMAND: undefined, SU_AGENT_STALL_TIMEOUT_MS: '60000', SU_AGENT_KILL_GRACE_MS: '1000', LOG_LEVEL: 'info' });
await daemon.waitForLine(isMsg('session open'));

const mission = (id: string) => api.get(`/api/v1/missions/${id}`).then((r) => r.body);
const events = async (id: string) => (await api.get(`/api/v1/missions/${id}/events?limit=500`)).body.items as { kind: string; data: any }[];
const missionIdIn = (texts: string[]) => /Mission id: (\S+)/.exec(texts.join('\n'))?.[1] ?? 'unknown';

t.test('the real Gemini CLI writes a file and runs git; the edit lands on the mission branch and in main', async (t) => {
  model.setScript((req) => conversation(
    reply(text('Adding the greeting.'), writeFile('src/greeting.ts', 'export const greeting = "hello from gemini";\n')),
    reply(shell('git status --short')),
    reply(writeFile(`${missionDocsDir(missionIdIn(req.userTexts))}/solution.md`, '# Solution\n\nGemini added src/greeting.ts.\n')),
    reply(text('The greeting is in src/greeting.ts.')),
  )(req));
  const before = model.requests.length;
  const m = (await api.post(`${P}/missions`, { title: 'Add a greeting', ready: true, repositoryId: repo.id, prMode: 'disabled', flowId: (await flow(['execute'])).id })).body;
  const done = await until('Done', () => mission(m.id), (x) => x.list === 'done' || (x.list === 'todo' && !x.ready), 150_000);
  const timeline = await events(m.id);
  t.equal(done.list, 'done', 'the mission is Done', { timeline: timeline.map((e) => `${e.kind} ${JSON.stringify(e.data).slice(0, 200)}`) });

  const branch = done.prBranchName as string;
  t.equal(gitIn(remote, 'show', `${branch}:src/greeting.ts`), 'export const greeting = "hello from gemini";', 'the agent’s file is on the pushed mission branch');
  t.equal(gitIn(remote, 'show', 'main:src/greeting.ts'), 'export const greeting = "hello from gemini";', 'and merged into main');
  t.match(gitIn(remote, 'show', `main:${missionDocsDir(m.id)}/solution.md`), /Gemini added src\/greeting\.ts/, 'with the doc Gemini wrote');

  t.match(timeline.find((e) => e.kind === 'agent.started'), { data: { agent: 'gemini', policy: 'edits', stage: 'execute' } });
  t.same(timeline.filter((e) => e.kind === 'agent.tool_call').map((e) => e.data.name), ['write_file', 'run_shell_command', 'write_file'], 'the tool calls are on the timeline');
  t.same(timeline.filter((e) => e.kind === 'agent.permission_denied'), [], 'nothing was denied');
  const session = timeline.find((e) => e.kind === 'agent.session');
  t.match(session, { data: { agentSessionId: /^[0-9a-f-]{36}$/ } }, 'the CLI’s session id is recorded');
  t.match(timeline.find((e) => e.kind === 'agent.result'), { data: { subtype: 'success', isError: false } });
  t.match(timeline.find((e) => e.kind === 'agent.usage'), { data: { inputTokens: 400, outputTokens: 80 } }, 'four scripted turns of usage');
  t.match(timeline.find((e) => e.kind === 'attempt.finished'), { data: { status: 'succeeded' } });

  const mine = model.requests.slice(before).filter((r) => r.served === 'turn');
  t.match(mine[0]?.userTexts.join('\n'), /Add a greeting/, 'the model got the mission prompt');
  t.ok(mine[0]?.tools.includes('write_file') && mine[0]?.tools.includes('run_shell_command'), 'with the write and shell tools offered');
  const status = mine.flatMap((r) => r.toolOutputs).filter((o) => o.name === 'run_shell_command').map((o) => o.output).join('\n');
  t.match(status, /\?\? src\//, 'git status ran in the worktree and saw the new file');
});

t.test('a planning stage runs readonly: Gemini is offered no write tool, and its attempt is a denial on the timeline', async (t) => {
  model.setScript(conversation(reply(writeFile('src/sneaky.ts', 'export {};\n')), reply(text('I can only read here.'))));
  const m = (await api.post(`${P}/missions`, { title: 'Plan only', ready: true, repositoryId: repo.id, prMode: 'disabled', flowId: (await flow(['plan'])).id })).body;
  const end = await until('the attempt ends', () => mission(m.id), (x) => x.list === 'done' || x.list === 'review' || (x.list === 'todo' && !x.ready), 150_000);
  const timeline = await events(m.id);
  t.match(timeline.find((e) => e.kind === 'agent.started'), { data: { agent: 'gemini', policy: 'readonly', stage: 'plan' } });
  t.match(timeline.filter((e) => e.kind === 'agent.permission_denied'), [{ data: { tool: 'write_file', path: 'src/sneaky.ts' } }], 'the write is a denial with its path');
  t.match(timeline.find((e) => e.kind === 'attempt.finished'), { data: { status: 'succeeded' } }, 'the agent finished; the denial is visible, not hidden');
  t.throws(() => gitIn(remote, 'show', `${end.prBranchName as string}:src/sneaky.ts`), 'the file is nowhere on the branch');
});

t.test('the daemon stops cleanly', async (t) => {
  t.equal((await daemon.kill('SIGTERM')).code, 0);
});
