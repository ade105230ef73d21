import t from 'tap';
import { claudeCodeAdapter } from '../../src/agents/adapters/claude-code.ts';
import { codexAdapter } from '../../src/agents/adapters/codex.ts';
import { customAdapter } from '../../src/agents/adapters/custom.ts';
import { maxPromptArgBytes } from '../../src/agents/adapters/types.ts';

const mission = { missionId: 'M1', prompt: 'do it', promptFile: '/tmp/p.md' };
const j = (v: unknown) => JSON.stringify(v);

t.test('Claude Code gets print mode, stream-json and the prompt; a long prompt goes through stdin', async (t) => {
  t.same(claudeCodeAdapter.invocation(['claude'], mission), { argv: ['claude', '-p', '--output-format', 'stream-json', '--verbose', 'do it'] });
  t.same(claudeCodeAdapter.invocation(['claude', '-p', '--output-format', 'stream-json', '--verbose'], mission).argv,
    ['claude', '-p', '--output-format', 'stream-json', '--verbose', 'do it'], 'flags already there are not repeated');
  const long = 'x'.repeat(maxPromptArgBytes + 1);
  t.same(claudeCodeAdapter.invocation(['claude'], { ...mission, prompt: long }), { argv: ['claude', '-p', '--output-format', 'stream-json', '--verbose'], input: long });
  t.same(claudeCodeAdapter.invocation(['claude', '-p', 'Follow {promptFile}'], mission).argv,
    ['claude', '-p', 'Follow /tmp/p.md', '--output-format', 'stream-json', '--verbose'], 'a command naming {promptFile} takes the prompt from there');
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

t.test('Codex gets exec --json and the prompt, or - and stdin', async (t) => {
  t.same(codexAdapter.invocation(['codex', 'exec', '--json'], mission), { argv: ['codex', 'exec', '--json', 'do it'] });
  t.same(codexAdapter.invocation(['/opt/codex'], mission), { argv: ['/opt/codex', 'exec', '--json', 'do it'] });
  const long = 'x'.repeat(maxPromptArgBytes + 1);
  t.same(codexAdapter.invocation(['codex', 'exec', '--json'], { ...mission, prompt: long }), { argv: ['codex', 'exec', '--json', '-'], input: long });
});

t.test('Codex JSONL thread events become structured events', async (t) => {
  const lines = [
    { type: 'thread.started', thread_id: 'th_1' },
    { type: 'turn.started' },
    { type: 'item.completed', item: { id: 'i0', type: 'reasoning', text: 'thinking' } },
    { type: 'item.started', item: { id: 'i1', type: 'command_execution', command: 'bash -lc ls', status: 'in_progress' } },
    { type: 'item.completed', item: { id: 'i1', type: 'command_execution', command: 'bash -lc ls', aggregated_output: 'a\nb', exit_code: 0, status: 'completed' } },
    { type: 'item.completed', item: { id: 'i2', type: 'file_change', changes: [{ path: 'a.ts', kind: 'update' }], status: 'completed' } },
    { type: 'item.completed', item: { id: 'i3', type: 'agent_message', text: 'Done.' } },
    { type: 'turn.completed', usage: { input_tokens: 10, cached_input_tokens: 0, output_tokens: 5 } },
  ];
  const events = lines.flatMap((l) => codexAdapter.parseLine(j(l)));
  t.same(events, [
    { kind: 'agent.system', data: { subtype: 'thread.started', sessionId: 'th_1' } },
    { kind: 'agent.thinking', data: { text: 'thinking' } },
    { kind: 'agent.tool_call', data: { id: 'i1', name: 'command', input: { command: 'bash -lc ls' } } },
    { kind: 'agent.tool_result', data: { toolUseId: 'i1', name: 'command', isError: false, exitCode: 0, content: 'a\nb' } },
    { kind: 'agent.file_change', data: { id: 'i2', status: 'completed', changes: [{ path: 'a.ts', kind: 'update' }] } },
    { kind: 'agent.message', data: { text: 'Done.' } },
    { kind: 'agent.result', data: { isError: false, usage: { input_tokens: 10, cached_input_tokens: 0, output_tokens: 5 } } },
  ]);
  t.same(codexAdapter.parseLine(j({ type: 'turn.failed', error: { message: 'rate limited' } })), [{ kind: 'agent.error', data: { message: 'rate limited' } }]);
  t.same(codexAdapter.parseLine(j({ id: '0', msg: { type: 'agent_message', message: 'legacy hello' } })), [{ kind: 'agent.message', data: { text: 'legacy hello' } }]);
  t.same(codexAdapter.parseLine('Reading prompt from stdin...'), [{ kind: 'agent.output', data: { text: 'Reading prompt from stdin...' } }]);
});

t.test('custom commands: {promptFile} everywhere, lines are output unless they carry a valid kind', async (t) => {
  t.same(customAdapter.invocation(['run-agent', '--prompt={promptFile}', '{promptFile}'], mission), { argv: ['run-agent', '--prompt=/tmp/p.md', '/tmp/p.md'] });
  t.same(customAdapter.parseLine('hello'), [{ kind: 'agent.output', data: { text: 'hello' } }]);
  t.same(customAdapter.parseLine(j({ kind: 'tool.call', data: { name: 'x' } })), [{ kind: 'tool.call', data: { name: 'x' } }]);
  t.same(customAdapter.parseLine(j({ kind: 'progress', percent: 50 })), [{ kind: 'progress', data: { percent: 50 } }]);
  t.same(customAdapter.parseLine(j({ kind: 'Bad Kind!', x: 1 })), [{ kind: 'agent.output', data: { text: j({ kind: 'Bad Kind!', x: 1 }) } }]);
  t.same(customAdapter.parseLine(j({ kind: 7 })), [{ kind: 'agent.output', data: { text: '{"kind":7}' } }]);
  t.same(customAdapter.parseLine('[1,2]'), [{ kind: 'agent.output', data: { text: '[1,2]' } }]);
});
