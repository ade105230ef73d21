import { isStorableText } from '@solo-unicorn/shared';
import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { claudeCodeAdapter } from '../../src/agents/adapters/claude-code.ts';
import { codexAdapter } from '../../src/agents/adapters/codex.ts';
import { customAdapter } from '../../src/agents/adapters/custom.ts';
import { maxTextChars } from '../../src/agents/adapters/types.ts';
import { launchAgent } from '../../src/agents/launcher.ts';
import { eventLog, missionId } from './helpers.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

/** Every string (keys included) in a value, however deep. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (!v || typeof v !== 'object') return [];
  return Object.entries(v).flatMap(([k, x]) => [k, ...strings(x)]);
}
const allStorable = (v: unknown) => strings(v).every(isStorableText);

// An emoji is two UTF-16 code units: placed at 7,999–8,000, a cut at 8,000 units splits it.
const straddling = `${'a'.repeat(maxTextChars - 1)}😀${'b'.repeat(100)}`;

t.test('a line with an emoji across the 8,000-unit limit is clipped before the emoji, never inside it', async (t) => {
  const j = (v: unknown) => JSON.stringify(v);
  const events = [
    ...customAdapter.parseLine(straddling),
    ...claudeCodeAdapter.parseLine(j({ type: 'assistant', message: { content: [{ type: 'text', text: straddling }] } })),
    ...claudeCodeAdapter.parseLine(j({ type: 'user', message: { content: [{ type: 'tool_result', tool_use_id: 't', content: straddling }] } })),
    ...codexAdapter.parseLine(j({ type: 'item.completed', item: { id: 'i', type: 'command_execution', aggregated_output: straddling, exit_code: 0 } })),
  ];
  t.equal(events.length, 4);
  for (const e of events) {
    const text = (e.data.text ?? e.data.content) as string;
    t.ok(isStorableText(text), `${e.kind} text is storable`);
    t.ok(text.startsWith('a'.repeat(maxTextChars - 1)), 'everything before the emoji is kept');
    t.notOk(text.includes('😀'), 'the emoji is cut whole');
    t.match(text, /… \[102 more chars\]$/, 'says how much was cut, in code units');
  }
});

/** A real child process as the agent, printing `lines` on stdout and `errLines` on stderr. */
async function runPrinter(t: Test, lines: string[], errLines: string[] = []) {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'su-storable-')));
  const script = join(dir, 'agent.mjs');
  // Raw bytes: NUL goes out as a real 0 byte; JSON escapes stay escapes for the adapter to decode.
  writeFileSync(script, `process.stdout.write(${JSON.stringify(lines.join('\n') + '\n')});\nprocess.stderr.write(${JSON.stringify(errLines.join('\n') + '\n')});\n`);
  const log = eventLog();
  const run = launchAgent({
    adapter: customAdapter, agent: { name: 'printer', command: [process.execPath, script] },
    cwd: dir, missionId, prompt: 'p', promptFile: join(dir, 'prompt.md'), logFile: join(dir, 'agent.log'),
    stallTimeoutMs: 30_000, wallTimeoutMs: 60_000, killGraceMs: 200, onEvent: log.onEvent,
  });
  t.teardown(() => run.cancel('teardown'));
  const result = await run.done;
  return { result, events: log.events };
}

t.test('agent output with NUL or a lone surrogate becomes storable event data flagged sanitized', async (t) => {
  const { result, events } = await runPrinter(t, [
    'a\u0000b',
    // A JSON event whose strings decode to a lone high surrogate and a NUL, in a value and a key.
    '{"kind":"agent.message","data":{"text":"half \\ud83d emoji","k\\u0000ey":"x"}}',
    'plain line',
  ], ['err\u0000or']);
  t.equal(result.outcome, 'succeeded');
  t.equal(events.length, 4);
  for (const e of events) t.ok(allStorable(e.data), `${e.kind} data is storable`);
  // stdout and stderr are separate pipes: their relative order is not fixed.
  const [nul, json, plain] = events.filter((e) => e.kind !== 'agent.stderr');
  const stderr = events.find((e) => e.kind === 'agent.stderr');
  t.same(nul, { kind: 'agent.output', data: { text: 'a\uFFFDb', sanitized: true } });
  t.same(json, { kind: 'agent.message', data: { text: 'half \uFFFD emoji', 'k\uFFFDey': 'x', sanitized: true } });
  t.same(plain, { kind: 'agent.output', data: { text: 'plain line' } }, 'clean output is not flagged');
  t.same(stderr, { kind: 'agent.stderr', data: { text: 'err\uFFFDor', sanitized: true } });
});

t.test('a failed agent whose last words straddle the reason limit fails with a storable reason', async (t) => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'su-storable-')));
  const script = join(dir, 'agent.mjs');
  // 4,000 units of reason keep the end: an emoji right at the start of the kept part would be split.
  writeFileSync(script, `process.stderr.write('x\\u0000' + '😀'.repeat(3000) + '\\n'); process.exit(3);\n`);
  const run = launchAgent({
    adapter: customAdapter, agent: { name: 'failer', command: [process.execPath, script] },
    cwd: dir, missionId, prompt: 'p', promptFile: join(dir, 'prompt.md'), logFile: join(dir, 'agent.log'),
    stallTimeoutMs: 30_000, wallTimeoutMs: 60_000, killGraceMs: 200, onEvent() {},
  });
  const result = await run.done;
  t.equal(result.outcome, 'failed');
  t.ok(result.reason!.length <= 4000, `reason is ${result.reason!.length} units`);
  t.ok(isStorableText(result.reason!), 'no half emoji, no NUL');
  t.match(result.reason!, /😀$/);
});
