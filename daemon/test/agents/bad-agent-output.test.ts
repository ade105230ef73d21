// What a broken or hostile agent does to a run, with real child processes: binary, a line of many
// megabytes, invalid JSON, an exit in the middle of a line, an outage that never ends, a CLI gone
// from PATH. Each run ends with a clear outcome and events; none hangs, none takes the daemon's
// memory. (The agent is a small node script: what matters here is the daemon, not the CLI.)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import t from 'tap';
import { claudeCodeAdapter } from '../../src/agents/adapters/claude-code.ts';
import { maxLineBytes, onBoundedLines } from '../../src/agents/bounded-lines.ts';
import { launchAgent } from '../../src/agents/launcher.ts';
import { tempDir } from '../helpers/processes.ts';
import { eventLog } from './helpers.ts';
import { dataOf, startRunner } from './runner-harness.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'the real agent CLIs and their parsers');

/** A node script as the agent's executable (argv after it is the adapter's flags, ignored). */
function agentScript(source: string): string[] {
  const file = join(tempDir('su-bad-agent-'), 'agent.mjs');
  writeFileSync(file, source);
  return [process.execPath, file];
}

t.test('a line past the bound arrives clipped and says how much was dropped; the next line is whole', async (t) => {
  const input = new PassThrough();
  const lines: string[] = [];
  onBoundedLines(input, (l) => lines.push(l), 1024);
  input.write(Buffer.alloc(3000, 'a'));
  input.write(Buffer.from('bbb\nnext line\r\nno newline at the end'));
  input.end();
  await new Promise((r) => input.once('end', r));
  t.equal(lines.length, 3);
  t.equal(lines[0], `${'a'.repeat(1024)}… [1979 more bytes dropped: line too long]`);
  t.equal(lines[1], 'next line', 'CRLF ends a line too');
  t.equal(lines[2], 'no newline at the end', 'the last line counts without its newline');
});

t.test('binary, a 20 MiB line, invalid JSON and an exit mid-line: every line is an event, the run fails with its exit code', async (t) => {
  const cmd = agentScript(`
    const w = (s) => new Promise((r) => process.stdout.write(s, r));
    await w(JSON.stringify({ type: 'system', subtype: 'init', session_id: 'bad-1' }) + '\\n');
    await w(Buffer.from([0x00, 0xff, 0xfe, 0x1b, 0x5b, 0x32, 0x4a, 0x0a]));
    for (let i = 0; i < 20; i++) await w('x'.repeat(1024 * 1024));
    await w('\\n{"type":"assistant","message":{"content":[{"type":"text","text":"not closed"\\n');
    await w('{"type":"result","subtype":"success","is_error":false,"usage":{"input_tok');
    process.exit(3);
  `);
  const log = eventLog();
  const home = tempDir('su-bad-run-');
  const run = launchAgent({
    adapter: claudeCodeAdapter, agent: { name: 'claude-code', command: cmd }, cwd: home, missionId: 'M', prompt: 'go',
    promptFile: join(home, 'p.md'), logFile: join(home, 'agent.log'), stallTimeoutMs: 30_000, wallTimeoutMs: 60_000, killGraceMs: 200, onEvent: log.onEvent,
  });
  const result = await run.done;
  t.equal(result.outcome, 'failed');
  t.equal(result.exitCode, 3);
  t.equal(result.sessionId, 'bad-1', 'what was read before the mess is kept');
  const outputs = log.texts();
  t.equal(outputs.length, 4, 'binary, the long line, the broken JSON and the cut JSON are each one agent.output');
  t.match(outputs[0], /\uFFFD/, 'binary became replacement characters');
  t.ok(outputs[1]!.length < 9000 && /more chars\]$/.test(outputs[1]!), 'the 20 MiB line is an 8,000-unit preview');
  t.match(outputs[3], /^\{"type":"result"/, 'the line cut by the exit is still reported');
  t.same(log.events.filter((e) => e.kind === 'agent.result' || e.kind === 'agent.usage'), [], 'a cut result line counts no usage');
  t.match(result.reason, /agent exited with code 3/);
  t.ok(Buffer.byteLength(outputs.join('')) < maxLineBytes, 'nothing near the line size was held in events');
});

t.test('an outage that never ends is relaunched a bounded number of times, then the attempt fails', async (t) => {
  const overloaded = agentScript(`
    console.log(JSON.stringify({ type: 'system', subtype: 'init', session_id: 'over-1' }));
    console.log(JSON.stringify({ type: 'result', subtype: 'success', is_error: true, api_error_status: 529, result: 'API Error: 529 Overloaded', session_id: 'over-1', usage: {} }));
    process.exit(1);
  `);
  const { attempt } = await startRunner({ type: 'claude-code', command: overloaded }, { retry: { maxRetries: 3, baseDelayMs: 20 } });
  const run = await attempt();
  t.equal(run.finished.status, 'failed');
  t.match(run.finished.reason, /exited with code 1/);
  t.same(dataOf(run.events, 'agent.retrying').map((r) => [r.retry, r.delayMs]), [[1, 20], [2, 40], [3, 80]], 'three relaunches, each pause twice the last');
  t.equal(dataOf(run.events, 'agent.started').length, 4);

  // A pause that would end past the attempt's wall time is not taken.
  const short = await startRunner({ type: 'claude-code', command: overloaded }, { retry: { maxRetries: 3, baseDelayMs: 60_000 }, wallMs: 30_000 });
  const capped = await short.attempt();
  t.equal(capped.finished.status, 'failed');
  t.same(dataOf(capped.events, 'agent.retrying'), [], 'no relaunch past the wall time');
});

t.test('a CLI gone from PATH at launch: agent.launch_failed and a failed attempt, never a hung one', async (t) => {
  const { attempt } = await startRunner({ type: 'claude-code', command: ['/nonexistent/bin/claude'] });
  const run = await attempt();
  t.equal(run.finished.status, 'failed');
  t.match(run.finished.reason, /cannot start agent "claude-code": command not found: \/nonexistent\/bin\/claude/);
  t.match(dataOf(run.events, 'agent.launch_failed'), [{ agent: 'claude-code', reason: /command not found/ }]);
  t.same(dataOf(run.events, 'agent.started'), [], 'no agent.started for a process that never ran');
  t.same(dataOf(run.events, 'agent.retrying'), []);
});
