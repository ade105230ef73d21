import { newId } from '@solo-unicorn/shared';
import { and, asc, count, desc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import {
  actors, codeAgentSessions, flows, missionEvents, missions, projectRepositories, projectWorkstations, projects, workstationAgentLimits, workstationSessions, workstations,
} from '../db/schema/index.ts';
import type { Executor } from '../db/types.ts';
import { dbNowMinus } from '../db/db-clock.ts';
import { rowsOf } from '../db/rows.ts';
import { sessionLiveSince } from '../sessions/settings.ts';

const LIVE = ['assigned', 'running'] as const;

type LimitsJson = { agentType: string; limitedUntil: string }[];

/** A workstation's usage limits still running at `now`, soonest reset first, as one JSON value (a column of a claim's reads). */
const activeLimitsJson = (workstationId: string, now: Date) =>
  sql<LimitsJson>`COALESCE((SELECT json_agg(json_build_object('agentType', l.agent_type, 'limitedUntil', l.limited_until) ORDER BY l.limited_until)
    FROM ${workstationAgentLimits} l WHERE l.workstation_id = ${workstationId} AND l.limited_until > ${now.toISOString()}::timestamptz), '[]'::json)`;
const limitsOf = (json: LimitsJson) => json.map((l) => ({ agentType: l.agentType, limitedUntil: new Date(l.limitedUntil) }));

/** The workstation serves the joined mission's project. */
const servesProject = (workstationId: string) =>
  and(eq(projectWorkstations.projectId, missions.projectId), eq(projectWorkstations.workstationId, workstationId))!;

/**
 * A mission approved in Review whose branch this workstation may merge. Only a direct-mode
 * approval leaves a mission approved in Review (a PR-mode one goes to Done): the approval decided
 * the merge, whatever the mission's PR mode is edited to since.
 */
const mergeWaitsFor = (workstationId: string) => and(
  eq(missions.list, 'review'), eq(missions.reviewStatus, 'approved'),
  sql`${missions.prBranchName} IS NOT NULL`, sql`${missions.repositoryId} IS NOT NULL`,
  or(isNull(missions.workstationId), eq(missions.workstationId, workstationId)),
)!;

export function createDispatchRepository(db: Executor) {
  return {
    /** Attempts on a workstation still waiting for its answer (accepted or declined), oldest first. */
    async unanswered(workstationId: string) {
      const rows = await db
        .select({
          attemptId: codeAgentSessions.id, missionId: codeAgentSessions.missionId, agentType: codeAgentSessions.agentType, stage: codeAgentSessions.stage,
          leaseVersion: codeAgentSessions.leaseVersion, leaseExpiresAt: codeAgentSessions.leaseExpiresAt, prMode: codeAgentSessions.prMode,
        })
        .from(codeAgentSessions)
        .where(and(eq(codeAgentSessions.workstationId, workstationId), eq(codeAgentSessions.status, 'assigned')))
        .orderBy(asc(codeAgentSessions.createdAt));
      // A merge is the attempt dispatch inserts with the git agent at the `merge` stage.
      return rows.map(({ stage, ...r }) => ({
        ...r, agentType: r.agentType ?? 'custom', purpose: stage === 'merge' && r.agentType === 'git' ? 'merge' as const : 'run' as const,
        prMode: r.prMode === 'enabled' ? 'enabled' as const : 'disabled' as const,
      }));
    },

    /**
     * What a claim needs to know first, in one round trip (it sits on the path from "marked ready"
     * to "assignment sent"): the workstation, whether this session's row is still open (another
     * instance's sweep may have closed it), its live attempts, its agents' usage limits still
     * running at `now` (soonest reset first), and whether any approved merge waits for it.
     */
    async claimContext(workstationId: string, sessionId: string, now: Date) {
      const [row] = await db.select({
        workstation: workstations,
        sessionOpen: sql<boolean>`EXISTS (SELECT 1 FROM ${workstationSessions} s WHERE s.id = ${sessionId} AND s.disconnected_at IS NULL)`,
        live: sql<number>`(SELECT count(*) FROM ${codeAgentSessions} c WHERE c.workstation_id = ${workstationId} AND c.status IN ('assigned', 'running'))`.mapWith(Number),
        limits: activeLimitsJson(workstationId, now),
        // Whether claimMerges could find anything (its conditions, less the live-attempt one): most
        // claims have no merge waiting and skip that statement. One approved after this read
        // wakes the dispatcher again (a board change), so none is left behind.
        mergesWaiting: sql<boolean>`EXISTS (SELECT 1 FROM ${missions}
          JOIN ${projectWorkstations} ON ${servesProject(workstationId)} WHERE ${mergeWaitsFor(workstationId)})`,
      }).from(workstations).where(eq(workstations.id, workstationId)).limit(1);
      if (!row) return undefined;
      return { workstation: row.workstation, sessionOpen: row.sessionOpen === true, live: row.live, limits: limitsOf(row.limits), mergesWaiting: row.mergesWaiting === true };
    },

    /**
     * Whether the workstation still takes new work, read under a share lock held to the end of
     * the claim: a pause committed first is seen here; one arriving later waits for the claim.
     */
    async stillTakesWork(id: string) {
      const [row] = await db.select({ pausedAt: workstations.pausedAt, revokedAt: workstations.revokedAt }).from(workstations).where(eq(workstations.id, id)).for('share');
      return Boolean(row && !row.pausedAt && !row.revokedAt);
    },

    /**
     * Ready Todo missions this workstation may run, best first (priority, then board order),
     * locked with SKIP LOCKED: another dispatcher (another process) takes other rows, never these.
     */
    async claimCandidates(workstationId: string, limit: number) {
      return db
        .select({ mission: missions, maxConcurrent: projects.maxConcurrentMissions, defaultAgent: projects.defaultAgent })
        .from(missions)
        .innerJoin(projectWorkstations, servesProject(workstationId))
        .innerJoin(projects, eq(projects.id, missions.projectId))
        .where(and(
          eq(missions.list, 'todo'), eq(missions.ready, true), eq(missions.dependencyCount, 0), sql`${missions.repositoryId} IS NOT NULL`,
          // Handed to one workstation by a person (POST /missions/:id/handoff): only that one takes it.
          or(isNull(missions.workstationId), eq(missions.workstationId, workstationId)),
          // Moved out of Doing by a person (a move, a rejection with guidance): its agent is being
          // cancelled; a second attempt on the same branch waits until the first has ended.
          // (Read in this statement's snapshot: claimFacts checks it again after the locks.)
          sql`NOT EXISTS (SELECT 1 FROM ${codeAgentSessions} a WHERE a.mission_id = ${missions.id} AND a.status IN ('assigned', 'running'))`,
        ))
        .orderBy(asc(missions.priority), asc(missions.listOrder), asc(missions.id))
        .limit(limit)
        .for('update', { of: missions, skipLocked: true });
    },

    /**
     * What the claim decides on, read in one statement after claimCandidates locked the missions:
     * the workstation's usage limits still running at `now` (soonest reset first) and, per
     * mission, its attempts — live ones, those that count against maxAttempts (a usage limit
     * spends none), and all. Not columns of the locking statement: a row re-checked after a lock
     * wait is its newest version, but that statement's subqueries keep its first snapshot, so a
     * mission claimed, ended and made ready again meanwhile would read as never tried.
     */
    async claimFacts(workstationId: string, missionIds: string[], now: Date) {
      const [row] = rowsOf(await db.execute(sql`
        SELECT
          ${activeLimitsJson(workstationId, now)} AS limits,
          COALESCE((SELECT json_object_agg(x.mission_id, x.counts) FROM (
            SELECT a.mission_id, json_build_object(
              'live', count(*) FILTER (WHERE a.status IN ('assigned', 'running')),
              'spent', count(*) FILTER (WHERE a.status <> 'limited'),
              'all', count(*)) AS counts
            FROM ${codeAgentSessions} a WHERE a.mission_id IN (${sql.join(missionIds.map((id) => sql`${id}`), sql`, `)}) GROUP BY a.mission_id) x), '{}'::json) AS attempts`));
      const limits = limitsOf(row!.limits as LimitsJson);
      const counted = row!.attempts as Record<string, { live: number; spent: number; all: number }>;
      return { limits, attempts: (missionId: string) => counted[missionId] ?? { live: 0, spent: 0, all: 0 } };
    },

    /**
     * Approved direct-mode missions whose branch still has to be merged, for a workstation serving
     * their project, with no attempt running; locked like run candidates.
     */
    async claimMerges(workstationId: string, limit: number) {
      return db
        .select({ mission: missions })
        .from(missions)
        .innerJoin(projectWorkstations, servesProject(workstationId))
        .where(and(
          mergeWaitsFor(workstationId),
          sql`NOT EXISTS (SELECT 1 FROM ${codeAgentSessions} a WHERE a.mission_id = ${missions.id} AND a.status IN ('assigned', 'running'))`,
        ))
        .orderBy(asc(missions.updatedAt))
        .limit(limit)
        .for('update', { of: missions, skipLocked: true });
    },

    /**
     * Locks the project row, then counts its live attempts: the per-project limit holds across
     * processes. NO KEY UPDATE, not UPDATE: dispatchers still take turns, but the key-share locks
     * of foreign-key checks (a mission created or edited in the project meanwhile) do not wait on
     * it — with FOR UPDATE they did, in deadlocks with a create or a PATCH under load (#17).
     */
    async lockedProjectLoad(projectId: string) {
      await db.select({ id: projects.id }).from(projects).where(eq(projects.id, projectId)).for('no key update');
      // After the lock, in a statement of its own: both read what the last holder committed. The
      // budget comes along, so the budget check costs no round trip of its own.
      const [row] = await db
        .select({
          n: count(),
          budgetUsd: sql<string | null>`(SELECT p.monthly_budget_usd FROM ${projects} p WHERE p.id = ${projectId})`,
        })
        .from(codeAgentSessions)
        .where(and(eq(codeAgentSessions.projectId, projectId), inArray(codeAgentSessions.status, [...LIVE])));
      return { load: row?.n ?? 0, budgetUsd: row?.budgetUsd == null ? null : Number(row.budgetUsd) };
    },

    async attemptCount(missionId: string) {
      const [row] = await db.select({ n: count() }).from(codeAgentSessions).where(eq(codeAgentSessions.missionId, missionId));
      return row?.n ?? 0;
    },

    async insertAttempt(values: Omit<typeof codeAgentSessions.$inferInsert, 'id'>) {
      const [row] = await db.insert(codeAgentSessions).values({ id: newId(), ...values }).returning();
      return row!;
    },

    async updateAttempt(id: string, values: Partial<typeof codeAgentSessions.$inferInsert>) {
      const [row] = await db.update(codeAgentSessions).set(values).where(eq(codeAgentSessions.id, id)).returning();
      return row;
    },

    async lockAttempt(id: string) {
      const [row] = await db.select().from(codeAgentSessions).where(eq(codeAgentSessions.id, id)).for('update').limit(1);
      return row;
    },

    /** What the daemon needs to run the mission. */
    async assignmentContext(missionId: string) {
      const [row] = await db
        .select({
          mission: missions, repository: projectRepositories, flow: flows, actor: actors, memory: projects.memory, projectPolicy: projects.agentPermissionPolicy, projectSettings: projects.settings,
        })
        .from(missions)
        .innerJoin(projects, eq(projects.id, missions.projectId))
        .leftJoin(projectRepositories, eq(projectRepositories.id, missions.repositoryId))
        .leftJoin(flows, eq(flows.id, missions.flowId))
        .leftJoin(actors, eq(actors.id, missions.actorId))
        .where(eq(missions.id, missionId));
      return row;
    },

    async attempt(id: string) {
      const [row] = await db.select().from(codeAgentSessions).where(eq(codeAgentSessions.id, id)).limit(1);
      return row;
    },

    /**
     * The mission's agent attempts before `attempt`, newest first (merges run no agent: left out).
     * Bounded: the newest ones decide whether a session can be resumed.
     */
    async earlierAgentAttempts(attempt: { id: string; missionId: string; createdAt: Date }, limit = 100) {
      const a = codeAgentSessions;
      return db
        .select({ id: a.id, workstationId: a.workstationId, agentType: a.agentType, agentSessionId: a.agentSessionId, status: a.status, stage: a.stage, headCommit: a.headCommit })
        .from(a)
        .where(and(
          eq(a.missionId, attempt.missionId),
          or(lt(a.createdAt, attempt.createdAt), and(eq(a.createdAt, attempt.createdAt), lt(a.id, attempt.id))),
          sql`NOT (coalesce(${a.agentType}, '') = 'git' AND coalesce(${a.stage}, '') = 'merge')`,
        ))
        .orderBy(desc(a.createdAt), desc(a.id))
        .limit(limit);
    },

    /** What the attempts that ran an agent session on a workstation used in it, summed. */
    async sessionUsage(workstationId: string, agentSessionId: string) {
      const a = codeAgentSessions;
      const [row] = await db
        .select({
          inputTokens: sql<number>`coalesce(sum(${a.inputTokens}), 0)::float8`, outputTokens: sql<number>`coalesce(sum(${a.outputTokens}), 0)::float8`,
          cacheReadTokens: sql<number>`coalesce(sum(${a.cacheReadTokens}), 0)::float8`, cacheWriteTokens: sql<number>`coalesce(sum(${a.cacheWriteTokens}), 0)::float8`,
          costUsd: sql<number | null>`sum(${a.costUsd})::float8`,
        })
        .from(a)
        .where(and(eq(a.workstationId, workstationId), eq(a.agentSessionId, agentSessionId)));
      return row ?? { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: null };
    },

    /** Which sent the mission back last: a person's rejection or a pull request's change request. */
    async lastSentBackBy(missionId: string) {
      const [row] = await db
        .select({ kind: missionEvents.kind })
        .from(missionEvents)
        .where(and(eq(missionEvents.missionId, missionId), inArray(missionEvents.kind, ['mission.reviewed', 'mission.changes_requested'])))
        .orderBy(desc(missionEvents.seq))
        .limit(1);
      return row?.kind;
    },

    async liveAttemptOfMission(missionId: string) {
      const [row] = await db
        .select()
        .from(codeAgentSessions)
        .where(and(eq(codeAgentSessions.missionId, missionId), inArray(codeAgentSessions.status, [...LIVE])))
        .limit(1);
      return row;
    },

    /**
     * Live attempts whose workstation has been gone longer than the grace period: no live session
     * anywhere (open, vouched for within the stale bound by whichever process holds it), and not
     * seen within the grace period. Stamps and cut-offs are the database's clock (db-clock.ts), so
     * an instance whose host clock runs ahead takes nothing from a workstation another one holds.
     * (A live session with a grace shorter than the stale bound still counts as live: it is
     * vouched for only once per heartbeat interval.)
     */
    async stranded(graceMs: number) {
      const before = dbNowMinus(graceMs);
      return db
        .select({ attempt: codeAgentSessions })
        .from(codeAgentSessions)
        .innerJoin(workstations, eq(workstations.id, codeAgentSessions.workstationId))
        .where(
          and(
            inArray(codeAgentSessions.status, [...LIVE]),
            // Gone for the whole grace period: neither seen nor assigned within it. (created_at is
            // the assigning instance's clock; off, it shortens only the grace of a workstation
            // already gone: a live one has a live session, below.)
            lt(codeAgentSessions.createdAt, before),
            or(isNull(workstations.lastSeenAt), lt(workstations.lastSeenAt, before)),
            sql`NOT EXISTS (SELECT 1 FROM ${workstationSessions} s WHERE s.workstation_id = ${workstations.id}
                  AND s.disconnected_at IS NULL AND s.last_heartbeat_at >= ${sessionLiveSince()})`,
          ),
        );
    },

    /** Workstations serving a project (to wake when its board changes). */
    async workstationsOf(projectId: string) {
      const rows = await db.select({ id: projectWorkstations.workstationId }).from(projectWorkstations).where(eq(projectWorkstations.projectId, projectId));
      return rows.map((r) => r.id);
    },
  };
}
