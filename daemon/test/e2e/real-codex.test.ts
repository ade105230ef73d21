// The real Codex CLI (the pinned @openai/codex) does a mission end to end: real control plane, real
// daemon process, a bare git remote on disk, and a scripted OpenAI Responses server on loopback as
// the model. The model patches a file and runs a command; the edit lands on the mission branch and
// is merged into main, and the timeline shows what the agent did.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createOrg, createProject, registerWorkstation, startTestApp } from '../helpers/control-plane.ts';
import { bareRemote, gitIn, until } from '../helpers/e2e.ts';
import { addFile, applyPatch, codexApiKeyEnv, latestRun, message, type RecordedRequest, reply, shell, startOpenAiServer, type Turn, writeCodexHome } from '../helpers/model-server/openai.ts';
import { isMsg, repoRoot, startDaemon, tempDir } from '../helpers/processes.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'the real agent CLIs and their parsers');

const model = await startOpenAiServer(t, script);
const codexHome = writeCodexHome(tempDir('su-codex-home-'), model.baseUrl);

const app = await startTestApp(t);
const api = app.admin;
const remote = bareRemote('app', 'App');
const org = await createOrg(api);
const project = await createProject(api, org.id, { defaultAgent: 'codex' });
const P = `/api/v1/projects/${project.id}`;
const repo = (await api.post(`${P}/repositories`, { url: `file://${remote}` })).body;

const { home, configPath, config } = await registerWorkstation(app.baseUrl, org.id, 'codex-box', { projectId: project.id });
// The workstation's config names the codex agent: the real binary, its CODEX_HOME and the key.
config.agents = { codex: { command: [join(repoRoot, 'node_modules/.bin/codex'), 'exec', '--json'], env: { CODEX_HOME: codexHome, [codexApiKeyEnv]: 'sk-test-dummy' } } };
writeFileSync(configPath, JSON.stringify(config, null, 2), { mode: 0o600 });

const daemon = startDaemon(t, home, { SU_AGENT_COMMAND: undefined, LOG_LEVEL: 'info' });
await daemon.waitForLine(isMsg('session open'));

/**
 * Each stage's run continues the thread (exec resume); the stage is in that run's prompt. Every
 * stage keeps the docs; the execute stage also adds CODEX_OUTPUT.md with apply_patch and checks it
 * with a command.
 */
function script(req: RecordedRequest): Turn {
  const { prompt, toolOutputs } = latestRun(req, '# Mission:');
  const missionId = /Mission id: (\S+)/.exec(prompt)?.[1] ?? 'unknown';
  const stage = /## Current stage: (\S+)/.exec(prompt)?.[1] ?? 'unknown';
  const docs = `solo-unicorn-docs/missions/${missionId}`;
  const writeDocs = shell(`mkdir -p ${docs}/tasks && printf '# Solution\\n\\nCodex wrote this in the ${stage} stage.\\n' > ${docs}/solution.md && printf '# Task 1\\n\\n- [x] add CODEX_OUTPUT.md\\n' > ${docs}/tasks/1.md`);
  const turns: Turn[] = stage === 'execute'
    ? [
        reply(message('Adding the output file.'), applyPatch(addFile('CODEX_OUTPUT.md', `# Output\n\nWritten by Codex for ${missionId}.`))),
        reply(shell('cat CODEX_OUTPUT.md && git status --short')),
        reply(writeDocs),
        reply(message('The output file is in place and checked.')),
      ]
    : [reply(writeDocs), reply(message(`The ${stage} stage is written down.`))];
  return turns[toolOutputs] ?? reply(message('(script finished)'));
}

const mission = (id: string) => api.get(`/api/v1/missions/${id}`).then((r) => r.body);
const events = async (id: string) => (await api.get(`/api/v1/missions/${id}/events?limit=500`)).body.items as { kind: string; data: any }[];

