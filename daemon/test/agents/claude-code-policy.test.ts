// The permission policy as Claude Code sees it: the flags per policy, the stage rule and the
// workstation's opt-in for `full`, denials as events — and the real CLI (pinned devDependency)
// against a scripted model server, to prove the flags do what they say.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { claudeCodeAdapter, permissionFlags } from '../../src/agents/adapters/claude-code.ts';
import { launchAgent } from '../../src/agents/launcher.ts';
import { effectivePolicy } from '../../src/agents/policy.ts';
import { missionDocsDir } from '../../src/agents/prompt.ts';
import { claudeBin, claudeEnv } from '../helpers/claude.ts';
import { startAnthropicModelServer, text, toolUse, type Turn } from '../helpers/model-server/anthropic.ts';
import { tempDir } from '../helpers/processes.ts';
import { eventLog } from './helpers.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'the real agent CLIs and their parsers');

const missionId = '01JPOLICYTESTMISSION000000';
const mission = { missionId, prompt: 'do it', promptFile: '/tmp/p.md' };
const j = (v: unknown) => JSON.stringify(v);

t.test('each policy becomes its Claude Code flags, and a flag the configured command has wins', async (t) => {
  const argv = (command: string[], policy?: 'edits' | 'readonly' | 'full') => claudeCodeAdapter.invocation(command, { ...mission, policy }).argv;
  const edits = argv(['claude'], 'edits');
  t.same(argv(['claude']), edits, 'edits is the default');
  t.same(edits.slice(4, 7), ['--verbose', '--permission-mode', 'acceptEdits']);
  t.match(edits[7], /^--allowedTools=Bash\(git:\*\),Bash\(npm:\*\),Bash\(npx:\*\),Bash\(node:\*\),/, 'build and test programs, in one --flag=list argument');
  t.equal(edits.at(-1), 'do it', 'the prompt stays last: a variadic list flag cannot swallow it');
  t.same(argv(['claude'], 'readonly').slice(4), ['--verbose', '--permission-mode', 'default', `--allowedTools=Edit(${missionDocsDir(missionId)}/**)`, 'do it']);
  t.same(argv(['claude'], 'full').slice(4), ['--verbose', '--dangerously-skip-permissions', 'do it']);
  t.same(argv(['claude', '--permission-mode', 'plan'], 'edits'), ['claude', '--permission-mode', 'plan', '-p', '--output-format', 'stream-json', '--verbose', permissionFlags('edits', missionId)[2]!, 'do it'],
    'the command’s own mode is kept, not doubled');
  t.same(argv(['claude', '--allowedTools=Read'], 'readonly'), ['claude', '--allowedTools=Read', '-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'default', 'do it']);
  t.same(argv(['claude', '--dangerously-skip-permissions'], 'readonly').filter((a) => a.startsWith('--permission-mode') || a.startsWith('--dangerously')), ['--dangerously-skip-permissions']);
});

t.test('thinking stages run readonly under edits; full needs the workstation’s opt-in, else it is downgraded', async (t) => {
  t.same(effectivePolicy('edits', 'clarify', false), { policy: 'readonly' });
  t.same(effectivePolicy('edits', 'plan', false), { policy: 'readonly' });
  t.same(effectivePolicy('edits', 'execute', false), { policy: 'edits' });
  t.same(effectivePolicy('edits', 'review-code', false), { policy: 'edits' }, 'a custom stage keeps the mission’s policy');
  t.same(effectivePolicy('readonly', 'execute', false), { policy: 'readonly' });
  t.same(effectivePolicy('full', 'execute', true), { policy: 'full' });
  t.same(effectivePolicy('full', 'plan', true), { policy: 'full' }, 'an opted-in full holds in every stage');
  t.match(effectivePolicy('full', 'execute', false), { policy: 'edits', downgraded: { requested: 'full', reason: /allowFullAgentPermissions/ } });
  t.match(effectivePolicy('full', 'clarify', false), { policy: 'readonly', downgraded: { requested: 'full' } });
});

t.test('a denial becomes agent.permission_denied with the tool and the path it wanted, counted once', async (t) => {
  const write = { type: 'assistant', message: { content: [{ type: 'tool_use', id: 'toolu_denied_1', name: 'Write', input: { file_path: '/wt/src/a.ts', content: 'x' } }] } };
  t.match(claudeCodeAdapter.parseLine(j(write)), [{ kind: 'agent.tool_call' }]);
  const denied = claudeCodeAdapter.parseLine(j({ type: 'system', subtype: 'permission_denied', tool_name: 'Write', tool_use_id: 'toolu_denied_1',
    decision_reason_type: 'mode', message: 'Cannot write to /wt/src/a.ts while in plan mode.', session_id: 's' }));
  t.same(denied, [{ kind: 'agent.permission_denied', data: { tool: 'Write', path: '/wt/src/a.ts', toolUseId: 'toolu_denied_1', reason: 'mode', message: 'Cannot write to /wt/src/a.ts while in plan mode.' } }]);
  const result = claudeCodeAdapter.parseLine(j({ type: 'user', message: { content: [{ type: 'tool_result', tool_use_id: 'toolu_denied_1', is_error: true, content: 'Cannot write to /wt/src/a.ts while in plan mode.' }] } }));
  t.same(result.map((e) => e.kind), ['agent.tool_result'], 'the tool result that follows is not a second denial');

  const bash = { type: 'assistant', message: { content: [{ type: 'tool_use', id: 'toolu_denied_2', name: 'Bash', input: { command: 'curl example.com' } }] } };
  claudeCodeAdapter.parseLine(j(bash));
  const fromResult = claudeCodeAdapter.parseLine(j({ type: 'user', message: { content: [{ type: 'tool_result', tool_use_id: 'toolu_denied_2', is_error: true, content: 'This command requires approval' }] } }));
  t.match(fromResult, [{ kind: 'agent.tool_result' }, { kind: 'agent.permission_denied', data: { tool: 'Bash', command: 'curl example.com', source: 'tool_result' } }],
    'a CLI that only says so in the tool result is read too');
  const failed = claudeCodeAdapter.parseLine(j({ type: 'user', message: { content: [{ type: 'tool_result', tool_use_id: 'x', is_error: true, content: 'npm ERR! test failed' }] } }));
  t.same(failed.map((e) => e.kind), ['agent.tool_result'], 'an ordinary failing command is no denial');
});

/** The real CLI through launchAgent (as the runner launches it) in a fresh git worktree. */
async function runReal(t: Test, policy: 'edits' | 'readonly', turns: Turn[]) {
  const server = await startAnthropicModelServer({ turns });
  t.teardown(() => server.close());
  const cwd = realpathSync(tempDir('su-claude-wt-'));
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd });
  const log = eventLog();
  const home = tempDir('su-claude-run-');
  const run = launchAgent({
    adapter: claudeCodeAdapter, agent: { name: 'claude-code', command: [claudeBin], env: claudeEnv(server.url) }, cwd, missionId, policy,
    prompt: 'Follow the plan.', promptFile: join(home, 'prompt.md'), logFile: join(home, 'agent.log'),
    stallTimeoutMs: 60_000, wallTimeoutMs: 120_000, killGraceMs: 1000, onEvent: log.onEvent,
  });
  const result = await run.done;
  return { result, cwd, events: log.events, server };
}

