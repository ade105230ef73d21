// The real Codex CLI (codex-cli 0.171, the pinned devDependency) run with the adapter's argv against
// the scripted model server: each permission policy is enforced by Codex's own sandbox (Landlock and
// seccomp on Linux), and what the stream says about it becomes the events the timeline shows.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { AgentPermissionPolicy } from '@solo-unicorn/shared';
import t from 'tap';
import { codexAdapter } from '../../src/agents/adapters/codex.ts';
import type { AgentEvent } from '../../src/agents/adapters/types.ts';
import { gitIn } from '../helpers/e2e.ts';
import {
  addFile, applyPatch, codexApiKeyEnv, conversation, message, reply, shell, startOpenAiServer, type Turn, writeCodexHome,
} from '../helpers/model-server/openai.ts';
import { repoRoot, tempDir } from '../helpers/processes.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'the real agent CLIs and their parsers');

const codexBin = join(repoRoot, 'node_modules/.bin/codex');
const server = await startOpenAiServer(t);
const codexHome = writeCodexHome(tempDir('su-codex-home-'), server.baseUrl);

// Temp dirs live under /tmp, which workspace-write leaves writable by default; these overrides
// (configured-command flags, as a workstation could set them) make "outside the worktree" mean it.
const tightTmp = ['-c', 'sandbox_workspace_write.exclude_slash_tmp=true', '-c', 'sandbox_workspace_write.exclude_tmpdir_env_var=true'];

async function runCodex(policy: AgentPermissionPolicy, cwd: string, extra: string[] = []) {
  const { argv, input } = codexAdapter.invocation([codexBin, 'exec', '--json', ...extra], { missionId: 'M1', prompt: 'Do the mission.', promptFile: '/nonexistent', policy });
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd, env: { ...process.env, CODEX_HOME: codexHome, [codexApiKeyEnv]: 'sk-test-dummy' }, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  if (input) child.stdin!.end(input);
  const events: AgentEvent[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => events.push(...codexAdapter.parseLine(l)));
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { argv, code, events, stderr, of: (kind: string) => events.filter((e) => e.kind === kind) };
}

function workspace() {
  const dir = tempDir('su-codex-ws-');
  gitIn(dir, 'init', '-q', '-b', 'main');
  return dir;
}

const editAndTest = (outside: string): Turn[] => [
  reply(message('Adding the greeting.'), applyPatch(addFile('hello.txt', 'hello from codex'))),
  reply(shell(`cat hello.txt && echo escaped > ${join(outside, 'escaped.txt')}`)),
  reply(message('Done.')),
];

t.test('edits: Codex writes the worktree and runs commands there, but cannot write outside it, without a prompt', async (t) => {
  const ws = workspace();
  const outside = tempDir('su-codex-outside-');
  server.setScript(conversation(...editAndTest(outside)));
  const before = server.requests.length;
  const run = await runCodex('edits', ws, tightTmp);
  t.equal(run.code, 0, 'codex exits 0', { stderr: run.stderr });
  t.equal(readFileSync(join(ws, 'hello.txt'), 'utf8'), 'hello from codex\n', 'the patch landed in the worktree');
  t.notOk(existsSync(join(outside, 'escaped.txt')), 'the sandbox kept the command out of other directories');
  t.match(run.of('agent.file_change'), [{ data: { status: 'completed', changes: [{ path: join(ws, 'hello.txt'), kind: 'add' }] } }]);
  const [started] = run.of('agent.system');
  t.match(started, { data: { subtype: 'thread.started', sessionId: /^[0-9a-f-]{36}$/ } });
  const seen = server.requests.slice(before);
  t.equal(seen.length, 3, 'one model request per turn');
  t.ok(seen.every((r) => r.headers['thread-id'] === started!.data.sessionId), 'the session id is the thread the model server saw');
  t.ok(seen[0]!.tools.includes('exec_command'), 'Codex offers its shell tool');
  t.equal(seen[0]!.headers.authorization, 'Bearer sk-test-dummy', 'the provider key comes from the env var config.toml names');
  t.match(seen[0]!.userTexts.at(-1), /Do the mission\./);
  // What the model was told is the sandbox's verdict; Codex does not always print the command's
  // item.completed line before it exits (seen under load), so the event is checked only when it came.
  // stdout and stderr reach the model in either order.
  const output = seen[2]!.toolOutputs.at(-1)?.output ?? '';
  t.ok(/hello from codex/.test(output) && /Read-only|Permission denied/.test(output), 'the model sees the read and the refused write', { output });
  for (const result of run.of('agent.tool_result').filter((e) => e.data.name === 'command')) {
    t.match(result, { data: { isError: true, content: /hello from codex/ } });
    t.match(result, { data: { content: /Read-only|Permission denied/ } });
  }
  t.match(run.of('agent.result'), [{ data: { isError: false, tokens: { input: 300, output: 60, cacheRead: 0 } } }]);
});

