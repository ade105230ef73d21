import { sql } from 'drizzle-orm';
import type { Db } from '../../db/types.ts';
import type { Clock } from '../../lib/time.ts';
import type { FallbackEngine, RunOutcome } from './fallback-engine.ts';
import { rowsOf } from '../../db/rows.ts';
import { createJobTimer } from '../../jobs/job-timer.ts';
import { leaderOnly, type Leadership } from '../../jobs/leadership.ts';

// Held for one tick's claim transaction: whichever control-plane process gets it claims the due
// projects; the others skip this tick. (Any constant; the same in every process.)
const SCHEDULER_LOCK_KEY = 7_878_003;

export interface ObservedProject {
  projectId: string;
  backlog: number;
  threshold: number;
  openProposals: number;
  awaitingReview: boolean;
  /** At least one enabled template: without one a run could propose nothing. */
  hasTemplates: boolean;
}

export interface TickResult {
  /** False when another process held the scheduler lock. */
  leader: boolean;
  checked: ObservedProject[];
  runs: RunOutcome[];
}

/**
 * Claims every project whose cadence has elapsed, in one statement: it creates missing configs
 * (defaults), wakes snoozed projects whose time has come, stamps last_checked_at (so a project is
 * checked once per cadence however long the scheduler was down — no replay of missed ticks),
 * observes the backlog on the partial index and records it as a sample.
 */
async function claimDueProjects(db: Db, now: Date): Promise<{ leader: boolean; checked: ObservedProject[] }> {
  return db.transaction(async (tx) => {
    const lock = rowsOf(await tx.execute(sql`SELECT pg_try_advisory_xact_lock(${SCHEDULER_LOCK_KEY}) AS ok`));
    if (!lock[0]?.ok) return { leader: false, checked: [] };
    await tx.execute(sql`
      INSERT INTO mission_fallback_configs (id, project_id)
      SELECT p.id, p.id FROM projects p
       WHERE NOT EXISTS (SELECT 1 FROM mission_fallback_configs c WHERE c.project_id = p.id)
      ON CONFLICT (project_id) DO NOTHING`);
    const rows = rowsOf(await tx.execute(sql`
      WITH claimed AS (
        -- No row locks taken first: the advisory lock makes this process the only claimer, and
        -- each row's update is atomic, so a project is stamped (and observed) once per cadence.
        UPDATE mission_fallback_configs
           SET last_checked_at = ${now}, status = 'active', snoozed_until = NULL
         WHERE (status = 'active' OR (status = 'snoozed' AND snoozed_until <= ${now}))
           AND (last_checked_at IS NULL OR last_checked_at + check_cadence_minutes * interval '1 minute' <= ${now})
        RETURNING project_id, backlog_threshold
      ), observed AS (
        SELECT cl.project_id, cl.backlog_threshold,
               (SELECT count(*) FROM missions m WHERE m.project_id = cl.project_id AND m.list = 'todo' AND m.ready AND m.repository_id IS NOT NULL)::int AS backlog,
               (SELECT count(*) FROM mission_fallback_items i WHERE i.project_id = cl.project_id AND i.status = 'proposed')::int AS open,
               EXISTS (SELECT 1 FROM mission_fallback_runs r WHERE r.project_id = cl.project_id AND r.status = 'awaiting_review') AS awaiting,
               EXISTS (SELECT 1 FROM mission_fallback_templates t
                        WHERE t.project_id = cl.project_id AND t.enabled AND t.deleted_at IS NULL) AS has_templates
          FROM claimed cl
      ), sampled AS (
        INSERT INTO mission_fallback_backlog_samples (project_id, checked_at, backlog_count, backlog_threshold)
        SELECT project_id, ${now}, backlog, backlog_threshold FROM observed
      )
      SELECT project_id, backlog_threshold, backlog, open, awaiting, has_templates FROM observed`));
    return {
      leader: true,
      checked: rows.map((r) => ({
        projectId: String(r.project_id),
        backlog: Number(r.backlog),
        threshold: Number(r.backlog_threshold),
        openProposals: Number(r.open),
        awaitingReview: Boolean(r.awaiting),
        hasTemplates: Boolean(r.has_templates),
      })),
    };
  });
}

export interface SchedulerDeps {
  db: Db;
  clock: Clock;
  engine: FallbackEngine;
  /** The global feature flag (SU_FALLBACK_ENABLED). */
  enabled: boolean;
  tickMs: number;
  /** Periodic upkeep after ticks (metrics refresh, retention); errors are logged, never thrown. */
  afterTick?: (now: Date) => Promise<void>;
  /** Timer ticks happen only in the leader instance; the claim's own lock stays the guarantee of one run per due project. */
  leadership?: Leadership;
  log?: { error(obj: object, msg: string): void };
}

/** Mission Fallback's timekeeper: on every tick, one set-based check, then runs where needed. */
export function createFallbackScheduler(deps: SchedulerDeps) {
  async function tick(): Promise<TickResult> {
    if (!deps.enabled) return { leader: false, checked: [], runs: [] };
    const now = deps.clock.now();
    const { leader, checked } = await claimDueProjects(deps.db, now);
    const runs: RunOutcome[] = [];
    // Strictly below the threshold once open proposals count; no new run while one awaits review.
    const due = checked.filter((c) => c.backlog + c.openProposals < c.threshold && !c.awaitingReview && c.hasTemplates);
    for (const p of due) {
      const outcome = await deps.engine.run(p.projectId, 'automatic');
      if (outcome) runs.push(outcome);
    }
    if (leader && deps.afterTick) await deps.afterTick(now).catch((err) => deps.log?.error({ err }, 'fallback upkeep failed'));
    return { leader, checked, runs };
  }

  const timer = createJobTimer({
    name: 'fallback tick', everyMs: deps.enabled ? deps.tickMs : 0, run: deps.leadership ? leaderOnly(deps.leadership, tick) : tick, log: deps.log,
  });
  return { tick, start: timer.start, stop: timer.stop };
}
export type FallbackScheduler = ReturnType<typeof createFallbackScheduler>;
