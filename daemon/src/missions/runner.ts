import { defaultFlowStages, type MissionAssignFrame } from '@solo-unicorn/shared';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DetectedAgent } from '../agents/detect.ts';
import { type AgentRun, launchAgent } from '../agents/launcher.ts';
import { effectivePolicy } from '../agents/policy.ts';
import { buildPrompt, missionDocsDir } from '../agents/prompt.ts';
import { resolveAgent } from '../agents/registry.ts';
import { type HashedMissionDoc, hashContent, restoreMissionDocs } from '../docs/mission-docs.ts';
import { watchMissionDocs } from '../docs/watcher.ts';
import type { Logger } from '../logger.ts';
import type { AttemptRef } from '../session/outbox.ts';
import type { AgentLedger } from './agent-ledger.ts';
import type { AgentTools } from '../mcp/index.ts';
import { type RetryPolicy, retryPolicyFromEnv, runStage, type StageEnd } from './stage-run.ts';
import { abortMerge, filesWithMarkers, git, type Identity, mergeAndPush, mergeTargetInto, type RepositoryStore, type WorktreePool } from '../worktrees/index.ts';
import { conflictSection } from '../agents/conflict-prompt.ts';
import { diffSummary } from '../worktrees/diff-summary.ts';

type Assignment = MissionAssignFrame['payload'];
type Outcome = 'succeeded' | 'failed' | 'cancelled' | 'timed_out' | 'limited';
type Ending = { status: Outcome; reason?: string; branch?: string; headCommit?: string; limitedUntil?: string };

export interface RunnerDeps {
  home: string;
  log: Logger;
  agents: DetectedAgent[];
  pool: WorktreePool;
  store: RepositoryStore;
  identity: Identity;
  ledger: AgentLedger;
  /** The workstation's opt-in to the `full` permission policy; without it `full` runs as `edits`. */
  allowFullAgentPermissions: boolean;
  /** The worktree pool changed (taken or returned): the daemon reports its inventory. */
  onPoolChange?: () => void;
  timeouts: { stallMs: number; wallMs: number; killGraceMs: number; docsDebounceMs: number };
  /** Relaunches after an overloaded model API (default: SU_AGENT_RETRIES / SU_AGENT_RETRY_BASE_MS, else 3 from 5 s). */
  retry?: RetryPolicy;
  /** Durable reporting (the outbox): every call resolves once the frame is on disk. */
  emit(ref: AttemptRef, kind: string, data: Record<string, unknown>): Promise<unknown>;
  doc(ref: AttemptRef, doc: HashedMissionDoc): Promise<unknown>;
  /** The agent tools (MCP): a token per launch; an agent that asked for review or a question ends the attempt's stages, unmerged. */
  tools?: AgentTools;
  finish(ref: AttemptRef, status: Outcome, extra: { reason?: string; branch?: string; headCommit?: string; limitedUntil?: string }): Promise<unknown>;
}

interface Running {
  ref: AttemptRef;
  agent?: AgentRun;
  cancelled?: string;
  /** Ends a pause between relaunches early (cancel). */
  wake?: () => void;
  /** Returns the attempt's worktree to the pool: run after its end is reported (see `start`). */
  releaseWorktree?: () => Promise<void>;
  done: Promise<void>;
}

/**
 * Runs one assignment end to end: a warm worktree on the mission branch, the stored docs restored,
 * the agent through each remaining stage of the flow (stopping after a stage that needs review),
 * docs streamed as they change, then commit, push and — in direct mode with nothing to review —
 * merge into the target branch. A failing agent is a failed attempt, never a crashed daemon.
 */