t.test('direct mode: Codex patches a file and runs a command; the edit is pushed on the mission branch and merged into main', async (t) => {
  const m = (await api.post(`${P}/missions`, { title: 'Add the output file', ready: true, repositoryId: repo.id, prMode: 'disabled' })).body;
  const done = await until('Done', () => mission(m.id), (x) => x.list === 'done' || (x.list === 'todo' && x.ready === false), 150_000);
  const timeline = await events(m.id);
  t.equal(done.list, 'done', 'the mission is Done', { timeline: timeline.map((e) => `${e.kind} ${JSON.stringify(e.data).slice(0, 200)}`) });

  const branch = done.prBranchName as string;
  t.match(gitIn(remote, 'show', `${branch}:CODEX_OUTPUT.md`), new RegExp(`Written by Codex for ${m.id}`), 'the agent’s edit is on the pushed branch');
  t.match(gitIn(remote, 'show', 'main:CODEX_OUTPUT.md'), /Written by Codex/, 'and merged into main');
  t.match(gitIn(remote, 'show', `main:solo-unicorn-docs/missions/${m.id}/solution.md`), /Codex wrote this in the execute stage/, 'with the docs Codex kept');

  const kinds = timeline.map((e) => e.kind);
  for (const kind of ['agent.started', 'agent.system', 'agent.tool_call', 'agent.tool_result', 'agent.file_change', 'agent.message', 'agent.result', 'git.pushed', 'git.merged']) {
    t.ok(kinds.includes(kind), `the timeline has ${kind}`);
  }
  t.ok(timeline.some((e) => e.kind === 'agent.tool_call' && /cat CODEX_OUTPUT\.md/.test(e.data.input?.command ?? '')), 'the command the model ran');
  t.ok(timeline.some((e) => e.kind === 'agent.tool_result' && /Written by Codex/.test(e.data.content ?? '') && e.data.exitCode === 0), 'and its output');
  t.ok(timeline.some((e) => e.kind === 'agent.file_change' && e.data.changes?.some((c: any) => c.path.endsWith('CODEX_OUTPUT.md') && c.kind === 'add')), 'the patch');
  const started = timeline.filter((e) => e.kind === 'agent.started');
  t.ok(started.length >= 1 && started.every((e) => e.data.agent === 'codex'), 'every run was the codex agent');
  // Under the default `edits` policy the thinking stages run in Codex's read-only sandbox.
  t.same(started.map((e) => [e.data.stage, e.data.policy]), [['clarify', 'readonly'], ['plan', 'readonly'], ['execute', 'edits']]);
  const sessions = timeline.filter((e) => e.kind === 'agent.system' && e.data.subtype === 'thread.started').map((e) => e.data.sessionId);
  t.ok(sessions.length >= 1, 'each Codex run reports its thread id');
  t.same(timeline.filter((e) => e.kind === 'agent.session').map((e) => [e.data.stage, e.data.agentSessionId]), started.map((s) => [s.data.stage, sessions[0]]),
    'agent.session per stage: plan and execute continued the clarify stage’s thread');
  t.same(timeline.filter((e) => e.kind === 'agent.session_resumed').map((e) => e.data.stage), ['plan', 'execute']);
  t.ok(timeline.filter((e) => e.kind === 'agent.usage').every((e) => e.data.inputTokens > 0 && e.data.outputTokens > 0), 'agent.usage per stage');
  for (const stage of ['clarify', 'plan']) {
    t.ok(timeline.some((e) => e.kind === 'agent.tool_result' && e.data.stage === stage && e.data.exitCode === 0),
      `the ${stage} stage, read-only for the code, wrote the mission docs`);
  }
  t.ok(timeline.some((e) => e.kind === 'agent.result' && e.data.tokens?.output > 0), 'with its token usage');

  const mine = model.requests.filter((r) => r.userTexts.some((u) => u.includes(`Mission id: ${m.id}`)));
  t.ok(mine.some((r) => /## Current stage: execute/.test(r.userTexts.join('\n'))), 'the model server saw the execute stage’s prompt');
  t.ok(mine.every((r) => sessions.includes(r.headers['thread-id'])), 'every model request belongs to a thread on the timeline');
  t.ok(mine.some((r) => r.toolOutputs.some((o) => /Written by Codex/.test(o.output))), 'the command’s output went back to the model');
});

t.test('the daemon stops cleanly on SIGTERM', async (t) => {
  t.equal((await daemon.kill('SIGTERM')).code, 0);
});
