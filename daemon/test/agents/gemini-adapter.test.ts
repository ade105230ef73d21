// The Gemini CLI adapter. The real CLI (the pinned @google/gemini-cli 0.61) runs the adapter's argv
// against the scripted Gemini API server: each permission policy is enforced by the CLI's own
// approval rules, and its stream-json becomes the events the timeline shows (session, tool calls,
// denials, usage, a quota answer). The stream parsing of cases the CLI does not play on demand is
// checked on its own lines.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { AgentPermissionPolicy } from '@solo-unicorn/shared';
import t from 'tap';
import { geminiAdapter } from '../../src/agents/adapters/gemini.ts';
import { type AgentEvent, maxPromptArgBytes } from '../../src/agents/adapters/types.ts';
import { adapterFor } from '../../src/agents/registry.ts';
import { gitIn } from '../helpers/e2e.ts';
import { conversation, geminiEnv, reply, shell, startGeminiServer, text, type Turn, writeFile } from '../helpers/model-server/gemini.ts';
import { repoRoot, tempDir } from '../helpers/processes.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'the real agent CLIs and their parsers');

const geminiBin = join(repoRoot, 'node_modules/.bin/gemini');
const server = await startGeminiServer(t);
const env = geminiEnv(server.url);

async function runGemini(policy: AgentPermissionPolicy, cwd: string, prompt = 'Do the mission.', resumeSessionId?: string) {
  const { argv, input } = geminiAdapter.invocation([geminiBin], { missionId: 'M1', prompt, promptFile: '/nonexistent', policy, resumeSessionId });
  const child = spawn(argv[0]!, argv.slice(1), { cwd, env: { ...process.env, ...env }, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  if (input) child.stdin!.end(input);
  const events: AgentEvent[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => events.push(...geminiAdapter.parseLine(l)));
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, events, stderr, of: (kind: string) => events.filter((e) => e.kind === kind) };
}

function workspace() {
  const dir = tempDir('su-gemini-ws-');
  gitIn(dir, 'init', '-q', '-b', 'main');
  return dir;
}

t.test('the registry hands the gemini agent to this adapter', async (t) => {
  t.equal(adapterFor('gemini'), geminiAdapter);
});

t.test('invocation: stream-json, trust for the daemon’s worktree, the policy’s approval flags, the prompt last', async (t) => {
  const inv = (policy: AgentPermissionPolicy, command = ['gemini']) =>
    geminiAdapter.invocation(command, { missionId: 'M1', prompt: 'Go.', promptFile: '/p.md', policy });
  const edits = inv('edits');
  t.same(edits.argv.slice(0, 6), ['gemini', '--output-format', 'stream-json', '--skip-trust', '--approval-mode', 'auto_edit']);
  t.match(edits.argv[6], /^--allowed-tools=run_shell_command\(git\),run_shell_command\(npm\),/);
  t.same(edits.argv.slice(-2), ['-p', 'Go.']);
  t.same(inv('readonly').argv, ['gemini', '--output-format', 'stream-json', '--skip-trust', '--approval-mode', 'default', '-p', 'Go.']);
  t.same(inv('full').argv, ['gemini', '--output-format', 'stream-json', '--skip-trust', '--approval-mode', 'yolo', '-p', 'Go.']);
  t.same(inv('edits', ['gemini', '-o', 'json', '--yolo', '--allowed-tools=run_shell_command']).argv,
    ['gemini', '-o', 'json', '--yolo', '--allowed-tools=run_shell_command', '--skip-trust', '-p', 'Go.'], 'the configured command’s own choices win');
  t.same(inv('edits', ['gemini', '-p', '{promptFile}']).argv.slice(0, 3), ['gemini', '-p', '/p.md'], 'a {promptFile} command takes the prompt from there');
  t.same(geminiAdapter.invocation(['gemini'], { missionId: 'M1', prompt: 'Go on.', promptFile: '/p.md', policy: 'readonly', resumeSessionId: 'abc' }).argv,
    ['gemini', '--resume', 'abc', '--output-format', 'stream-json', '--skip-trust', '--approval-mode', 'default', '-p', 'Go on.'], 'a session to continue');
  const long = 'x'.repeat(maxPromptArgBytes + 1);
  const viaStdin = geminiAdapter.invocation(['gemini'], { missionId: 'M1', prompt: long, promptFile: '/p.md', policy: 'edits' });
  t.equal(viaStdin.input, long, 'a prompt too long for argv goes to stdin');
  t.notOk(viaStdin.argv.includes(long));
});

const editAndTest: Turn[] = [
  reply(text('Adding the greeting.'), writeFile('hello.txt', 'hello from gemini\n')),
  reply(shell('npm --version')),
  reply(shell('git add hello.txt && git status --short')),
  reply(shell('curl -s http://127.0.0.1:9/')),
  reply(text('Done.')),
];

t.test('edits: Gemini writes the worktree and runs build commands without a prompt; anything else is denied', async (t) => {
  const ws = workspace();
  server.setScript(conversation(...editAndTest));
  const before = server.requests.length;
  const run = await runGemini('edits', ws);
  t.equal(run.code, 0, 'gemini exits 0', { stderr: run.stderr });
  t.equal(readFileSync(join(ws, 'hello.txt'), 'utf8'), 'hello from gemini\n', 'the edit landed in the worktree');
  const mine = server.requests.slice(before);
  t.ok(mine.length >= 5 && mine.every((r) => r.model === 'test-model' && r.served === 'turn'), 'every request went to the scripted model');
  t.ok(mine.some((r) => r.userTexts.some((u) => u.includes('Do the mission.'))), 'with the prompt');
  t.ok(mine.some((r) => r.toolOutputs.some((o) => o.name === 'run_shell_command' && /A {2}hello\.txt/.test(o.output))), 'the allowed commands ran and their output went back');

  const sessionId = run.of('agent.session')[0]?.data.agentSessionId;
  t.match(sessionId, /^[0-9a-f-]{36}$/, 'the CLI’s session id becomes agent.session');
  t.ok(run.of('agent.tool_call').some((e) => e.data.name === 'write_file' && (e.data.input as any).file_path === 'hello.txt'), 'the write is a tool call');
  t.ok(run.of('agent.tool_result').some((e) => e.data.name === 'run_shell_command' && e.data.isError === false && /^\d+\.\d+\.\d+/.test(String(e.data.content))), 'npm ran (an allowed program past the first)');
  t.equal(gitIn(ws, 'status', '--short').trim(), 'A  hello.txt', 'so did git, in the worktree');
  t.match(run.of('agent.permission_denied'), [{ data: { tool: 'run_shell_command', command: /curl/, reason: 'policy_violation' } }], 'the curl was refused, and says so');
  t.match(run.of('agent.message').map((e) => e.data.text), ['Adding the greeting.', 'Done.']);
  t.match(run.of('agent.result'), [{ data: { isError: false, subtype: 'success', toolCalls: 4 } }]);
  // Five scripted turns at 100 prompt / 20 output tokens each (the server's default usage).
  t.same(run.of('agent.usage').map((e) => e.data), [{ inputTokens: 500, outputTokens: 100, cacheReadTokens: 0 }], 'one usage delta for the run');
});

t.test('readonly: no write and no shell tool at all; both attempts are denials and nothing is written', async (t) => {
  const ws = workspace();
  server.setScript(conversation(reply(writeFile('plan.md', 'a plan')), reply(shell('touch x')), reply(text('I only read.'))));
  const run = await runGemini('readonly', ws);
  t.equal(run.code, 0, 'gemini exits 0', { stderr: run.stderr });
  t.notOk(existsSync(join(ws, 'plan.md')), 'no file written');
  t.notOk(existsSync(join(ws, 'x')), 'no command run');
  t.match(run.of('agent.permission_denied'), [
    { data: { tool: 'write_file', path: 'plan.md', reason: 'tool_not_registered' } },
    { data: { tool: 'run_shell_command', command: 'touch x', reason: 'tool_not_registered' } },
  ]);
});

t.test('a long prompt goes through stdin and reaches the model whole', async (t) => {
  const ws = workspace();
  server.setScript(conversation(reply(text('Read it.'))));
  const before = server.requests.length;
  const prompt = `Mission prompt start. ${'word '.repeat(maxPromptArgBytes / 5)}Mission prompt end.`;
  const run = await runGemini('edits', ws, prompt);
  t.equal(run.code, 0, { stderr: run.stderr });
  const sent = server.requests.slice(before).flatMap((r) => r.userTexts).join('\n');
  t.match(sent, /Mission prompt start\./);
  t.match(sent, /Mission prompt end\./);
});

t.test('a quota answer ends the run as a usage limit with the wait the API named', async (t) => {
  const ws = workspace();
  server.setScript(() => ({ kind: 'fail', status: 429, retryDelaySeconds: 3600 }));
  const run = await runGemini('edits', ws);
  t.not(run.code, 0, 'gemini exits non-zero');
  t.match(run.of('agent.error'), [{ data: { reason: 'usage_limit', message: /quota/ } }]);
  const until = Date.parse(String(run.of('agent.limited')[0]?.data.until));
  t.ok(Math.abs(until - (Date.now() + 3600_000)) < 120_000, 'agent.limited says when: in the hour the API named');
  t.match(run.of('agent.result'), [{ data: { isError: true, subtype: 'error' } }]);
});

t.test('refused credentials end the run as an auth error', async (t) => {
  server.setScript(() => ({ kind: 'fail', status: 401, message: 'API key not valid. Please pass a valid API key.' }));
  const run = await runGemini('edits', workspace());
  t.not(run.code, 0, 'gemini exits non-zero');
  t.match(run.of('agent.error'), [{ data: { reason: 'auth', message: /API key not valid/ } }]);
  t.same(run.of('agent.limited'), [], 'not a usage limit');
});

t.test('resume: a second run in the same worktree continues the session, and the model sees the earlier conversation', async (t) => {
  const ws = workspace();
  server.setScript(conversation(reply(text('First answer.'))));
  const first = await runGemini('edits', ws, 'The first prompt, ALPHA.');
  const sessionId = String(first.of('agent.session')[0]?.data.agentSessionId);
  t.equal(first.code, 0, { stderr: first.stderr });
  const before = server.requests.length;
  const second = await runGemini('edits', ws, 'The follow-up, BETA.', sessionId);
  t.equal(second.code, 0, { stderr: second.stderr });
  t.equal(second.of('agent.session')[0]?.data.agentSessionId, sessionId, 'the same session');
  const texts = server.requests.slice(before).flatMap((r) => r.userTexts).join('\n');
  t.match(texts, /ALPHA/, 'the earlier prompt was sent again as history');
  t.match(texts, /BETA/, 'with the new one');
  t.same(second.of('agent.usage').map((e) => e.data), [{ inputTokens: 100, outputTokens: 20, cacheReadTokens: 0 }], 'usage counts this run’s one request, not the session’s history');
  const elsewhere = await runGemini('edits', workspace(), 'From another worktree.', sessionId);
  t.not(elsewhere.code, 0, 'another worktree does not find the session');
  t.match(elsewhere.stderr, /Error resuming session/, 'and says so on stderr');
});

t.test('stream lines the CLI prints in other situations', async (t) => {
  const parse = (v: unknown) => geminiAdapter.parseLine(JSON.stringify(v));
  t.same(parse({ type: 'message', role: 'user', content: 'the prompt' }), [], 'the echoed prompt is not an agent message');
  t.same(parse({ type: 'error', severity: 'warning', message: 'Loop detected, stopping execution' }),
    [{ kind: 'agent.warning', data: { message: 'Loop detected, stopping execution' } }]);
  t.same(parse({ type: 'error', severity: 'error', message: 'Maximum session turns exceeded' }),
    [{ kind: 'agent.error', data: { message: 'Maximum session turns exceeded' } }]);
  t.match(parse({ type: 'result', status: 'success', stats: { input_tokens: 300, cached: 120, output_tokens: 9 } }),
    [{ kind: 'agent.result' }, { kind: 'agent.usage', data: { inputTokens: 180, outputTokens: 9, cacheReadTokens: 120 } }], 'cached input is not counted twice');
  t.same(parse({ type: 'result', status: 'success' }).map((e) => e.kind), ['agent.result'], 'no stats, no usage delta');
  t.same(parse({ type: 'init', model: 'm' }).map((e) => e.kind), ['agent.system'], 'no session id, no agent.session');
  t.same(geminiAdapter.parseLine('Loaded cached credentials.'), [{ kind: 'agent.output', data: { text: 'Loaded cached credentials.' } }]);
  t.same(geminiAdapter.parseLine('{"type":"something_new"}'), [{ kind: 'agent.output', data: { text: '{"type":"something_new"}' } }]);
  t.same(geminiAdapter.parseLine('{not json'), [{ kind: 'agent.output', data: { text: '{not json' } }]);
  t.same(geminiAdapter.parseLine('   '), []);
});

t.test('two runs whose CLIs reuse a tool id each name their own command in a denial', async (t) => {
  const [a, b] = [{}, {}];
  const use = (command: string) => JSON.stringify({ type: 'tool_use', tool_name: 'run_shell_command', tool_id: 'run_shell_command_1_0', parameters: { command } });
  const refused = JSON.stringify({ type: 'tool_result', tool_id: 'run_shell_command_1_0', status: 'error', error: { type: 'policy_violation', message: 'Tool execution denied by policy.' } });
  geminiAdapter.parseLine(use('curl a'), a);
  geminiAdapter.parseLine(use('curl b'), b);
  t.match(geminiAdapter.parseLine(refused, a), [{ kind: 'agent.tool_result' }, { kind: 'agent.permission_denied', data: { command: 'curl a' } }]);
  t.match(geminiAdapter.parseLine(refused, b), [{ kind: 'agent.tool_result' }, { kind: 'agent.permission_denied', data: { command: 'curl b' } }]);
});