t.test('readonly: the code edit is refused and the model is told, while the mission docs can be written', async (t) => {
  const ws = workspace();
  const docs = 'solo-unicorn-docs/missions/M1';
  mkdirSync(join(ws, docs), { recursive: true }); // the runner creates it before every launch
  const tmpFile = join(tmpdir(), `su-readonly-${process.pid}.txt`);
  server.setScript(conversation(
    reply(shell(`printf 'no\\n' > hello.txt; printf 'tmp\\n' > ${tmpFile}; printf '# Plan\\n' > ${docs}/solution.md && echo wrote the plan`)),
    reply(message('Could not write the code; the plan is written.')),
  ));
  const before = server.requests.length;
  const run = await runCodex('readonly', ws);
  t.equal(run.code, 0, 'codex exits 0', { stderr: run.stderr });
  t.notOk(existsSync(join(ws, 'hello.txt')), 'no code was written');
  t.notOk(existsSync(tmpFile), 'nor anything in /tmp');
  t.equal(readFileSync(join(ws, docs, 'solution.md'), 'utf8'), '# Plan\n', 'the plan doc was written');
  t.same(readdirSync(join(ws, docs)), ['solution.md'], 'the sandbox left nothing of its own in the docs folder');
  const told = server.requests.at(-1)!.toolOutputs.map((o) => o.output).join('\n');
  t.match(told, /hello\.txt: Read-only file system/, 'the refusal went back to the model');
  t.match(told, /wrote the plan/, 'and so did the docs write');
  t.equal(server.requests.length - before, 2);
});

t.test('full: no sandbox, so the same command writes outside the worktree', async (t) => {
  const ws = workspace();
  const outside = tempDir('su-codex-outside-');
  server.setScript(conversation(...editAndTest(outside)));
  const run = await runCodex('full', ws, tightTmp);
  t.equal(run.code, 0, 'codex exits 0', { stderr: run.stderr });
  t.equal(readFileSync(join(outside, 'escaped.txt'), 'utf8'), 'escaped\n');
  t.ok(run.argv.includes('--dangerously-bypass-approvals-and-sandbox'));
});

t.test('a usage limit (429 with a reset time) ends the run with an error marked usage_limit', async (t) => {
  server.setScript(() => ({ kind: 'fail', status: 429, resetsInSeconds: 3600 }));
  const run = await runCodex('edits', workspace());
  t.not(run.code, 0);
  t.match(run.of('agent.error').at(-1), { data: { reason: 'usage_limit', message: /usage limit/ } });
  t.same(run.of('agent.api_retry'), [], 'Codex does not retry a usage limit');
});

t.test('an overloaded model server (503) is retried by Codex, then the run fails with the status', async (t) => {
  server.setScript(() => ({ kind: 'fail', status: 503 }));
  const before = server.requests.length;
  const run = await runCodex('edits', workspace());
  t.not(run.code, 0);
  t.match(run.of('agent.api_retry'), [{ data: { attempt: 1, maxAttempts: 1, message: /503/ } }]);
  t.match(run.of('agent.error').at(-1), { data: { message: /503 Service Unavailable/ } });
  t.ok(server.requests.length - before >= 2, 'the request was retried (request_max_retries and stream_max_retries are 1)');
});

t.test('a stream cut mid-message is retried quietly, and the retry that completes finishes the run', async (t) => {
  let cuts = 1;
  server.setScript(() => (cuts-- > 0 ? { kind: 'cut' } : reply(message('Recovered.'))));
  const before = server.requests.length;
  const run = await runCodex('edits', workspace());
  t.equal(run.code, 0, 'codex exits 0', { stderr: run.stderr });
  t.equal(server.requests.length - before, 2, 'the cut request was sent again');
  t.match(run.of('agent.message'), [{ data: { text: 'Recovered.' } }]);
});

