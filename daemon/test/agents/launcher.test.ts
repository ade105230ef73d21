import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { claudeCodeAdapter, permissionFlags } from '../../src/agents/adapters/claude-code.ts';
import { isProcessAlive } from '../../src/agents/process-group.ts';
import { fakeAgent, launchFake, missionId, type Recorded } from './helpers.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

const readRecord = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Recorded;

t.test('a succeeding agent ends succeeded, with its events and a raw log', async (t) => {
  const { run, log, logFile } = launchFake(t, 'succeed');
  t.type(run.pid, 'number');
  const result = await run.done;
  t.same(result, { outcome: 'succeeded', exitCode: 0, signal: null });
  t.ok(log.texts().includes('fake-agent ready'));
  t.ok(log.events.some((e) => e.kind === 'agent.message' && e.data.text === 'all done'), 'a JSON line with a kind is that event');
  const raw = readFileSync(logFile, 'utf8');
  t.match(raw, `working on ${missionId}`);
  t.match(raw, '"kind":"agent.message"');
});

t.test('a failing agent ends failed with its last stderr lines as the reason', async (t) => {
  const { run, log } = launchFake(t, 'fail', { extraEnv: { FAKE_AGENT_EXIT_CODE: '3' } });
  const result = await run.done;
  t.equal(result.outcome, 'failed');
  t.equal(result.exitCode, 3);
  t.match(result.reason, /exited with code 3: fatal: the fake agent failed on purpose/);
  t.ok(log.events.some((e) => e.kind === 'agent.stderr' && /failed on purpose/.test(e.data.text)));
});

t.test('an agent crashing midway keeps the output it printed and fails', async (t) => {
  const { run, log, logFile } = launchFake(t, 'crash-midway');
  const result = await run.done;
  t.equal(result.outcome, 'failed');
  t.match(result.reason, /panic: the fake agent crashed midway/);
  t.same(log.texts().filter((l) => l.startsWith('step')), ['step 1 of 3', 'step 2 of 3']);
  t.match(readFileSync(logFile, 'utf8'), 'panic: the fake agent crashed midway');
});

t.test('a silent agent hits the stall watchdog and its whole process group is gone', async (t) => {
  // 5 s: on a loaded machine Node alone can take seconds to start the agent and its child (and record them).
  const { run, record } = launchFake(t, 'hang', { stallTimeoutMs: 5000, killGraceMs: 200 });
  const result = await run.done;
  t.equal(result.outcome, 'timed_out');
  t.match(result.reason, /stall/);
  const rec = readRecord(record);
  t.type(rec.childPid, 'number', 'the agent had started a child');
  t.notOk(isProcessAlive(rec.pid), 'agent gone');
  t.notOk(isProcessAlive(rec.childPid!), 'its child gone');
});

t.test('processes an agent leaves behind are ended with it before the run is done', async (t) => {
  const { run, record } = launchFake(t, 'succeed', { killGraceMs: 200, extraEnv: { FAKE_AGENT_LEAVE_CHILD: '1' } });
  const result = await run.done;
  t.equal(result.outcome, 'succeeded', 'the agent itself exited 0');
  const rec = readRecord(record);
  t.type(rec.childPid, 'number');
  t.notOk(isProcessAlive(rec.childPid!), 'the background child is gone');
});

t.test('output keeps the stall watchdog quiet', async (t) => {
  // A line every 500 ms for 6 s: the run outlasts the 5 s stall window (the window a loaded
  // machine's node start needs), and only the output keeps the watchdog from firing.
  const { run, log } = launchFake(t, 'slow-output', {
    stallTimeoutMs: 5000, extraEnv: { FAKE_AGENT_INTERVAL_MS: '500', FAKE_AGENT_LINES: '12' },
  });
  const result = await run.done;
  t.equal(result.outcome, 'succeeded', 'total run (~6 s + start) is longer than one stall window, but no gap between lines is');
  t.equal(log.texts().filter((l) => l.startsWith('line ')).length, 12);
});

t.test('an agent running past the wall-time cap is timed out even while it prints', async (t) => {
  // The cap leaves room for a node start on a loaded machine (it has been past 1 s), so the agent prints first.
  const { run, log } = launchFake(t, 'slow-output', {
    stallTimeoutMs: 10_000, wallTimeoutMs: 4000, extraEnv: { FAKE_AGENT_INTERVAL_MS: '20', FAKE_AGENT_LINES: '100000' },
  });
  const result = await run.done;
  t.equal(result.outcome, 'timed_out');
  t.match(result.reason, /wall-time cap/);
  t.ok(log.texts().some((l) => l.startsWith('line ')), 'it was printing');
});

