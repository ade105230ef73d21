// The Codex adapter: what argv each permission policy becomes, and what the JSONL stream becomes.
// The flags are the ones codex-cli 0.171 accepts (`codex exec --help`); the real binary runs them in
// codex-policy.test.ts and e2e/real-codex.test.ts.
import t from 'tap';
import { codexAdapter } from '../../src/agents/adapters/codex.ts';
import { maxPromptArgBytes } from '../../src/agents/adapters/types.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

const mission = { missionId: 'M1', prompt: 'do it', promptFile: '/tmp/p.md' };
const j = (v: unknown) => JSON.stringify(v);
const base = ['codex', 'exec', '--json'];
const never = ['-c', 'approval_policy="never"'];

t.test('edits (and no policy) run in the workspace-write sandbox and never ask for approval', async (t) => {
  const edits = [...base, '--sandbox', 'workspace-write', ...never, '--skip-git-repo-check', 'do it'];
  t.same(codexAdapter.invocation(base, { ...mission, policy: 'edits' }), { argv: edits });
  t.same(codexAdapter.invocation(base, mission), { argv: edits }, 'no policy means edits');
  t.same(codexAdapter.invocation(['/opt/codex'], mission).argv, ['/opt/codex', 'exec', '--json', ...edits.slice(3)], 'a bare binary gets exec');
});

t.test('readonly runs under a permission profile that writes only the mission docs; full bypasses sandbox and approvals', async (t) => {
  t.same(codexAdapter.invocation(base, { ...mission, policy: 'readonly' }).argv, [
    ...base, '-c', 'default_permissions="solo_unicorn_readonly"',
    '-c', `permissions.solo_unicorn_readonly.filesystem={":root"="read", ":project_roots"={"."="read", "solo-unicorn-docs/missions/${mission.missionId}"="write"}}`,
    ...never, '--skip-git-repo-check', 'do it',
  ]);
  t.same(codexAdapter.invocation([...base, '-c', 'default_permissions="mine"'], { ...mission, policy: 'readonly' }).argv,
    [...base, '-c', 'default_permissions="mine"', ...never, '--skip-git-repo-check', 'do it'], 'a workstation’s own permission profile wins');
  t.same(codexAdapter.invocation(base, { ...mission, policy: 'full' }).argv,
    [...base, '--dangerously-bypass-approvals-and-sandbox', '--skip-git-repo-check', 'do it']);
});

t.test('a configured command that picks its own sandbox or approval policy keeps it, and no flag is repeated', async (t) => {
  t.same(codexAdapter.invocation([...base, '-s', 'danger-full-access', '--skip-git-repo-check'], { ...mission, policy: 'readonly' }).argv,
    [...base, '-s', 'danger-full-access', '--skip-git-repo-check', ...never, 'do it']);
  t.same(codexAdapter.invocation([...base, '-c', 'sandbox_mode="read-only"', '--config=approval_policy="on-request"'], mission).argv,
    [...base, '-c', 'sandbox_mode="read-only"', '--config=approval_policy="on-request"', '--skip-git-repo-check', 'do it']);
  t.same(codexAdapter.invocation([...base, '--dangerously-bypass-approvals-and-sandbox'], { ...mission, policy: 'readonly' }).argv,
    [...base, '--dangerously-bypass-approvals-and-sandbox', '--skip-git-repo-check', 'do it']);
  t.same(codexAdapter.invocation([...base, '--sandbox', 'workspace-write', '-capproval_policy="never"'], { ...mission, policy: 'full' }).argv,
    [...base, '--sandbox', 'workspace-write', '-capproval_policy="never"', '--skip-git-repo-check', 'do it'], 'full adds no bypass over an explicit sandbox');
});

t.test('exec resume, which has no --sandbox flag, gets the sandbox as a config override', async (t) => {
  t.same(codexAdapter.invocation(['codex', 'exec', 'resume', '--last', '--json'], mission).argv,
    ['codex', 'exec', 'resume', '--last', '--json', '-c', 'sandbox_mode="workspace-write"', ...never, '--skip-git-repo-check', 'do it']);
});

t.test('a long prompt goes through stdin as -, a {promptFile} command takes it from the file', async (t) => {
  const long = 'x'.repeat(maxPromptArgBytes + 1);
  t.same(codexAdapter.invocation(base, { ...mission, prompt: long }),
    { argv: [...base, '--sandbox', 'workspace-write', ...never, '--skip-git-repo-check', '-'], input: long });
  t.same(codexAdapter.invocation([...base, 'Follow {promptFile}'], mission).argv,
    [...base, 'Follow /tmp/p.md', '--sandbox', 'workspace-write', ...never, '--skip-git-repo-check']);
});

