// The real Codex CLI (pinned 0.171) run by the daemon's mission runner against the scripted
// Responses server: its thread id and token usage (running totals turned into deltas), the thread
// continued with `codex exec resume` from stage to stage and into the next attempt (the model gets
// the earlier conversation), an unknown thread run fresh, and the model API's failures: a usage
// limit ends the attempt `limited` at the time Codex names, a 503 it gives up on is relaunched,
// a 401 fails as refused credentials.
import { join } from 'node:path';
import t from 'tap';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { codexApiKeyEnv, message, type RecordedRequest, reply, type Script, startOpenAiServer, writeCodexHome } from '../helpers/model-server/openai.ts';
import { repoRoot, tempDir } from '../helpers/processes.ts';
import { dataOf, startRunner } from '../agents/runner-harness.ts';

runOnceAcrossEngines(t, 'the real Codex CLI against a scripted model');

const model = await startOpenAiServer(t);
const codexHome = writeCodexHome(tempDir('su-codex-home-'), model.baseUrl);
const codex = { type: 'codex', command: [join(repoRoot, 'node_modules/.bin/codex'), 'exec', '--json'], env: { CODEX_HOME: codexHome, [codexApiKeyEnv]: 'sk-test-dummy' } };
/** How many mission prompts the conversation holds: 1 in a fresh thread, one more per resumed run. */
const prompts = (r: RecordedRequest) => r.userTexts.filter((u) => u.includes('# Mission:')).length;
const inputOf = (r: RecordedRequest) => JSON.stringify(r.body?.input ?? []);

t.test('the thread goes on from stage to stage and into the next attempt; usage arrives as deltas', async (t) => {
  model.setScript((r) => reply(message(`ANSWER-${prompts(r)}`)));
  const { attempt } = await startRunner(codex);
  const first = await attempt({ stages: ['plan', 'execute'], resumeNote: 'first attempt' });
  t.equal(first.finished.status, 'succeeded', first.finished.reason ?? '');
  const sessions = dataOf(first.events, 'agent.session');
  const threadId = sessions[0]!.agentSessionId as string;
  t.match(sessions, [{ agentSessionId: threadId, agent: 'codex', stage: 'plan' }, { agentSessionId: threadId, stage: 'execute' }], 'exec resume kept the thread');
  t.match(dataOf(first.events, 'agent.session_resumed'), [{ agentSessionId: threadId, fromAttemptId: first.attemptId, stage: 'execute' }]);
  t.same(dataOf(first.events, 'agent.message').map((m) => m.text), ['ANSWER-1', 'ANSWER-2'], 'the execute stage’s request held the plan stage’s prompt');
  // Codex reports 100/20 then the thread's 200/40; each stage added 100 in and 20 out.
  t.same(dataOf(first.events, 'agent.usage').map(({ stage: _s, ...u }) => u), [
    { inputTokens: 100, outputTokens: 20, cacheReadTokens: 0, cacheWriteTokens: 0 },
    { inputTokens: 100, outputTokens: 20, cacheReadTokens: 0, cacheWriteTokens: 0 },
  ]);

  const second = await attempt({ resume: { agentSessionId: threadId, fromAttemptId: first.attemptId, reason: 'the pull request got a change request' } });
  t.equal(second.finished.status, 'succeeded', second.finished.reason ?? '');
  t.same(dataOf(second.events, 'agent.session_resumed'), [{ agentSessionId: threadId, fromAttemptId: first.attemptId, reason: 'the pull request got a change request', stage: 'execute' }]);
  const last = model.requests.at(-1)!;
  t.match(inputOf(last), /ANSWER-1[\s\S]*ANSWER-2/, 'the model received the first attempt’s conversation');
  t.same(dataOf(second.events, 'agent.message').map((m) => m.text), ['ANSWER-3']);

  const third = await attempt({ resume: { agentSessionId: '01a24646-0000-7000-8000-000000000000', fromAttemptId: second.attemptId, reason: 'same workstation' } });
  t.equal(third.finished.status, 'succeeded', third.finished.reason ?? '');
  t.match(dataOf(third.events, 'agent.session_fresh'), [{ reason: /no longer knows session 01a24646-0000/ }], 'an unknown thread: fresh, and the timeline says why');
  t.same(dataOf(third.events, 'agent.message').map((m) => m.text), ['ANSWER-1'], 'a new conversation');

  // A retry after a failed attempt: the thread goes on, but that attempt's uncommitted edits are
  // gone with its working tree, and the agent is told so before it trusts its memory of them.
  const retry = await attempt({ resume: { agentSessionId: threadId, fromAttemptId: second.attemptId, reason: 'retry after failed', earlierOutcome: 'failed' } });
  t.equal(retry.finished.status, 'succeeded', retry.finished.reason ?? '');
  const [acquired] = dataOf(retry.events, 'worktree.acquired');
  t.match(dataOf(retry.events, 'agent.session_resumed'), [{ agentSessionId: threadId, earlierOutcome: 'failed', workingTreeReset: acquired!.base }], 'the timeline says the tree was reset, and to which commit');
  const told = model.requests.at(-1)!;
  t.match(inputOf(told), /ANSWER-3/, 'the conversation went on');
  t.match(told.userTexts.at(-1), new RegExp(`Your earlier attempt did not finish[\\s\\S]*ended failed, and what it left uncommitted is gone[\\s\\S]*commit ${String(acquired!.base).slice(0, 12)}`), 'the new prompt says the uncommitted changes are gone, and where the tree stands');
  t.notMatch(model.requests.at(-2)!.userTexts.at(-1) ?? '', /did not finish/, 'a resume after a success says nothing of the kind');
});

t.test('a usage limit ends the attempt limited at the time Codex names; a 503 is relaunched; a 401 fails clearly', async (t) => {
  const { attempt } = await startRunner(codex);
  model.setScript(() => ({ kind: 'fail', status: 429, resetsInSeconds: 3600 }));
  const limited = await attempt();
  t.equal(limited.finished.status, 'limited');
  const until = Date.parse(limited.finished.limitedUntil!);
  // Codex prints the reset to the minute, in local time ("Try again at 1:56 PM.").
  t.ok(Math.abs(until - (Date.now() + 3_600_000)) < 3 * 60_000, `resets in about an hour (${limited.finished.limitedUntil})`);
  t.match(dataOf(limited.events, 'agent.limited'), [{ until: limited.finished.limitedUntil, message: /usage limit/ }]);

  let failing = 4; // more than Codex's own retries of one run (request_max_retries, stream_max_retries = 1)
  const overloaded: Script = () => (failing-- > 0 ? { kind: 'fail', status: 503 } : reply(message('BACK-UP')));
  model.setScript(overloaded);
  const relaunched = await attempt();
  t.equal(relaunched.finished.status, 'succeeded', relaunched.finished.reason ?? '');
  const retries = dataOf(relaunched.events, 'agent.retrying');
  t.match(retries[0], { retry: 1, delayMs: 50, reason: /503/ }, 'the run Codex gave up on was relaunched after a pause');
  t.ok(retries.length <= 3, `${retries.length} relaunches, within the bound`);
  t.same(dataOf(relaunched.events, 'agent.message').map((m) => m.text), ['BACK-UP']);

  model.setScript(() => ({ kind: 'fail', status: 401 }));
  const refused = await attempt();
  t.equal(refused.finished.status, 'failed');
  t.match(refused.finished.reason, /^the agent's credentials were refused by the model API: .*401/);
  t.same(dataOf(refused.events, 'agent.retrying'), []);
});
