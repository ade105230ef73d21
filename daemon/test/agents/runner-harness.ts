// The daemon's mission runner with its production parts (repository store, worktree pool, agent
// ledger, launcher) in a temp home, against a bare remote, without a control plane: a test hands it
// assignments the way the control plane would (with `resume` set, or not) and reads what the runner
// reported: the attempt's events in order and how it finished.
import { Writable } from 'node:stream';
import { type MissionAssignFrame, missionAssignFrame, newId } from '@solo-unicorn/shared';
import type { DetectedAgent } from '../../src/agents/detect.ts';
import { createLogger } from '../../src/logger.ts';
import { createAgentLedger } from '../../src/missions/agent-ledger.ts';
import { createMissionRunner } from '../../src/missions/runner.ts';
import type { RetryPolicy } from '../../src/missions/stage-run.ts';
import { createRepositoryStore, createWorktreePool } from '../../src/worktrees/index.ts';
import { bareRemote } from '../helpers/e2e.ts';
import { tempDir } from '../helpers/processes.ts';

export type Assignment = MissionAssignFrame['payload'];
export interface Reported {
  events: { kind: string; data: Record<string, any> }[];
  finished: { status: string; reason?: string; limitedUntil?: string; branch?: string };
}

export async function startRunner(agent: { type: string; command: string[]; env?: Record<string, string> }, opts: { retry?: RetryPolicy; wallMs?: number } = {}) {
  const home = tempDir('su-runner-');
  const log = createLogger('warn', new Writable({ write: (_c, _e, done) => done() }));
  const store = createRepositoryStore({ home, log });
  const pool = await createWorktreePool({ home, store, maxWorktreesPerRepo: 2, diskCapBytes: 1024 ** 3, keepPaths: [], log });
  const reports = new Map<string, { events: Reported['events']; done: (f: Reported['finished']) => void }>();
  const runner = createMissionRunner({
    home, log, pool, store, ledger: createAgentLedger(home), allowFullAgentPermissions: false,
    agents: [{ type: agent.type, version: null, status: 'ok', command: agent.command, env: agent.env } as DetectedAgent],
    identity: { name: 'Test', email: 'test@example.invalid' },
    timeouts: { stallMs: 60_000, wallMs: opts.wallMs ?? 180_000, killGraceMs: 500, docsDebounceMs: 50 },
    retry: opts.retry ?? { maxRetries: 3, baseDelayMs: 50 },
    emit: async (ref, kind, data) => reports.get(ref.attemptId)?.events.push({ kind, data }),
    doc: async () => {},
    // Told one macrotask later, as a control plane would be (the report crosses the network): told
    // at once, the test's next attempt started before the runner had handed the worktree back,
    // took the pool's other worktree and raced the release over the branch (one CI run: a push
    // rejected as behind). A daemon's next assignment always arrives after that hand-back.
    finish: async (ref, status, extra) => void setImmediate(() => reports.get(ref.attemptId)?.done({ status, ...extra })),
  });
  const remote = bareRemote('runner', 'Runner');
  const repository = { id: newId(), url: `file://${remote}`, defaultBranch: 'main' };
  const missionId = newId();

  /** Runs one attempt of the test's mission through `stages`; resolves once it finished. */
  function attempt(over: { stages?: string[]; resume?: Assignment['resume']; resumeNote?: string | null; title?: string; attemptId?: string; events?: Reported['events'] } = {}): Promise<Reported & { attemptId: string }> {
    const attemptId = over.attemptId ?? newId();
    const payload = missionAssignFrame.shape.payload.parse({
      attemptId, purpose: 'run', leaseVersion: 1, leaseExpiresAt: null, agentType: agent.type,
      mission: { id: missionId, projectId: newId(), title: over.title ?? 'Keep the conversation', description: null, stage: null, prMode: 'enabled', targetBranch: 'main' },
      repository, flow: { id: newId(), name: 'test', stages: (over.stages ?? ['execute']).map((name) => ({ name })) }, actor: null,
      resume: over.resume ?? null, resumeNote: over.resumeNote ?? null, prompt: '', docs: [],
    });
    return new Promise((resolve) => {
      const events: Reported['events'] = over.events ?? []; // the caller's, to watch while it runs
      reports.set(attemptId, { events, done: (finished) => resolve({ attemptId, events, finished }) });
      runner.start(payload);
    });
  }
  return { attempt, runner, missionId };
}

/** The events of one kind, their data. */
export const dataOf = (events: Reported['events'], kind: string) => events.filter((e) => e.kind === kind).map((e) => e.data);