t.test('the JSONL thread events of codex 0.171 become structured events: session id, commands, file changes, usage', async (t) => {
  // Lines as the real binary printed them against the scripted model server.
  const lines = [
    { type: 'thread.started', thread_id: '01a24575-1da6-7642-8962-91cf954b4df3' },
    { type: 'item.completed', item: { id: 'item_0', type: 'error', message: 'Model metadata for `test-model` not found. Defaulting to fallback metadata; this can degrade performance and cause issues.' } },
    { type: 'turn.started' },
    { type: 'item.completed', item: { id: 'item_1', type: 'reasoning', text: 'thinking' } },
    { type: 'item.started', item: { id: 'item_2', type: 'command_execution', command: "/bin/bash -lc 'cat hello.txt'", aggregated_output: '', exit_code: null, status: 'in_progress' } },
    { type: 'item.completed', item: { id: 'item_2', type: 'command_execution', command: "/bin/bash -lc 'cat hello.txt'", aggregated_output: 'hello\n', exit_code: 0, status: 'completed' } },
    { type: 'item.completed', item: { id: 'item_3', type: 'file_change', changes: [{ path: '/w/hello.txt', kind: 'add' }], status: 'completed' } },
    { type: 'item.completed', item: { id: 'item_4', type: 'agent_message', text: 'All done.' } },
    { type: 'turn.completed', usage: { input_tokens: 300, cached_input_tokens: 120, cache_write_input_tokens: 0, output_tokens: 60, reasoning_output_tokens: 7 } },
  ];
  const run = {};
  t.same(lines.flatMap((l) => codexAdapter.parseLine(j(l), run)), [
    { kind: 'agent.session', data: { agentSessionId: '01a24575-1da6-7642-8962-91cf954b4df3', agent: 'codex' } },
    { kind: 'agent.system', data: { subtype: 'thread.started', sessionId: '01a24575-1da6-7642-8962-91cf954b4df3' } },
    { kind: 'agent.warning', data: { message: 'Model metadata for `test-model` not found. Defaulting to fallback metadata; this can degrade performance and cause issues.' } },
    { kind: 'agent.thinking', data: { text: 'thinking' } },
    { kind: 'agent.tool_call', data: { id: 'item_2', name: 'command', input: { command: "/bin/bash -lc 'cat hello.txt'" } } },
    { kind: 'agent.tool_result', data: { toolUseId: 'item_2', name: 'command', isError: false, exitCode: 0, content: 'hello\n' } },
    { kind: 'agent.file_change', data: { id: 'item_3', status: 'completed', changes: [{ path: '/w/hello.txt', kind: 'add' }] } },
    { kind: 'agent.message', data: { text: 'All done.' } },
    { kind: 'agent.result', data: {
      isError: false,
      tokens: { input: 180, output: 60, cacheRead: 120, cacheWrite: 0, reasoning: 7 },
      usage: { input_tokens: 300, cached_input_tokens: 120, cache_write_input_tokens: 0, output_tokens: 60, reasoning_output_tokens: 7 },
    } },
    { kind: 'agent.usage', data: { inputTokens: 180, outputTokens: 60, cacheReadTokens: 120, cacheWriteTokens: 0 } },
  ]);
});

t.test('a resumed thread reports running totals; agent.usage carries only what this run added', async (t) => {
  const thread = '01a24646-c5cc-7441-be5d-4670c90a8774';
  const usage = (input: number, cached: number, output: number) => j({ type: 'turn.completed', usage: { input_tokens: input, cached_input_tokens: cached, output_tokens: output } });
  const first = {};
  codexAdapter.parseLine(j({ type: 'thread.started', thread_id: thread }), first);
  t.same(codexAdapter.parseLine(usage(100, 0, 20), first).find((e) => e.kind === 'agent.usage')!.data,
    { inputTokens: 100, outputTokens: 20, cacheReadTokens: 0, cacheWriteTokens: 0 });
  // `codex exec resume` of the same thread: 0.171 printed 200/40 after one more 100/20 request.
  const resumed = {};
  codexAdapter.parseLine(j({ type: 'thread.started', thread_id: thread }), resumed);
  t.same(codexAdapter.parseLine(usage(200, 60, 40), resumed).find((e) => e.kind === 'agent.usage')!.data,
    { inputTokens: 40, outputTokens: 20, cacheReadTokens: 60, cacheWriteTokens: 0 });
});