export function createMissionRunner(deps: RunnerDeps) {
  const running = new Map<string, Running>();
  /** Worktrees being returned after their attempt ended; `idle` waits for them too. */
  const releasing = new Set<Promise<void>>();

  const retry = deps.retry ?? retryPolicyFromEnv();

  async function run(a: Assignment, r: Running): Promise<Ending> {
    const { ref } = r;
    const m = a.mission;
    if (a.purpose === 'merge') return merge(a, ref);
    const resolved = resolveAgent(deps.agents, a.agentType);
    if (!resolved) return { status: 'failed', reason: 'agent not installed on this workstation' };
    if (!a.repository) return { status: 'failed', reason: 'repository unavailable: the mission has none' };
    const branch = m.branch ?? `su/${m.id.toLowerCase()}`;
    const lease = await deps.pool.acquire({ repository: a.repository, branch, baseBranch: m.targetBranch, missionId: m.id, attemptId: ref.attemptId });
    deps.onPoolChange?.();
    let pushed = false;
    try {
      // Events before the launch are not awaited: the outbox orders them at append time, and
      // waiting for each fsync would only delay the agent's start.
      const note = (kind: string, data: Record<string, unknown>) =>
        void deps.emit(ref, kind, data).catch((err) => deps.log.error({ err, attemptId: ref.attemptId }, 'outbox write failed'));
      note('worktree.acquired', { path: lease.path, branch, resumed: lease.resumed, base: lease.headBefore });
      // Before the docs are restored: the merge wants a clean tree.
      const conflict = a.resolveConflict ? await updateFromTarget(lease.path, m.targetBranch, note) : undefined;
      // A link in the repository where a doc belongs is never followed; the timeline says so.
      const linkSkipped = (path: string) => {
        deps.log.warn({ missionId: m.id, path }, 'symbolic link at a mission doc path not followed');
        note('docs.symlink_skipped', { path });
      };
      await restoreMissionDocs(lease.path, m.id, a.docs, linkSkipped);
      // A sandbox that may write only the docs folder binds it, so it must exist (Codex readonly).
      mkdirSync(join(lease.path, missionDocsDir(m.id)), { recursive: true });
      // Not awaited before the launch: seeded with the restored docs, the watcher misses nothing the
      // agent writes early (and flush() rescans at the end), so the agent need not wait for it.
      const watching = watchMissionDocs({
        worktree: lease.path, missionId: m.id, debounceMs: deps.timeouts.docsDebounceMs,
        known: new Map(a.docs.map((d) => [d.path, hashContent(d.content)])),
        onChange: (doc) => deps.doc(ref, doc).then(() => undefined),
        onError: (err) => deps.log.warn({ err, missionId: m.id }, 'docs watcher error'),
        onSymlink: linkSkipped,
      });
      watching.catch(() => {}); // awaited below; avoid an unhandled rejection meanwhile
      // The last docs are sent while git commits (they touch nothing of each other); both end
      // before the push, so the finish is reported after every doc.
      let closing: Promise<void> | undefined;
      const closeWatcher = () => (closing ??= watching.then(async (watcher) => {
        await watcher.flush();
        await watcher.close();
      }));
      const stages = ((a.flow?.stages as { name: string; requiresReview?: boolean }[] | undefined) ?? defaultFlowStages);
      const from = Math.max(0, stages.findIndex((s) => s.name === m.stage));
      let outcome: StageEnd = { status: 'succeeded' };
      // The session the next stage continues: the earlier attempt's (when the control plane offers
      // one), then each stage's own, so a later stage keeps what the earlier one learnt.
      const resumable = resolved.adapter.canResume(resolved.agent.command);
      let session = a.resume && resumable ? { id: a.resume.agentSessionId, fromAttemptId: a.resume.fromAttemptId, reason: a.resume.reason } : undefined;
      if (session && a.resume?.usageSoFar) resolved.adapter.seedSessionUsage?.(session.id, a.resume.usageSoFar);
      // The session's own attempt did not succeed, and the pool reset the working tree since: the
      // agent may remember edits it never committed, which are gone. Its first prompt here says
      // so (and where the tree stands); later stages of this attempt need not.
      let unfinishedEarlier = session && a.resume?.earlierOutcome && a.resume.earlierOutcome !== 'succeeded'
        ? { outcome: a.resume.earlierOutcome, resetTo: lease.headBefore } : undefined;
      const freshReason = a.resume && !resumable
        ? `the configured ${resolved.agent.name} command cannot continue a session (a plain command, or one that takes {promptFile})`
        : (a.resumeNote ?? 'no earlier agent session to continue');
      try {
        // A clean update from the target needs no agent: the merge commit is pushed below.
        for (const stage of conflict?.clean ? [] : stages.slice(from)) {
          if (r.cancelled) break;
          note('stage.changed', { stage: stage.name });
          const { policy, downgraded } = effectivePolicy(a.permissionPolicy ?? 'edits', stage.name, deps.allowFullAgentPermissions);
          if (downgraded) note('agent.policy_downgraded', { stage: stage.name, requested: downgraded.requested, applied: policy, reason: downgraded.reason });
          if (session) {
            note('agent.session_resumed', {
              agentSessionId: session.id, fromAttemptId: session.fromAttemptId, reason: session.reason, stage: stage.name,
              ...(unfinishedEarlier ? { earlierOutcome: unfinishedEarlier.outcome, workingTreeReset: unfinishedEarlier.resetTo } : {}),
            });
          }
          else note('agent.session_fresh', { reason: freshReason, stage: stage.name });
          const logDir = join(deps.home, 'logs');
          mkdirSync(logDir, { recursive: true, mode: 0o700 });
          const prompt = buildPrompt({
            mission: { id: m.id, title: m.title, description: m.description ?? '', clarification: m.clarification },
            stage: stage.name, stages, actor: a.actor ? { name: a.actor.name, instructions: a.actor.instructions ?? '' } : null,
            projectMemory: a.prompt || null, reviewFeedback: m.reviewFeedback, docs: a.docs, unfinishedEarlier,
          }) + (conflict && !conflict.clean && stage.name === stages[from]?.name ? conflictSection({ targetBranch: m.targetBranch, ...conflict }) : '');
          // The wall-time cap holds for the stage: a relaunch after an outage gets what is left of it.
          const deadline = Date.now() + deps.timeouts.wallMs;
          outcome = await runStage({
            resumeSessionId: session?.id, retry, deadline,
            note: (kind, data) => note(kind, { ...data, stage: stage.name }),
            cancelled: () => r.cancelled !== undefined,
            pause: (ms) => new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, ms);
              r.wake = () => { clearTimeout(timer); resolve(); };
            }),
            launch: (resumeSessionId) => {
              r.agent = launchAgent({
                adapter: resolved.adapter, agent: resolved.agent, cwd: lease.path, missionId: m.id, policy, resumeSessionId, prompt,
                promptFile: join(deps.home, 'prompts', `${ref.attemptId}-${stage.name}.md`),
                logFile: join(logDir, `${ref.attemptId}.log`),
                stallTimeoutMs: deps.timeouts.stallMs, wallTimeoutMs: Math.max(1000, deadline - Date.now()), killGraceMs: deps.timeouts.killGraceMs,
                onEvent: (kind, data) => deps.emit(ref, kind, { ...data, stage: stage.name }).then(() => undefined),
                tools: deps.tools?.open({ ref, stage: stage.name, stages, worktree: lease.path }),
              });
              const run = r.agent;
              if (run.pid === null) {
                // Never started (the CLI left PATH since detection, a broken install): said once, clearly.
                void run.done.then((end) => note('agent.launch_failed', { agent: resolved.agent.name, reason: end.reason ?? 'the agent could not be started' }));
                return run;
              }
              note('agent.started', { agent: resolved.agent.name, pid: run.pid, stage: stage.name, policy, ...(resumeSessionId ? { resume: resumeSessionId } : {}) });
              deps.ledger.add(ref.attemptId, run.pid);
              return run;
            },
          });
          unfinishedEarlier = undefined;
          if (outcome.sessionId && resumable) session = { id: outcome.sessionId, fromAttemptId: ref.attemptId, reason: `continues the ${stage.name} stage of this attempt` };
          if (r.cancelled) break;
          if (outcome.status !== 'succeeded') break;
          if (stage.requiresReview || deps.tools?.endsRun(ref.attemptId)) break; // a person looks before the next stage
        }
      } catch (error) {
        await closeWatcher().catch(() => {});
        if (conflict && !conflict.clean) await abortMerge(lease.path);
        throw error;
      }
      // The agent's resolution: every marker gone, or the merge is undone and the attempt fails.
      const unresolved = conflict && !conflict.clean && outcome.status === 'succeeded' && !r.cancelled ? await filesWithMarkers(lease.path, conflict.files) : [];
      if (unresolved.length > 0) outcome = { status: 'failed', reason: `merge conflict not resolved: conflict markers left in ${unresolved.join(', ')}` };
      if (r.cancelled || outcome.status !== 'succeeded') {
        if (conflict && !conflict.clean) await abortMerge(lease.path);
        await closeWatcher();
        if (r.cancelled) return { status: 'cancelled', reason: r.cancelled, branch };
        const { sessionId: _session, ...end } = outcome;
        return { ...end, branch };
      }

      const [sha] = await Promise.all([
        git.commitAll(lease.path, `${m.title}\n\nSolo Unicorn mission ${m.id}, attempt ${ref.attemptId}`, deps.identity, {
          // The project keeps its mission docs in the control plane only (they were sent as they changed).
          exclude: a.docsInRepository ? [] : [missionDocsDir(m.id)],
        }),
        closeWatcher(),
      ]);
      // Not awaited: the outbox keeps their order, and `git.pushed` after them is awaited.
      if (sha) note('git.commit', { sha, branch });
      // The agent may have committed itself; with nothing left for us to commit HEAD says where it is.
      const headCommit = sha ?? await git.revParse(lease.path, 'HEAD');
      note('git.pushing', { branch });
      // What a reviewer reads (the branch against its target), worked out while the push runs.
      const [diff] = await Promise.all([
        diffSummary(lease.path, m.targetBranch, undefined, headCommit).catch((err) => void deps.log.warn({ err, missionId: m.id }, 'diff summary failed')),
        git.push(lease.path, branch, { setUpstream: true }),
      ]);
      pushed = true;
      if (diff) note('git.diff', { ...diff });
      await deps.emit(ref, 'git.pushed', { branch, headCommit });
      // Direct mode (no pull request): merge now unless a person reviews first; after approval the
      // merge is a follow-up attempt. In PR mode the branch is all: the control plane opens the PR.
      const direct = m.prMode !== 'enabled';
      if (direct && !m.requiresReview && !stages.some((s) => s.requiresReview) && !deps.tools?.endsRun(ref.attemptId)) {
        const merged = await mergeAndPush(deps.store.pathOf(a.repository.id), branch, m.targetBranch, { author: deps.identity });
        if (!merged.ok) return { status: 'failed', reason: `merge conflict in ${merged.files.join(', ')}: resolve it or reject the mission with guidance`, branch, headCommit };
        await deps.emit(ref, 'git.merged', { into: m.targetBranch, sha: merged.sha });
      }
      return { status: 'succeeded', branch, headCommit };
    } finally {
      r.releaseWorktree = () => deps.pool.release(lease, { keepBranch: !pushed, justPushed: pushed })
        .then(() => undefined, (err) => deps.log.warn({ err }, 'worktree release failed'))
        .finally(() => deps.onPoolChange?.());
    }
  }

  /**
   * A conflict-resolution attempt's first step: the target merged into the mission branch. Clean:
   * committed, nothing for the agent. Conflicting: left in progress for the agent, files named.
   */
  async function updateFromTarget(path: string, targetBranch: string, note: (kind: string, data: Record<string, unknown>) => void) {
    const update = await mergeTargetInto(path, targetBranch, deps.identity);
    if (update.clean) {
      note('git.target_merged', { target: targetBranch, targetCommit: update.targetCommit, sha: update.sha, conflicts: [] });
      return { clean: true as const, targetCommit: update.targetCommit, files: [] };
    }
    note('git.conflict', { target: targetBranch, targetCommit: update.targetCommit, files: update.files });
    return { clean: false as const, targetCommit: update.targetCommit, files: update.files };
  }

  /** An approved direct-mode mission: merge its pushed branch into the target and push. */
  async function merge(a: Assignment, ref: AttemptRef) {
    const m = a.mission;
    if (!a.repository || !m.branch) return { status: 'failed' as Outcome, reason: 'repository unavailable: nothing to merge' };
    const repoPath = await deps.store.ensureClone(a.repository);
    await git.fetch(repoPath);
    await deps.emit(ref, 'git.merging', { branch: m.branch, into: m.targetBranch });
    const merged = await mergeAndPush(repoPath, m.branch, m.targetBranch, { author: deps.identity });
    if (!merged.ok) return { status: 'failed' as Outcome, reason: `merge conflict in ${merged.files.join(', ')}: resolve it or reject the mission with guidance`, branch: m.branch };
    await deps.emit(ref, 'git.merged', { into: m.targetBranch, sha: merged.sha });
    return { status: 'succeeded' as Outcome, branch: m.branch, headCommit: merged.sha };
  }

  return {
    get count() {
      return running.size;
    },
    has: (attemptId: string) => running.has(attemptId),

    /** Starts the attempt in the background; its end is reported through `finish`. */
    start(a: Assignment) {
      const ref = { attemptId: a.attemptId, missionId: a.mission.id, leaseVersion: a.leaseVersion };
      const r: Running = { ref, done: Promise.resolve() };
      running.set(ref.attemptId, r);
      deps.ledger.add(ref.attemptId, 0);
      // The end is reported first and the worktree returned after: detaching it is the daemon's
      // housekeeping, not the mission's time. The slot frees with the report, so the next
      // assignment is accepted at once; the pool makes its acquire wait for the release if needed.
      r.done = run(a, r)
        .catch((err: Error) => ({ status: 'failed' as const, reason: `daemon error: ${err.message}` }))
        .then((end) => deps.finish(ref, end.status, end))
        .catch((err) => deps.log.error({ err, attemptId: ref.attemptId }, 'could not record the end of an attempt'))
        .finally(() => {
          running.delete(ref.attemptId);
          deps.ledger.remove(ref.attemptId);
          const release = r.releaseWorktree?.();
          if (release) {
            releasing.add(release);
            void release.finally(() => releasing.delete(release));
          }
        })
        .then(() => undefined);
    },

    /** SIGTERM → grace → SIGKILL of the agent's process group, then the attempt ends cancelled. */
    async cancel(attemptId: string, reason: string) {
      const r = running.get(attemptId);
      if (!r) return false;
      r.cancelled = reason;
      r.wake?.();
      await r.agent?.cancel(reason);
      return true;
    },

    async cancelAll(reason: string) {
      await Promise.all([...running.keys()].map((id) => this.cancel(id, reason)));
    },

    idle: async () => {
      await Promise.all([...running.values()].map((r) => r.done));
      await Promise.all([...releasing]);
    },
  };
}
export type MissionRunner = ReturnType<typeof createMissionRunner>;
