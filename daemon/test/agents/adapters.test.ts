import t from 'tap';
import { claudeCodeAdapter, permissionFlags } from '../../src/agents/adapters/claude-code.ts';
import { customAdapter } from '../../src/agents/adapters/custom.ts';
import { maxPromptArgBytes } from '../../src/agents/adapters/types.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

const mission = { missionId: 'M1', prompt: 'do it', promptFile: '/tmp/p.md' };
const j = (v: unknown) => JSON.stringify(v);

t.test('Claude Code gets print mode, stream-json, its permission flags and the prompt; a long prompt goes through stdin', async (t) => {
  const edits = permissionFlags('edits', 'M1'); // the default policy (see claude-code-policy.test.ts)
  t.same(claudeCodeAdapter.invocation(['claude'], mission), { argv: ['claude', '-p', '--output-format', 'stream-json', '--verbose', ...edits, 'do it'] });
  t.same(claudeCodeAdapter.invocation(['claude', '-p', '--output-format', 'stream-json', '--verbose'], mission).argv,
    ['claude', '-p', '--output-format', 'stream-json', '--verbose', ...edits, 'do it'], 'flags already there are not repeated');
  const long = 'x'.repeat(maxPromptArgBytes + 1);
  t.same(claudeCodeAdapter.invocation(['claude'], { ...mission, prompt: long }), { argv: ['claude', '-p', '--output-format', 'stream-json', '--verbose', ...edits], input: long });
  t.same(claudeCodeAdapter.invocation(['claude', '-p', 'Follow {promptFile}'], mission).argv,
    ['claude', '-p', 'Follow /tmp/p.md', '--output-format', 'stream-json', '--verbose', ...edits], 'a command naming {promptFile} takes the prompt from there');
});

t.test('Claude Code lines: a tool_result with block content, a result with is_error, and garbage', async (t) => {
  t.same(claudeCodeAdapter.parseLine(j({ type: 'user', message: { content: [{ type: 'tool_result', tool_use_id: 't1', is_error: true, content: [{ type: 'text', text: 'boom' }] }] } })),
    [{ kind: 'agent.tool_result', data: { toolUseId: 't1', isError: true, content: 'boom' } }]);
  t.match(claudeCodeAdapter.parseLine(j({ type: 'result', subtype: 'error_max_turns', is_error: true, duration_ms: 5 })),
    [{ kind: 'agent.result', data: { subtype: 'error_max_turns', isError: true, durationMs: 5 } }]);
  t.same(claudeCodeAdapter.parseLine('{"type": "assistant", "message": '), [{ kind: 'agent.output', data: { text: '{"type": "assistant", "message": ' } }]);
  t.same(claudeCodeAdapter.parseLine(j({ type: 'assistant' })), [], 'a message without content yields nothing');
  t.same(claudeCodeAdapter.parseLine('   '), []);
  const big = claudeCodeAdapter.parseLine(j({ type: 'assistant', message: { content: [{ type: 'text', text: 'y'.repeat(50_000) }] } }));
  t.ok((big[0]!.data.text as string).length < 10_000, 'huge text is clipped');
});

t.test('Claude Code continues a session with --resume; a command that already resumes keeps its own', async (t) => {
  const edits = permissionFlags('edits', 'M1');
  t.same(claudeCodeAdapter.invocation(['claude'], { ...mission, resumeSessionId: 'sess-1' }).argv,
    ['claude', '--resume=sess-1', '-p', '--output-format', 'stream-json', '--verbose', ...edits, 'do it']);
  t.same(claudeCodeAdapter.invocation(['claude', '-r', 'mine'], { ...mission, resumeSessionId: 'sess-1' }).argv,
    ['claude', '-r', 'mine', '-p', '--output-format', 'stream-json', '--verbose', ...edits, 'do it']);
});

