// The agent tools over MCP (#14) with the real Gemini CLI: a real control plane, a real daemon
// process, a bare git remote, and the pinned `gemini` whose scripted model (the loopback Gemini API
// server) calls mcp_solo-unicorn_* tools. The CLI finds our server in a per-run home's settings
// (GEMINI_CLI_HOME); the effects are checked through the API, and a wrong call comes back to the
// model as a tool error while the run goes on.
import { mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { missionDocsDir } from '../../src/agents/prompt.ts';
import { createOrg, createProject, registerWorkstation, startTestApp } from '../helpers/control-plane.ts';
import { bareRemote, gitIn, until } from '../helpers/e2e.ts';
import { call, conversation, geminiEnv, reply, startGeminiServer, text } from '../helpers/model-server/gemini.ts';
import { isMsg, repoRoot, startDaemon, tempDir } from '../helpers/processes.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'the real Gemini CLI calling the mission tools');

const model = await startGeminiServer(t);
const app = await startTestApp(t);
const api = app.admin;
const remote = bareRemote('gemini-mcp', 'Gemini MCP');
const org = await createOrg(api);
const project = await createProject(api, org.id, { defaultAgent: 'gemini' });
const P = `/api/v1/projects/${project.id}`;
const repo = (await api.post(`${P}/repositories`, { url: `file://${remote}` })).body;
const flow = (await api.post(`${P}/flows`, { name: 'gemini mcp', stages: ['execute'] })).body;

// MCP servers that are not ours, each a live stdio server with one tool, `other_tool`: the user's
// (trusted, in their settings.json with a comment, as the CLI allows; offered to the model unless
// the run limits servers to ours) and the repository's `.gemini/settings.json`, which even tries
// to take our server's name. The model must see only the mission tools; the user's file must come
// out of the run unchanged.
const other = { trust: true, command: process.execPath, args: [join(repoRoot, 'daemon/test/helpers/other-mcp-server.mjs')] };
const env = geminiEnv(model.url);
const userGemini = join(env.GEMINI_CLI_HOME!, '.gemini');
const userSettings = `// mine\n${JSON.stringify({ ...JSON.parse(readFileSync(join(userGemini, 'settings.json'), 'utf8')), mcpServers: { theirs: other } }, null, 2)}`;
writeFileSync(join(userGemini, 'settings.json'), userSettings);
const seed = tempDir('su-seed-');
gitIn(seed, 'clone', remote, '.');
mkdirSync(join(seed, '.gemini'));
writeFileSync(join(seed, '.gemini', 'settings.json'), JSON.stringify({ mcpServers: { 'repo-server': other, 'solo-unicorn': other } }));
gitIn(seed, 'add', '.');
gitIn(seed, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-m', 'the repository’s own MCP servers');
gitIn(seed, 'push', 'origin', 'main');
const { home, configPath, config } = await registerWorkstation(app.baseUrl, org.id, 'gemini-mcp-box', { projectId: project.id });
config.agents = { gemini: { command: [join(repoRoot, 'node_modules/.bin/gemini')], env } };
writeFileSync(configPath, JSON.stringify(config, null, 2), { mode: 0o600 });
const daemon = startDaemon(t, home, { SU_AGENT_COMMAND: undefined, SU_AGENT_STALL_TIMEOUT_MS: '60000', SU_AGENT_KILL_GRACE_MS: '1000', LOG_LEVEL: 'info' });
await daemon.waitForLine(isMsg('session open'));

const mission = (id: string) => api.get(`/api/v1/missions/${id}`).then((r) => r.body);
const events = async (id: string) => (await api.get(`/api/v1/missions/${id}/events?limit=500`)).body.items as { kind: string; data: any }[];
const tool = (name: string) => `mcp_solo-unicorn_${name}`;
const missionIdIn = (texts: string[]) => /Mission id: (\S+)/.exec(texts.join('\n'))?.[1] ?? 'unknown';

t.test('the model reads its mission, reports progress, writes a doc and asks for review through the tools', async (t) => {
  model.setScript((req) => conversation(
    reply(call(tool('mission_get'), {})),
    reply(call(tool('mission_progress'), { line: 'running tests, 3 failing' })),
    reply(call(tool('mission_progress'), { line: 'x'.repeat(300) })),
    reply(call(tool('mission_update_docs'), { path: 'solution.md', content: `# Solution for ${missionIdIn(req.userTexts)}\n\nWritten through MCP by Gemini.\n` })),
    reply(call(tool('mission_create'), { title: 'Follow-up from Gemini', description: 'found while working' })),
    reply(call(tool('mission_request_review'), { summary: 'Gemini is done; please review.' })),
    reply(text('Review requested.')),
  )(req));
  const before = model.requests.length;
  const m = (await api.post(`${P}/missions`, { title: 'Use the tools', description: 'Read, report, and hand over.', ready: true, repositoryId: repo.id, prMode: 'disabled', flowId: flow.id })).body;
  const end = await until('Review', () => mission(m.id), (x) => x.list === 'review' || x.list === 'done' || (x.list === 'todo' && !x.ready), 150_000);
  const timeline = await events(m.id);
  t.equal(end.list, 'review', 'mission_request_review sent the mission to Review (direct mode would otherwise be Done)', { timeline: timeline.map((e) => `${e.kind} ${JSON.stringify(e.data).slice(0, 300)}`) });
  t.match(timeline.find((e) => e.kind === 'mission.moved' && e.data.to === 'review'), { data: { reason: 'the agent asked for review', summary: 'Gemini is done; please review.' } }, 'with the summary on the timeline');

  const turns = model.requests.slice(before).filter((r) => r.served === 'turn');
  const offered = turns[0]?.tools ?? [];
  for (const name of ['mission_get', 'mission_update_docs', 'mission_progress', 'mission_set_stage', 'mission_request_review', 'mission_ask', 'mission_create']) {
    t.ok(offered.includes(tool(name)), `${name} was offered to the model`);
  }
  t.same(offered.filter((n) => n.startsWith('mcp_') && !/^mcp_solo-unicorn_mission_/.test(n)), [], 'neither the user’s nor the repository’s servers were connected');
  const outputs = turns.at(-1)!.toolOutputs;
  t.match(outputs[0], { name: tool('mission_get'), output: new RegExp(`"id":\\s*"${m.id}"[\\s\\S]*"title":\\s*"Use the tools"`) }, 'mission_get returned the mission');
  t.match(outputs[2], { name: tool('mission_progress'), output: /must NOT have more than 200 characters/ }, 'an oversize line is a tool error the model sees (the CLI checks the schema itself)');

  t.match(timeline.filter((e) => e.kind === 'agent.progress').map((e) => e.data), [{ line: 'running tests, 3 failing', stage: 'execute' }], 'the valid progress line is on the timeline, the refused one is not');
  t.match((await api.get(`/api/v1/missions/${m.id}/docs`)).body.items, [{ path: 'solution.md', content: /Written through MCP by Gemini/ }], 'mission_update_docs stored the doc');
  t.match(gitIn(remote, 'show', `${end.prBranchName}:${missionDocsDir(m.id)}/solution.md`), /Written through MCP by Gemini/, 'and it is on the pushed branch');
  t.same(timeline.filter((e) => e.kind === 'mcp.tool_call').map((e) => e.data.tool), ['mission_get', 'mission_progress', 'mission_update_docs', 'mission_create', 'mission_request_review'], 'each call that reached the daemon is a mission event');
  const [proposed] = timeline.filter((e) => e.kind === 'mission.followup_proposed');
  t.match(await mission(proposed?.data.childMissionId), { title: 'Follow-up from Gemini', list: 'todo', ready: false, projectId: project.id }, 'mission_create proposed a follow-up, not ready');
  t.ok(timeline.some((e) => e.kind === 'agent.tool_call' && e.data.name === tool('mission_progress')), 'the CLI’s own tool call events name the tool');
  t.same(timeline.filter((e) => e.kind === 'agent.permission_denied'), [], 'no call needed an approval');
  t.notOk(JSON.stringify(timeline).match(/Bearer [A-Za-z0-9_-]{43}/), 'no token on the timeline');

  t.equal(readFileSync(join(userGemini, 'settings.json'), 'utf8'), userSettings, 'the user’s settings.json is untouched');
  t.ok(readdirSync(join(userGemini, 'tmp')).length > 0, 'the session was kept in the user’s ~/.gemini/tmp (where --resume looks)');
  const leftovers = readdirSync(tmpdir()).filter((d) => d.startsWith('su-gemini-')).filter((d) => {
    try {
      return readlinkSync(join(tmpdir(), d, '.gemini', 'tmp')) === join(userGemini, 'tmp');
    } catch {
      return false;
    }
  });
  t.same(leftovers, [], 'the per-run home is gone after the run');
});

t.test('the daemon stops cleanly', async (t) => {
  t.equal((await daemon.kill('SIGTERM')).code, 0);
});
