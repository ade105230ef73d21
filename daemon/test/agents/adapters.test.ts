import t from 'tap';
import { claudeCodeAdapter, permissionFlags } from '../../src/agents/adapters/claude-code.ts';
import { customAdapter } from '../../src/agents/adapters/custom.ts';
import { maxPromptArgBytes } from '../../src/agents/adapters/types.ts';

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
