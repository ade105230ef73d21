import { makeFrame, type AgentInfo, type MissionAcceptedFrame, type MissionDeclinedFrame } from '@solo-unicorn/shared';
import { sql } from 'drizzle-orm';
import type { Database, Db } from '../db/types.ts';
import type { Clock } from '../lib/time.ts';
import { changeList } from '../modules/missions/mission-board.service.ts';
import type { MissionDocs } from '../modules/missions/mission-docs.ts';
import { createMissionEventsRepository } from '../modules/missions/mission-events.repository.ts';
import { createMissionsRepository } from '../modules/missions/missions.repository.ts';
import { rowsOf } from '../db/rows.ts';
import type { SessionHub } from '../sessions/hub.ts';
import { buildAssignment } from './assignment.ts';
import { missionBranchName } from './branch-name.ts';
import { createDispatchRepository } from './dispatch.repository.ts';
import { effectivePrMode } from '../modules/github/pr-mode.ts';
import { createAgentLimitsRepository } from './agent-limits.repository.ts';
import { budgetHoldsBack } from './budget-gate.ts';
import { createJobTimer } from '../jobs/job-timer.ts';
import { leaderOnly, type Leadership } from '../jobs/leadership.ts';

/** Rolls a claim back: its workstation stopped taking work while it ran. */
class ClaimWithdrawn extends Error {}

export interface DispatcherDeps {
  database: Database;
  clock: Clock;
  hub: SessionHub;
  docs: MissionDocs;
  /** How long a workstation may be gone before its running missions go back to Todo (ms). */
  offlineGraceMs: number;
  /** Safety-net period: sweeps stranded attempts and retries dispatch (ms). */
  tickMs: number;
  /** The offline sweep runs only in the leader instance (requeue is row-locked: safe anyway). */
  leadership?: Leadership;
  log: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void };
}

/** What the dispatcher reads of a board change: which mission, the list it is in and the one it left. */
interface BoardMove {
  missionId?: string;
  list?: string;
  previousList?: string | null;
}

/** The move a board note carries, if it carries a well-formed one (else the log is read). */
function boardMove(m: unknown): BoardMove | undefined {
  if (!m || typeof m !== 'object') return undefined;
  const { missionId, list, previousList } = m as Record<string, unknown>;
  if (typeof missionId !== 'string' || typeof list !== 'string' || !(previousList === null || typeof previousList === 'string')) return undefined;
  return { missionId, list, previousList };
}

/** A decline keeps that mission off that workstation for a while (e.g. its agent is missing). */
const DECLINE_BACKOFF_MS = 60_000;

/**
 * Hands ready Todo missions to the workstations whose sessions live in this process. Each
 * assignment is an attempt row (lease version 1) created in the same transaction that moves the
 * mission to Doing; rows are claimed with SKIP LOCKED and the per-project limit under the project's
 * row lock, so several control-plane processes never double-assign. Wakes on session open, on
 * board changes (NOTIFY) and on a tick.
 */
