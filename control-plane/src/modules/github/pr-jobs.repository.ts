import { sql } from 'drizzle-orm';
import { githubPrJobs } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';
import { dbNowPlus } from '../../db/db-clock.ts';
import { rowsOf } from '../../db/rows.ts';

export type PrJobRow = typeof githubPrJobs.$inferSelect;

/** The queue of "open or update this mission's pull request" jobs (see the github_pr_jobs table). */
export function createPrJobsRepository(db: Executor) {
  return {
    /** Called in the transaction that finished the attempt: a newer push replaces a pending job. */
    async enqueue(job: { missionId: string; attemptId: string | null; headCommit: string | null }, at: Date) {
      await db
        .insert(githubPrJobs)
        .values({ ...job, runAfter: at, createdAt: at })
        .onConflictDoUpdate({
          target: githubPrJobs.missionId,
          set: { attemptId: job.attemptId, headCommit: job.headCommit, tries: 0, lastError: null, runAfter: at, lockedUntil: null },
        });
    },

    /**
     * One due job, locked for `lockMs` so no other worker (in this or another process) takes it;
     * a worker that dies leaves it to be taken again when the lock expires. The lock is set and
     * tested on the database's clock (db-clock.ts): a worker whose host clock runs ahead does not
     * take a job another instance still holds. (Due time, `run_after`, stays the hosts' clock: a
     * skew only moves when a job runs.)
     */
    async claim(at: Date, lockMs: number): Promise<PrJobRow | undefined> {
      const result = await db.execute(sql`
        UPDATE github_pr_jobs SET locked_until = ${dbNowPlus(lockMs)}, tries = tries + 1
        WHERE mission_id = (
          SELECT mission_id FROM github_pr_jobs
          WHERE run_after <= ${at.toISOString()}::timestamptz AND (locked_until IS NULL OR locked_until < now())
          ORDER BY run_after LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING mission_id, attempt_id, head_commit, tries, run_after, locked_until`);
      const [row] = rowsOf(result) as { mission_id: string; attempt_id: string | null; head_commit: string | null; tries: number; run_after: string; locked_until: string }[];
      if (!row) return undefined;
      return {
        missionId: row.mission_id, attemptId: row.attempt_id, headCommit: row.head_commit,
        tries: row.tries, lastError: null, runAfter: new Date(row.run_after), lockedUntil: new Date(row.locked_until), createdAt: at,
      };
    },

    /** Done: deleted unless a newer push re-queued it meanwhile (its attempt differs). */
    async complete(job: PrJobRow) {
      await db.execute(sql`DELETE FROM github_pr_jobs WHERE mission_id = ${job.missionId} AND attempt_id IS NOT DISTINCT FROM ${job.attemptId} AND tries = ${job.tries}`);
    },

    async retryLater(job: PrJobRow, error: string, runAfter: Date) {
      await db.execute(sql`UPDATE github_pr_jobs SET last_error = ${error.slice(0, 2000)}, run_after = ${runAfter.toISOString()}::timestamptz, locked_until = NULL
        WHERE mission_id = ${job.missionId} AND attempt_id IS NOT DISTINCT FROM ${job.attemptId} AND tries = ${job.tries}`);
    },
  };
}
