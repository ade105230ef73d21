// The real Claude Code CLI (pinned 2.1.332) run by the daemon's mission runner against the scripted
// Anthropic server: the session id and token usage it reports, the session carried from stage to
// stage and from one attempt to the next (the model receives the earlier conversation), an unknown
// session started fresh, and the failures of the model API as the CLI reports them: a usage limit
// ends the attempt `limited` with the reset time, overload and a cut stream are relaunched, refused
// credentials fail with a clear reason.
import { execFileSync } from 'node:child_process';
import { readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { claudeCodeAdapter } from '../../src/agents/adapters/claude-code.ts';
import { launchAgent } from '../../src/agents/launcher.ts';
import { claudeBin, claudeEnv } from '../helpers/claude.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { type Failure, startAnthropicModelServer, text, toolUse, type Turn } from '../helpers/model-server/anthropic.ts';
import { tempDir } from '../helpers/processes.ts';
import { eventLog } from '../agents/helpers.ts';
import { dataOf, startRunner } from '../agents/runner-harness.ts';

runOnceAcrossEngines(t, 'the real Claude Code CLI against a scripted model');

/** A model server and a runner whose claude-code agent talks to it; one retry inside the CLI. */
async function claudeRunner(turns: Turn[]) {
  const model = await startAnthropicModelServer({ turns });
  t.teardown(() => model.close());
  const env = { ...claudeEnv(model.url), CLAUDE_CODE_MAX_RETRIES: '1' };
  return { model, ...(await startRunner({ type: 'claude-code', command: [claudeBin], env })) };
}
const messagesOf = (body: any) => JSON.stringify(body?.messages ?? []);

t.test('the session goes on from stage to stage and into the next attempt; usage is reported as deltas', async (t) => {
  const { model, attempt } = await claudeRunner([
    { blocks: [text('PLANNED-7: the plan is ready.')], usage: { input_tokens: 120, output_tokens: 9, cache_read_input_tokens: 30, cache_creation_input_tokens: 15 } },
    { blocks: [text('EXECUTED-7: done.')] },
    { blocks: [text('REWORKED-7: the feedback is addressed.')] },
  ]);

  const first = await attempt({ stages: ['plan', 'execute'], resumeNote: 'first attempt' });
  t.equal(first.finished.status, 'succeeded', first.finished.reason ?? '');
  const sessions = dataOf(first.events, 'agent.session');
  t.equal(sessions.length, 2, 'each stage reports the CLI’s session id');
  const sessionId = sessions[0]!.agentSessionId as string;
  t.match(sessions, [{ agentSessionId: sessionId, agent: 'claude-code', stage: 'plan' }, { agentSessionId: sessionId, stage: 'execute' }], 'the execute stage continued the plan stage’s session');
  t.same(dataOf(first.events, 'agent.session_fresh'), [{ reason: 'first attempt', stage: 'plan' }]);
  t.match(dataOf(first.events, 'agent.session_resumed'), [{ agentSessionId: sessionId, fromAttemptId: first.attemptId, stage: 'execute', reason: /plan stage/ }]);
  const executeTurn = model.conversation().find((r) => r.turn === 1)!;
  t.match(messagesOf(executeTurn.body), /PLANNED-7/, 'the model saw the plan stage’s conversation in the execute stage');

  const usage = dataOf(first.events, 'agent.usage');
  t.match(usage[0], { inputTokens: 120, outputTokens: 9, cacheReadTokens: 30, cacheWriteTokens: 15, numTurns: 1, apiMs: Number, costUsd: Number, stage: 'plan' });
  t.ok(usage[0]!.costUsd > 0, 'the cost the CLI computed');
  const results = dataOf(first.events, 'agent.result');
  t.ok(results[1]!.costUsd > usage[1]!.costUsd, 'the resumed run reports the session’s running cost; agent.usage carries only its own');
  t.equal(Number((usage[0]!.costUsd + usage[1]!.costUsd).toFixed(9)), Number(results[1]!.costUsd.toFixed(9)), 'the deltas add up to the session total');

  const second = await attempt({ resume: { agentSessionId: sessionId, fromAttemptId: first.attemptId, reason: 'the mission came back with review feedback' } });
  t.equal(second.finished.status, 'succeeded', second.finished.reason ?? '');
  t.same(dataOf(second.events, 'agent.session_resumed'), [{ agentSessionId: sessionId, fromAttemptId: first.attemptId, reason: 'the mission came back with review feedback', stage: 'execute' }]);
  t.match(dataOf(second.events, 'agent.started'), [{ resume: sessionId }]);
  const reworkTurn = model.conversation().find((r) => r.turn === 2);
  t.ok(reworkTurn, 'the next attempt’s request carried the two earlier answers');
  t.match(messagesOf(reworkTurn!.body), /PLANNED-7[\s\S]*EXECUTED-7/, 'the model received the first attempt’s conversation');
  t.match(dataOf(second.events, 'agent.message'), [{ text: /REWORKED-7/ }]);

  const unknown = '7d1b3c1e-0000-4000-8000-000000000000';
  const third = await attempt({ resume: { agentSessionId: unknown, fromAttemptId: second.attemptId, reason: 'same workstation' } });
  t.equal(third.finished.status, 'succeeded', `an unknown session is no failure ${third.finished.reason ?? ''}`);
  t.match(dataOf(third.events, 'agent.session_fresh'), [{ reason: new RegExp(`no longer knows session ${unknown}`) }], 'the timeline says why it started fresh');
  t.equal(dataOf(third.events, 'agent.started').length, 2, 'relaunched once, without --resume');
  t.match(dataOf(third.events, 'agent.message'), [{ text: /PLANNED-7/ }], 'the fresh conversation started from the first turn');
});

// The case the note exists for: the agent edited a file, hit its usage limit before anything was
// committed, and the retry resumes its session in a worktree reset since. It still remembers the
// edit; its new prompt says the edit is gone.
t.test('a retry resuming a session that hit its usage limit is told its uncommitted edit is gone', async (t) => {
  const { model, attempt } = await claudeRunner([
    { blocks: ({ cwd }) => [toolUse('Write', { file_path: join(cwd!, 'draft.txt'), content: 'half done\n' })] },
    { blocks: [text('REDONE-9: the draft is written again.')], failures: [{ status: 429, resetAt: new Date(Date.now() + 3_600_000), retryAfterSeconds: 3600 }] },
  ]);
  const first = await attempt();
  t.equal(first.finished.status, 'limited', first.finished.reason ?? '');
  const sessionId = dataOf(first.events, 'agent.session')[0]!.agentSessionId as string;

  const retry = await attempt({ resume: { agentSessionId: sessionId, fromAttemptId: first.attemptId, reason: 'retry after limited', earlierOutcome: 'limited' } });
  t.equal(retry.finished.status, 'succeeded', retry.finished.reason ?? '');
  const [acquired] = dataOf(retry.events, 'worktree.acquired');
  t.match(dataOf(retry.events, 'agent.session_resumed'), [{ agentSessionId: sessionId, earlierOutcome: 'limited', workingTreeReset: acquired!.base }]);
  const asked = messagesOf(model.conversation().at(-1)!.body);
  t.match(asked, /draft\.txt/, 'the model still has its earlier Write in the conversation');
  t.match(asked, /Your earlier attempt did not finish[\s\S]*ended limited, and what it left uncommitted is gone/, 'and is told the edit is gone');
  t.same(dataOf(retry.events, 'git.commit'), [], 'indeed: the draft was not in the tree (nothing to commit after a text-only answer)');
  t.match(dataOf(retry.events, 'agent.message'), [{ text: /REDONE-9/ }]);
});

t.test('a usage limit ends the attempt limited, with the reset time the API gave', async (t) => {
  const reset = new Date(Date.now() + 90 * 60_000);
  const { model, attempt } = await claudeRunner([{ blocks: [text('never served')], failures: [{ status: 429, resetAt: reset, retryAfterSeconds: 5400 }] }]);
  const run = await attempt();
  t.equal(run.finished.status, 'limited');
  t.equal(run.finished.limitedUntil, new Date(Math.floor(reset.getTime() / 1000) * 1000).toISOString(), 'limitedUntil is the reset the API named');
  t.match(dataOf(run.events, 'agent.limited'), [{ until: run.finished.limitedUntil, message: /usage limit reached/ }]);
  t.same(dataOf(run.events, 'agent.retrying'), [], 'a limit is not retried');
  t.equal(model.conversation().length, 1, 'one request: the CLI did not hammer the API');
});

t.test('overload and a cut stream are relaunched with backoff; refused credentials fail clearly', async (t) => {
  // 2.1.332 with CLAUDE_CODE_MAX_RETRIES=1 sends a request twice on a 529, three times on a cut
  // stream (no message_stop), then gives up: the first launch meets the overload, the second the cuts.
  const cut: Failure = { cut: 'mid-message' };
  const flaky: Failure[] = [{ status: 529 }, { status: 529 }, cut, cut, cut];
  const { attempt, model } = await claudeRunner([{ blocks: [text('RECOVERED after the outage')], failures: flaky }]);
  const run = await attempt();
  t.equal(run.finished.status, 'succeeded', run.finished.reason ?? '');
  const retries = dataOf(run.events, 'agent.retrying');
  t.match(retries, [{ retry: 1, delayMs: 50, reason: /529|Overloaded/ }, { retry: 2, delayMs: 100, reason: /Connection|ECONNRESET/ }], 'each relaunch says why and after how long');
  t.equal(dataOf(run.events, 'agent.started').length, 3);
  t.match(dataOf(run.events, 'agent.started').map((s) => s.resume), [undefined, String, String], 'a relaunch continues the session the failed run began');
  t.ok(dataOf(run.events, 'agent.message').some((m) => /RECOVERED/.test(m.text)), 'and the model’s answer came through');
  t.equal(model.conversation().filter((r) => r.served === 'failure').length, flaky.length, 'every failure was played');

  const denied = await claudeRunner([{ blocks: [text('never served')], failures: Array.from({ length: 4 }, () => ({ status: 401 as const })) }]);
  const refused = await denied.attempt();
  t.equal(refused.finished.status, 'failed');
  t.match(refused.finished.reason, /^the agent's credentials were refused by the model API/);
  t.same(dataOf(refused.events, 'agent.retrying'), [], 'refused credentials are not retried');
});

t.test('a session started in one worktree is resumed from another: the CLI finds it by id, no transcript copy needed', async (t) => {
  const model = await startAnthropicModelServer({ turns: [{ blocks: [text('FIRST-TREE answer')] }, { blocks: [text('SECOND-TREE answer')] }] });
  t.teardown(() => model.close());
  const env = claudeEnv(model.url);
  const run = async (resumeSessionId?: string) => {
    const cwd = realpathSync(tempDir('su-claude-tree-'));
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd });
    const log = eventLog();
    const result = await launchAgent({
      adapter: claudeCodeAdapter, agent: { name: 'claude-code', command: [claudeBin], env }, cwd, missionId: 'M', prompt: 'Carry on.', resumeSessionId,
      promptFile: join(cwd, '.prompt.md'), logFile: join(tempDir('su-claude-log-'), 'a.log'), stallTimeoutMs: 60_000, wallTimeoutMs: 120_000, killGraceMs: 500, onEvent: log.onEvent,
    }).done;
    return { cwd, result, log };
  };
  const first = await run();
  t.equal(first.result.outcome, 'succeeded', first.result.reason ?? '');
  const projects = readdirSync(join(env.CLAUDE_CONFIG_DIR!, 'projects'));
  t.same(projects, [first.cwd.replaceAll('/', '-')], 'the transcript is kept under the first worktree’s folder');
  const second = await run(first.result.sessionId);
  t.equal(second.result.outcome, 'succeeded', second.result.reason ?? '');
  t.equal(second.result.sessionId, first.result.sessionId, 'the same session, in a new worktree');
  const resumedTurn = model.conversation().find((r) => r.turn === 1);
  t.match(messagesOf(resumedTurn?.body), /FIRST-TREE answer/, 'the model received the conversation held in the other worktree');
  const history = messagesOf(resumedTurn?.body);
  t.ok(history.lastIndexOf(second.cwd) > history.indexOf(first.cwd), 'and was told of the new worktree after the earlier one');
});