export function createDispatcher(deps: DispatcherDeps) {
  const db: Db = deps.database.db;
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();
  const backoff = new Map<string, number>(); // `${missionId}:${workstationId}` → until (ms)
  const quotaWakes = new Map<string, { at: number; timer: NodeJS.Timeout }>(); // workstationId → wake at a usage limit's reset
  let unlisten: (() => Promise<void>) | undefined;

  async function assignTo(workstationId: string): Promise<void> {
    const session = deps.hub.current(workstationId);
    if (!session) return;
    const now = deps.clock.now();
    const context = await createDispatchRepository(db).claimContext(workstationId, session.id, now);
    // Held here is not enough: a session whose row another instance closed (this one stalled past
    // the stale bound) is dead to everyone else; the session sweep asks its daemon to reconnect.
    if (!context?.sessionOpen) return;
    const ws = context.workstation;
    // Paused by a person: nothing new (runs nor merges) goes to it; what runs there finishes.
    if (ws.revokedAt || ws.pausedAt) return;
    const capacity = ws.maxConcurrentMissions - context.live;
    const reported = (ws.agents as AgentInfo[] | null) ?? [];
    if (capacity <= 0 || reported.length === 0) return;
    // Merges are git's work: they go on while every agent here waits for its quota.
    const agents = usableAgents(workstationId, reported, context.limits, now);
    const assigned = await db.transaction(async (tx) => {
      const txRepo = createDispatchRepository(tx);
      const limits = createAgentLimitsRepository(tx);
      const out: Parameters<typeof buildAssignment>[2][] = [];
      // Merges of approved branches first: short, and they finish missions people already approved.
      for (const { mission: m } of context.mergesWaiting ? await txRepo.claimMerges(workstationId, capacity) : []) {
        const attempt = await txRepo.insertAttempt({
          missionId: m.id, projectId: m.projectId, workstationId, agentType: 'git', stage: 'merge', status: 'assigned',
          leaseVersion: 1, leaseExpiresAt: new Date(now.getTime() + deps.offlineGraceMs), attemptNumber: (await limits.spentAttempts(m.id)) + 1,
          branch: m.prBranchName, prMode: 'disabled', createdAt: now, updatedAt: now,
        });
        await createMissionsRepository(tx).update(m.id, { agentSessionStatus: 'pushing', updatedAt: now });
        await createMissionEventsRepository(tx).append({ missionId: m.id, origin: 'system', kind: 'mission.merge_assigned', data: { attemptId: attempt.id, workstationId, into: m.targetBranch } }, now);
        out.push({ attemptId: attempt.id, missionId: m.id, agentType: 'git', leaseVersion: 1, leaseExpiresAt: attempt.leaseExpiresAt, purpose: 'merge', prMode: 'disabled' });
      }
      const overBudget = new Set<string>();
      // Lock only a little more than can be taken: rows locked here are skipped by other dispatchers.
      const candidates = agents.length > 0 ? await txRepo.claimCandidates(workstationId, capacity + 4) : [];
      // The limits read before this transaction may be stale: an attempt that just ended on its
      // usage limit makes its mission ready and parks its agent in one commit, which may land
      // between that read and the claim. Read after the claim, they include any such commit.
      const facts = candidates.length > 0 ? await txRepo.claimFacts(workstationId, candidates.map((c) => c.mission.id), now) : undefined;
      const takeable = facts ? usableAgents(workstationId, reported, facts.limits, now) : agents;
      for (const c of candidates) {
        if (out.length >= capacity) break;
        const m = c.mission;
        if ((backoff.get(`${m.id}:${workstationId}`) ?? 0) > now.getTime()) continue;
        // The project's agent, else any this workstation can run now (not unsupported, not waiting for quota).
        const agentType = c.defaultAgent ?? takeable[0];
        if (!agentType) break;
        if (!takeable.includes(agentType) || overBudget.has(m.projectId)) continue;
        const attempts = facts!.attempts(m.id);
        // Its earlier attempt is still being cancelled (moved back by a person meanwhile).
        if (attempts.live > 0) continue;
        const project = await txRepo.lockedProjectLoad(m.projectId);
        if (project.load >= c.maxConcurrent) continue;
        if (await budgetHoldsBack(tx, m.projectId, m.id, now, project.budgetUsd)) {
          overBudget.add(m.projectId);
          continue;
        }
        // A usage limit spends no attempt: maxAttempts counts the others only.
        const attemptNumber = attempts.spent + 1;
        const branch = m.prBranchName ?? missionBranchName(m.id, m.title);
        const leaseExpiresAt = new Date(now.getTime() + deps.offlineGraceMs);
        const pr = await effectivePrMode(tx, m);
        const attempt = await txRepo.insertAttempt({
          missionId: m.id, projectId: m.projectId, workstationId, agentType, stage: m.stage, status: 'assigned',
          leaseVersion: 1, leaseExpiresAt, attemptNumber, branch, prMode: pr.mode, createdAt: now, updatedAt: now,
        });
        await changeList(tx, deps.clock, m, { list: 'doing', extra: { agentSessionStatus: 'active', prBranchName: branch } }, {
          origin: 'system', kind: 'mission.assigned', data: { attemptId: attempt.id, workstationId, attempt: attemptNumber, agentType, prMode: pr.mode },
        });
        if (pr.fallbackReason) {
          await createMissionEventsRepository(tx).append({
            missionId: m.id, origin: 'system', kind: 'pr.mode_fallback',
            data: { attemptId: attempt.id, requested: m.prMode, effective: pr.mode, reason: pr.fallbackReason },
          }, now);
        }
        out.push({ attemptId: attempt.id, missionId: m.id, agentType, leaseVersion: 1, leaseExpiresAt, purpose: 'run', prMode: pr.mode, attempt, firstAttempt: attempts.all === 0 });
      }
      // Paused (or revoked) while this claim ran: undo it all, so a pause that has answered is
      // never followed by an assignment claimed before it.
      if (out.length > 0 && !(await txRepo.stillTakesWork(workstationId))) throw new ClaimWithdrawn();
      return out;
    }).catch((error: unknown) => {
      if (error instanceof ClaimWithdrawn) return [];
      throw error;
    });
    for (const a of assigned) {
      const frame = await buildAssignment(db, deps.docs, a);
      if (!frame || !deps.hub.current(workstationId)?.send(makeFrame('mission.assign', frame))) {
        await requeue(a.attemptId, 'the workstation went away before the assignment was sent', true);
        continue;
      }
      deps.log.info({ missionId: a.missionId, attemptId: a.attemptId, workstationId }, 'mission assigned');
    }
  }

  /**
   * The agent types a workstation can be given work for now: those its hello did not report
   * unsupported, minus those waiting for their usage quota there. The workstation is woken again
   * when the soonest of those limits resets.
   */
  function usableAgents(workstationId: string, reported: AgentInfo[], limits: { agentType: string; limitedUntil: Date }[], now: Date): string[] {
    const supported = reported.filter((a) => a.status !== 'unsupported').map((a) => a.type);
    const limited = limits.filter((l) => supported.includes(l.agentType));
    if (limited[0]) wakeAt(workstationId, limited[0].limitedUntil.getTime() - now.getTime());
    return supported.filter((type) => !limited.some((l) => l.agentType === type));
  }

  function wakeAt(workstationId: string, inMs: number) {
    const at = Date.now() + inMs;
    const pending = quotaWakes.get(workstationId);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    // setTimeout holds at most ~24.8 days; limits are bounded to 7.
    const wake = setTimeout(() => {
      quotaWakes.delete(workstationId);
      void dispatchFor(workstationId);
    }, Math.min(Math.max(inMs, 0) + 50, 2_147_483_647));
    wake.unref();
    quotaWakes.set(workstationId, { at, timer: wake });
  }

  /** Runs assignment for one workstation at a time; a request while running runs once more after. */
  function dispatchFor(workstationId: string): Promise<void> {
    const current = running.get(workstationId);
    if (current) {
      again.add(workstationId);
      return current;
    }
    const run = assignTo(workstationId)
      .catch((err) => deps.log.error({ err, workstationId }, 'dispatch failed'))
      .finally(() => {
        running.delete(workstationId);
        if (again.delete(workstationId)) void dispatchFor(workstationId);
      });
    running.set(workstationId, run);
    return run;
  }

  /** Ends a live attempt and puts its mission back in Todo (ready), with an event saying why. */
  async function requeue(attemptId: string, reason: string, ready: boolean, status: 'lost' | 'cancelled' = 'lost') {
    await db.transaction(async (tx) => {
      const repo = createDispatchRepository(tx);
      const attempt = await repo.lockAttempt(attemptId);
      if (!attempt || !['assigned', 'running'].includes(attempt.status)) return;
      const now = deps.clock.now();
      await repo.updateAttempt(attemptId, { status, reason, finishedAt: now, updatedAt: now });
      const mission = await createMissionsRepository(tx).findForUpdate(attempt.missionId);
      if (mission?.list === 'doing') {
        await changeList(tx, deps.clock, mission, { list: 'todo', extra: { agentSessionStatus: 'inactive', ready } }, {
          origin: 'system', kind: 'mission.requeued', data: { attemptId, workstationId: attempt.workstationId, reason },
        });
      }
    });
  }

  async function sweep() {
    // Liveness is the database's (stranded: no live session, by any instance, and not seen within
    // the grace period), never this process's hub: the leader holds only its own share of the
    // sessions. Its clock too: the cut-off is computed in SQL, not from this host's clock.
    for (const { attempt } of await createDispatchRepository(db).stranded(deps.offlineGraceMs)) {
      await requeue(attempt.id, `workstation offline for more than ${Math.round(deps.offlineGraceMs / 1000)} s`, true);
      deps.log.warn({ attemptId: attempt.id, missionId: attempt.missionId }, 'attempt of an offline workstation requeued');
    }
  }

  /** A board change: cancel an agent whose mission left Doing; offer ready missions to workstations. */
  async function onBoardChange(channel: string, seq: number, move?: BoardMove) {
    if (deps.hub.size === 0) return; // no daemon session here: nothing to cancel or dispatch
    // The note carries the move (migration 0023); one sent before that migration does not.
    const data = move ?? (rowsOf(await db.execute(sql`SELECT data FROM realtime_log WHERE channel = ${channel} AND seq = ${seq}`))[0]?.data as BoardMove | undefined);
    // Only a move out of Doing stops an agent (not any change to a mission elsewhere on the board).
    if (data?.missionId && data.previousList === 'doing' && data.list !== 'doing') {
      // Every process hears this; only the one holding the workstation's session cancels. A
      // workstation gone everywhere is the offline sweep's to clean up, after its grace period.
      const live = await createDispatchRepository(db).liveAttemptOfMission(data.missionId);
      if (live?.workstationId) {
        deps.hub.current(live.workstationId)?.send(makeFrame('mission.cancel', { attemptId: live.id, reason: `mission moved to ${data.list} by a person` }));
      }
    }
    // A change inside Doing (the stage, the agent's status, a title) offers no work and frees no
    // room: an attempt never ends with its mission left in Doing. A run changes its card several
    // times; each claim pass would cost a handful of queries beside the agent. A mission entering
    // Doing still wakes everyone: its claim locked more candidates than it took, which the other
    // workstations' passes skipped meanwhile.
    if (data?.list === 'doing' && data.previousList === 'doing') return;
    const projectId = channel.split(':')[1]!;
    for (const ws of await createDispatchRepository(db).workstationsOf(projectId)) if (deps.hub.current(ws)) void dispatchFor(ws);
  }

  // Everywhere: retries dispatch for the sessions this process holds (nobody else can send to them).
  const retryTimer = createJobTimer({
    name: 'dispatch tick', everyMs: deps.tickMs, log: deps.log,
    run: () => Promise.all(deps.hub.onlineWorkstations().map((ws) => dispatchFor(ws))),
  });
  // One instance at a time: the offline sweep reads every live attempt.
  const sweepTimer = createJobTimer({ name: 'offline sweep', everyMs: deps.tickMs, log: deps.log, run: deps.leadership ? leaderOnly(deps.leadership, sweep) : sweep });

  return {
    dispatchFor,
    sweep,

    async onReply(workstationId: string, frame: MissionAcceptedFrame | MissionDeclinedFrame) {
      const { attemptId, leaseVersion } = frame.payload;
      const requeueFor = await db.transaction(async (tx) => {
        const repo = createDispatchRepository(tx);
        const attempt = await repo.lockAttempt(attemptId);
        if (!attempt || attempt.workstationId !== workstationId || attempt.leaseVersion !== leaseVersion || attempt.status !== 'assigned') return undefined;
        const now = deps.clock.now();
        if (frame.type === 'mission.accepted') {
          await repo.updateAttempt(attemptId, { status: 'running', agentType: frame.payload.agentType, startedAt: now, updatedAt: now });
          await createMissionEventsRepository(tx).append({ missionId: attempt.missionId, origin: 'system', kind: 'attempt.started', data: { attemptId, workstationId, agentType: frame.payload.agentType } }, now);
          return undefined;
        }
        backoff.set(`${attempt.missionId}:${workstationId}`, now.getTime() + DECLINE_BACKOFF_MS);
        return `declined by the workstation: ${frame.payload.reason}${frame.payload.message ? ` (${frame.payload.message})` : ''}`;
      });
      if (requeueFor) {
        await requeue(attemptId, requeueFor, true, 'cancelled');
        void dispatchFor(workstationId);
      }
    },

    /**
     * A daemon session opened with the attempts it holds. An attempt still waiting for its answer
     * that the daemon does not hold never reached it: the instance that assigned it died before
     * the frame left (kill -9 between commit and send), or the daemon restarted before it answered.
     * The same assignment goes again — same attempt, same lease — instead of the mission waiting
     * in Doing for ever; a daemon that has it already ignores the repeat. Then the usual dispatch.
     */
    async sessionOpened(workstationId: string, held: string[]) {
      try {
        for (const a of await createDispatchRepository(db).unanswered(workstationId)) {
          if (held.includes(a.attemptId)) continue;
          const frame = await buildAssignment(db, deps.docs, a);
          if (frame && deps.hub.current(workstationId)?.send(makeFrame('mission.assign', frame))) {
            deps.log.info({ missionId: a.missionId, attemptId: a.attemptId, workstationId }, 'unanswered assignment sent again');
          }
        }
      } catch (err) {
        deps.log.error({ err, workstationId }, 'could not send unanswered assignments again');
      }
      await dispatchFor(workstationId);
    },

    /** After an attempt ended (its finished frame is stored), the workstation has room again. */
    attemptEnded(workstationId: string) {
      void dispatchFor(workstationId);
    },

    async start() {
      unlisten = await deps.database.listen('su_realtime', (payload) => {
        let note: { c?: string; s?: number; w?: string; m?: unknown };
        try {
          note = JSON.parse(payload);
        } catch {
          return;
        }
        // A workstation was resumed (workstation-controls): the process holding its session dispatches.
        if (note.w && deps.hub.current(note.w)) {
          void dispatchFor(note.w);
          return;
        }
        if (note.c && /^project:[0-9A-Z]{26}:missions$/.test(note.c) && typeof note.s === 'number') {
          void onBoardChange(note.c, note.s, boardMove(note.m)).catch((err) => deps.log.error({ err }, 'board change handling failed'));
        }
      });
      retryTimer.start();
      sweepTimer.start();
    },

    async stop() {
      await Promise.all([retryTimer.stop(), sweepTimer.stop()]);
      for (const wake of quotaWakes.values()) clearTimeout(wake.timer);
      quotaWakes.clear();
      await unlisten?.();
      await Promise.allSettled([...running.values()]);
    },
  };
}
export type Dispatcher = ReturnType<typeof createDispatcher>;