t.test('cancel escalates to SIGKILL after the grace when the agent ignores SIGTERM', async (t) => {
  // Room for the agent to take the SIGTERM and say so before the SIGKILL, on a loaded machine too.
  const killGraceMs = 1500;
  const { run, log, record } = launchFake(t, 'ignore-sigterm', { killGraceMs });
  await log.waitFor((e) => e.data.text === 'fake-agent ready');
  const started = Date.now();
  await run.cancel('mission cancelled by user');
  const elapsed = Date.now() - started;
  const result = await run.done;
  t.same(result, { outcome: 'cancelled', exitCode: null, signal: 'SIGKILL', reason: 'mission cancelled by user' });
  t.ok(elapsed >= killGraceMs, `waited the grace (${elapsed} ms)`);
  await log.waitFor((e) => e.data.text === 'fake-agent ignoring SIGTERM');
  const rec = readRecord(record);
  t.notOk(isProcessAlive(rec.pid), 'agent gone');
  t.notOk(isProcessAlive(rec.childPid!), 'its SIGTERM-ignoring child gone too');
  await run.cancel('again');
  t.pass('a second cancel after the end is a no-op');
});

t.test('cancel of an agent that honours SIGTERM ends without waiting for the grace', async (t) => {
  const { run, log } = launchFake(t, 'slow-output', { killGraceMs: 5000, extraEnv: { FAKE_AGENT_INTERVAL_MS: '50', FAKE_AGENT_LINES: '100000' } });
  await log.waitFor((e) => e.data.text === 'fake-agent ready');
  const started = Date.now();
  await run.cancel('stop');
  t.ok(Date.now() - started < 4000, 'well before the grace');
  t.same(await run.done, { outcome: 'cancelled', exitCode: null, signal: 'SIGTERM', reason: 'stop' });
});

t.test('{promptFile}, SU_MISSION_ID and SU_MISSION_PROMPT_FILE reach the agent in its worktree; the token does not', async (t) => {
  const prompt = '# Mission\nMake it so.\n';
  const { run, dir, record } = launchFake(t, 'succeed', { prompt, baseEnv: { ...process.env, SU_WORKSTATION_TOKEN: 'secret-token' } });
  t.equal((await run.done).outcome, 'succeeded');
  const rec = readRecord(record);
  const promptFile = join(dir, 'home', 'prompts', `${missionId}.md`);
  t.same(rec.argv, ['--prompt', promptFile]);
  t.equal(rec.cwd, dir);
  t.equal(rec.prompt, prompt);
  t.equal(rec.env.SU_MISSION_ID, missionId);
  t.equal(rec.env.SU_MISSION_PROMPT_FILE, promptFile);
  t.notOk('SU_WORKSTATION_TOKEN' in rec.env);
});

t.test('Claude-style stream-json output becomes structured events', async (t) => {
  const { run, log, record } = launchFake(t, 'stream-json', {
    adapter: claudeCodeAdapter, agent: { name: 'claude-code', command: [process.execPath, fakeAgent] }, prompt: 'PROMPT TEXT',
  });
  t.equal((await run.done).outcome, 'succeeded');
  t.same(readRecord(record).argv, ['-p', '--output-format', 'stream-json', '--verbose', ...permissionFlags('edits', missionId), 'PROMPT TEXT'], 'the default policy, edits');
  t.same(log.events.map((e) => e.kind), [
    'agent.session', 'agent.system', 'agent.message', 'agent.tool_call', 'agent.tool_result', 'agent.output', 'agent.message', 'agent.result', 'agent.usage',
  ]);
  t.same(byKindOf(log.events, 'agent.session'), { agentSessionId: 'fake-session-1', agent: 'claude-code' }, 'the CLI’s session id, as soon as it is known');
  const byKind = (k: string) => byKindOf(log.events, k);
  t.match(byKind('agent.system'), { subtype: 'init', sessionId: 'fake-session-1', model: 'fake-model', tools: 3 });
  t.same(byKind('agent.tool_call'), { id: 'toolu_1', name: 'Bash', input: { command: 'ls' } });
  t.same(byKind('agent.tool_result'), { toolUseId: 'toolu_1', isError: false, content: 'README.md\nsrc' });
  t.same(byKind('agent.output'), { text: 'this line is not JSON {' });
  t.match(byKind('agent.result'), { subtype: 'success', isError: false, costUsd: 0.0123, durationMs: 1234, numTurns: 3 });
});

t.test('a command that does not exist fails the run with a clear reason instead of throwing', async (t) => {
  const { run } = launchFake(t, 'succeed', { agent: { name: 'ghost', command: ['su-no-such-agent-binary', '{promptFile}'] } });
  t.equal(run.pid, null);
  const result = await run.done;
  t.equal(result.outcome, 'failed');
  t.match(result.reason, 'cannot start agent "ghost": command not found: su-no-such-agent-binary');
});

t.test('a missing worktree fails the run instead of throwing', async (t) => {
  const { run } = launchFake(t, 'succeed', { cwd: '/nonexistent/su-worktree' });
  const result = await run.done;
  t.equal(result.outcome, 'failed');
  t.match(result.reason, /cannot start agent "fake"/);
});

t.test('an onEvent that throws does not end the run', async (t) => {
  let calls = 0;
  const { run } = launchFake(t, 'succeed', {
    onEvent() {
      calls++;
      throw new Error('consumer bug');
    },
  });
  t.equal((await run.done).outcome, 'succeeded');
  t.ok(calls >= 3);
});

function byKindOf(events: { kind: string; data: Record<string, any> }[], kind: string) {
  return events.find((e) => e.kind === kind)!.data;
}