t.test('a thread resumed after a daemon restart: the recorded usage so far is subtracted', async (t) => {
  const thread = 'seeded-thread-after-restart';
  codexAdapter.seedSessionUsage!(thread, { inputTokens: 70, outputTokens: 20, cacheReadTokens: 30, cacheWriteTokens: 0, costUsd: null });
  const run = {};
  codexAdapter.parseLine(j({ type: 'thread.started', thread_id: thread }), run);
  t.same(codexAdapter.parseLine(j({ type: 'turn.completed', usage: { input_tokens: 200, cached_input_tokens: 60, output_tokens: 40 } }), run).find((e) => e.kind === 'agent.usage')!.data,
    { inputTokens: 70, outputTokens: 20, cacheReadTokens: 30, cacheWriteTokens: 0 });
  codexAdapter.seedSessionUsage!(thread, { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: null });
  t.same(codexAdapter.parseLine(j({ type: 'turn.completed', usage: { input_tokens: 210, cached_input_tokens: 60, output_tokens: 45 } }), run).find((e) => e.kind === 'agent.usage')!.data,
    { inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0 }, 'what this daemon saw itself wins over a later seed');
});

t.test('exec resume: the thread id goes before the prompt, after the flags', async (t) => {
  const { argv } = codexAdapter.invocation(['codex', 'exec', '--json'], { missionId: 'M', prompt: 'go on', promptFile: '/p', policy: 'edits', resumeSessionId: 'T-1' });
  t.same(argv, ['codex', 'exec', 'resume', '--json', '-c', 'sandbox_mode="workspace-write"', '-c', 'approval_policy="never"', '--skip-git-repo-check', 'T-1', 'go on']);
});

t.test('model-request failures: retries are api_retry events, a usage limit is marked, the final failure is an error', async (t) => {
  t.same(codexAdapter.parseLine(j({ type: 'error', message: 'Reconnecting... 1/5 (unexpected status 503 Service Unavailable: overloaded)' })),
    [{ kind: 'agent.api_retry', data: { message: 'Reconnecting... 1/5 (unexpected status 503 Service Unavailable: overloaded)', attempt: 1, maxAttempts: 5 } }]);
  const run = {};
  const limited = [j({ type: 'error', message: 'You’ve hit your usage limit. Try again at 10:08 AM.' }), j({ type: 'turn.failed', error: { message: 'You’ve hit your usage limit. Try again at 10:08 AM.' } })]
    .flatMap((l) => codexAdapter.parseLine(l, run));
  t.match(limited, [
    { kind: 'agent.error', data: { message: 'You’ve hit your usage limit. Try again at 10:08 AM.', reason: 'usage_limit' } },
    { kind: 'agent.limited', data: { message: /usage limit/, until: String } },
    { kind: 'agent.error', data: { reason: 'usage_limit' } },
  ], 'agent.limited once per run, with the reset time');
  t.equal(limited.length, 3);
  const until = new Date(limited[1]!.data.until as string);
  t.same([until.getHours(), until.getMinutes()], [10, 8], 'the next 10:08 AM on the workstation’s clock');
  t.ok(until.getTime() > Date.now() && until.getTime() <= Date.now() + 86_400_000);
  t.same(codexAdapter.parseLine(j({ type: 'error', message: 'unexpected status 401 Unauthorized: bad key' })),
    [{ kind: 'agent.error', data: { message: 'unexpected status 401 Unauthorized: bad key', reason: 'auth' } }]);
  t.same(codexAdapter.parseLine(j({ type: 'turn.failed', error: { message: 'unexpected status 503 Service Unavailable: overloaded' } })),
    [{ kind: 'agent.error', data: { message: 'unexpected status 503 Service Unavailable: overloaded', reason: 'overloaded' } }]);
  t.same(codexAdapter.parseLine(j({ id: '0', msg: { type: 'agent_message', message: 'legacy hello' } })), [{ kind: 'agent.message', data: { text: 'legacy hello' } }]);
  t.same(codexAdapter.parseLine('Reading prompt from stdin...'), [{ kind: 'agent.output', data: { text: 'Reading prompt from stdin...' } }]);
});