t.test('Claude Code result lines become agent.usage deltas, agent.limited with the reset, or an error the runner can act on', async (t) => {
  // The `result` line of 2.1.332: usage covers this run, total_cost_usd the whole (resumed) session.
  const result = (extra: Record<string, unknown>) => j({ type: 'result', subtype: 'success', session_id: 'usage-s1', num_turns: 2, duration_api_ms: 640,
    usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 3, cache_creation_input_tokens: 2 }, ...extra });
  const first = claudeCodeAdapter.parseLine(result({ total_cost_usd: 0.5 }));
  t.same(first.find((e) => e.kind === 'agent.usage')!.data, { inputTokens: 10, outputTokens: 5, cacheReadTokens: 3, cacheWriteTokens: 2, costUsd: 0.5, numTurns: 2, apiMs: 640 });
  const resumed = claudeCodeAdapter.parseLine(result({ total_cost_usd: 0.75 }));
  t.equal(resumed.find((e) => e.kind === 'agent.usage')!.data.costUsd, 0.25, 'the resumed run is charged its own cost only');

  // A daemon that restarted since knows the session's earlier cost only from the control plane.
  claudeCodeAdapter.seedSessionUsage!('usage-s2', { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.4 });
  const afterRestart = claudeCodeAdapter.parseLine(j({ type: 'result', session_id: 'usage-s2', total_cost_usd: 0.45 })).find((e) => e.kind === 'agent.usage')!.data.costUsd as number;
  t.ok(Math.abs(afterRestart - 0.05) < 1e-9, 'the seeded earlier cost is subtracted');
  claudeCodeAdapter.seedSessionUsage!('usage-s1', { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 });
  t.equal(claudeCodeAdapter.parseLine(result({ total_cost_usd: 1 })).find((e) => e.kind === 'agent.usage')!.data.costUsd, 0.25, 'what this daemon saw wins over a seed');

  const limited = claudeCodeAdapter.parseLine(j({ type: 'result', subtype: 'success', is_error: true, api_error_status: 429, session_id: 'l1',
    result: 'API Error: Request rejected (429) · Claude AI usage limit reached|1796478717' }));
  t.match(limited.find((e) => e.kind === 'agent.limited'), { data: { until: new Date(1796478717000).toISOString(), message: /usage limit reached/ } });
  t.match(claudeCodeAdapter.parseLine(j({ type: 'result', is_error: true, api_error_status: 529, result: 'API Error: 529 Overloaded' })),
    [{ kind: 'agent.result', data: { apiErrorStatus: 529 } }, { kind: 'agent.usage' }, { kind: 'agent.error', data: { reason: 'overloaded', status: 529 } }]);
  t.match(claudeCodeAdapter.parseLine(j({ type: 'result', is_error: true, api_error_status: 401, result: 'Invalid API key · Fix external API key' })).at(-1),
    { kind: 'agent.error', data: { reason: 'auth', status: 401 } });
  t.same(claudeCodeAdapter.parseLine(j({ type: 'result', is_error: true, subtype: 'error_max_turns' })).map((e) => e.kind), ['agent.result', 'agent.usage'],
    'an agent error that is no API failure is left to the exit code');
});

// Codex: codex-adapter.test.ts.

t.test('custom commands: {promptFile} everywhere, lines are output unless they carry a valid kind', async (t) => {
  t.same(customAdapter.invocation(['run-agent', '--prompt={promptFile}', '{promptFile}'], mission), { argv: ['run-agent', '--prompt=/tmp/p.md', '/tmp/p.md'] });
  t.same(customAdapter.parseLine('hello'), [{ kind: 'agent.output', data: { text: 'hello' } }]);
  t.same(customAdapter.parseLine(j({ kind: 'tool.call', data: { name: 'x' } })), [{ kind: 'tool.call', data: { name: 'x' } }]);
  t.same(customAdapter.parseLine(j({ kind: 'progress', percent: 50 })), [{ kind: 'progress', data: { percent: 50 } }]);
  t.same(customAdapter.parseLine(j({ kind: 'Bad Kind!', x: 1 })), [{ kind: 'agent.output', data: { text: j({ kind: 'Bad Kind!', x: 1 }) } }]);
  t.same(customAdapter.parseLine(j({ kind: 7 })), [{ kind: 'agent.output', data: { text: '{"kind":7}' } }]);
  t.same(customAdapter.parseLine('[1,2]'), [{ kind: 'agent.output', data: { text: '[1,2]' } }]);
});