const writeTurns = (command: string): Turn[] => [
  { blocks: ({ cwd }) => [toolUse('Write', { file_path: join(cwd!, 'src/hello.ts'), content: 'export const hello = 1;\n' })] },
  { blocks: ({ cwd }) => [toolUse('Write', { file_path: join(cwd!, missionDocsDir(missionId), 'solution.md'), content: '# Plan\n' })] },
  { blocks: [toolUse('Bash', { command, description: 'check' })] },
  { blocks: [text('Finished.')] },
];

t.test('real Claude Code under edits writes code and docs and runs the build tools', async (t) => {
  const { result, cwd, events, server } = await runReal(t, 'edits', writeTurns('npm --version'));
  t.equal(result.outcome, 'succeeded', result.reason ?? 'succeeded');
  t.equal(readFileSync(join(cwd, 'src/hello.ts'), 'utf8'), 'export const hello = 1;\n');
  t.ok(existsSync(join(cwd, missionDocsDir(missionId), 'solution.md')));
  t.same(events.filter((e) => e.kind === 'agent.permission_denied'), []);
  const bash = events.find((e) => e.kind === 'agent.tool_result' && e.data.toolUseId && !e.data.isError && /^\d+\.\d+/.test(e.data.content));
  t.ok(bash, 'npm ran and its version came back');
  t.equal(server.conversation()[0]!.cwd, cwd, 'the model saw the worktree as the working directory');
});

t.test('real Claude Code under readonly may write the mission docs but not the code, and says so', async (t) => {
  const { result, cwd, events } = await runReal(t, 'readonly', writeTurns('npm --version'));
  t.equal(result.outcome, 'succeeded', 'the agent finishes; the denials are on the timeline');
  t.notOk(existsSync(join(cwd, 'src/hello.ts')), 'no code written');
  t.equal(readFileSync(join(cwd, missionDocsDir(missionId), 'solution.md'), 'utf8'), '# Plan\n', 'the plan was written');
  const denied = events.filter((e) => e.kind === 'agent.permission_denied');
  t.match(denied, [{ data: { tool: 'Write', path: join(cwd, 'src/hello.ts') } }, { data: { tool: 'Bash', command: 'npm --version' } }]);
  t.equal(denied.length, 2);
});
