import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { customAdapter } from '../../src/agents/adapters/custom.ts';
import type { AgentAdapter } from '../../src/agents/adapters/types.ts';
import { type LaunchAgentOptions, launchAgent } from '../../src/agents/launcher.ts';

export const fakeAgent = new URL('../fixtures/fake-agent.mjs', import.meta.url).pathname;
export const missionId = '01JAGENTTESTMISSION0000000';

export interface Recorded {
  scenario: string; pid: number; argv: string[]; cwd: string; env: Record<string, string>;
  prompt: string | null; childPid: number | null; docsAtStart: Record<string, string>;
}

/** Events as they arrive, plus a way to await one (past or future). */
export function eventLog() {
  const events: { kind: string; data: Record<string, any> }[] = [];
  const waiters: { test: (e: (typeof events)[number]) => boolean; resolve: () => void }[] = [];
  return {
    events,
    onEvent(kind: string, data: Record<string, unknown>) {
      const e = { kind, data };
      events.push(e);
      for (const w of [...waiters]) if (w.test(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    },
    waitFor(test: (e: (typeof events)[number]) => boolean) {
      if (events.some(test)) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push({ test, resolve }));
    },
    texts: (kind = 'agent.output') => events.filter((e) => e.kind === kind).map((e) => e.data.text as string),
  };
}

/** Launches fake-agent.mjs in a fresh temp worktree. */
export function launchFake(t: Test, scenario: string, over: Partial<LaunchAgentOptions> & { adapter?: AgentAdapter; extraEnv?: Record<string, string> } = {}) {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'su-agent-')));
  const record = join(dir, 'record.json');
  const log = eventLog();
  const { extraEnv, agent, ...rest } = over;
  const env = { FAKE_AGENT_SCENARIO: scenario, FAKE_AGENT_RECORD: record, ...extraEnv, ...agent?.env };
  const run = launchAgent({
    adapter: customAdapter,
    agent: { name: 'fake', command: [process.execPath, fakeAgent, '--prompt', '{promptFile}'], ...agent, env },
    cwd: dir, missionId, prompt: `# Mission ${missionId}\nDo the thing.\n`, promptFile: join(dir, 'home', 'prompts', `${missionId}.md`),
    logFile: join(dir, 'home', 'logs', 'session-1.log'),
    stallTimeoutMs: 10_000, wallTimeoutMs: 30_000, killGraceMs: 200,
    onEvent: log.onEvent,
    ...rest,
  });
  t.teardown(async () => {
    await run.cancel('test teardown');
  });
  return { run, dir, record, log, logFile: join(dir, 'home', 'logs', 'session-1.log') };
}
