import { isStorableText } from '@solo-unicorn/shared';
import fc from 'fast-check';
import t from 'tap';
import { claudeCodeAdapter } from '../../src/agents/adapters/claude-code.ts';
import { codexAdapter } from '../../src/agents/adapters/codex.ts';
import { customAdapter } from '../../src/agents/adapters/custom.ts';
import { geminiAdapter } from '../../src/agents/adapters/gemini.ts';
import { isEventKind } from '../../src/agents/adapters/types.ts';
import { storableData } from '../../src/agents/launcher.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'the real agent CLIs and their parsers');

// Standing gate: what an agent CLI prints is input. Every adapter's parser gets lines shaped like
// the CLIs' stream events (Claude Code stream-json, Codex JSONL, Gemini stream-json, custom `{kind,data}`) with hostile
// leaves, plus garbage. Asserted per line: no throw, every event has a protocol-valid kind, and
// its data, once made storable as the launcher does, is bounded, storable text.
const CASES = Number(process.env.SU_FUZZ_AGENT_CASES ?? 3000);
const SEED = Number(process.env.SU_FUZZ_SEED ?? Date.now() % 2 ** 31);

const hostileString = fc.oneof(
  fc.constantFrom('\u0000', 'a\ud800b', '\udfff', '🦄'.repeat(3000), 'x'.repeat(20_000), '', 'permission_denied', 'Read-only file system', '__proto__'),
  fc.string({ unit: 'binary', maxLength: 30 }),
);
const leaf = fc.oneof(hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(hostileString, tie('v'), { maxKeys: 4 })),
})).v;
const typeName = fc.constantFrom(
  'system', 'assistant', 'user', 'result', 'stream_event', 'thread.started', 'turn.started', 'turn.completed', 'turn.failed',
  'item.started', 'item.updated', 'item.completed', 'error', 'agent.message', 'Bad Kind!',
  'init', 'message', 'tool_use', 'tool_result',
);
const blockType = fc.constantFrom('text', 'thinking', 'tool_use', 'tool_result', 'agent_message', 'reasoning', 'command_execution', 'file_change', 'mcp_tool_call');
const block = fc.record({ type: blockType, text: value, thinking: value, id: value, name: value, input: value, content: value, tool_use_id: value, is_error: value, command: value, aggregated_output: value, exit_code: value, status: value, changes: value }, { requiredKeys: ['type'] });
const shaped = fc.record({
  type: typeName,
  kind: fc.oneof(typeName, hostileString),
  subtype: fc.oneof(fc.constantFrom('init', 'permission_denied', 'success', 'error_max_turns'), hostileString),
  session_id: value, thread_id: value, tool_name: value, tool_input: value, message: fc.oneof(value, fc.record({ content: fc.oneof(value, fc.array(block, { maxLength: 3 })) })),
  item: fc.oneof(value, block), usage: value, error: value, data: value, result: value, msg: value,
  role: value, content: value, delta: value, tool_id: value, parameters: value, output: value, stats: value, status: value,
}, { requiredKeys: ['type'] });
const line = fc.oneof(
  { weight: 6, arbitrary: shaped.map((o) => JSON.stringify(o)) },
  { weight: 1, arbitrary: value.map((v) => JSON.stringify(v) ?? '') },
  { weight: 1, arbitrary: hostileString },
);

t.test(`agent parsers turn any line into valid, storable events (${CASES} lines × 4 adapters, seed ${SEED})`, async (t) => {
  const failures: string[] = [];
  let cases = 0;
  let events = 0;
  for (const text of fc.sample(line, { numRuns: CASES, seed: SEED })) {
    for (const adapter of [claudeCodeAdapter, codexAdapter, geminiAdapter, customAdapter]) {
      cases++;
      try {
        for (const e of adapter.parseLine(text)) {
          events++;
          const data = JSON.stringify(storableData(e.data));
          if (!isEventKind(e.kind)) failures.push(`${adapter.name}: bad kind ${JSON.stringify(e.kind)} from ${text.slice(0, 120)}`);
          else if (!isStorableText(data)) failures.push(`${adapter.name}: unstorable data from ${text.slice(0, 120)}`);
          else if (data.length > 128 * 1024) failures.push(`${adapter.name}: ${data.length} chars of data from one line`);
        }
      } catch (err) {
        failures.push(`${adapter.name} threw ${(err as Error).message} on ${text.slice(0, 120)}`);
      }
    }
  }
  t.comment(`gate fuzz-agent-output: ${cases} cases, ${failures.length} failures, ${events} events, seed ${SEED}`);
  t.same(failures.slice(0, 10), [], `${failures.length} failing lines (SU_FUZZ_SEED=${SEED} replays them)`);
});
