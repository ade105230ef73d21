import { newId } from '@solo-unicorn/shared';
import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { githubPrComments, githubPullRequests, projectRepositories } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';

export type PullRequestRow = typeof githubPullRequests.$inferSelect;
export type PrCommentRow = typeof githubPrComments.$inferSelect;
export type NewPrComment = Omit<typeof githubPrComments.$inferInsert, 'id' | 'pullRequestId'>;
/** A stored PR with the GitHub coordinates of its repository. */
export type TrackedPullRequest = PullRequestRow & { owner: string; repo: string };

const tracked = { pr: githubPullRequests, owner: projectRepositories.githubOwner, repo: projectRepositories.githubName };
const toTracked = (r: { pr: PullRequestRow; owner: string | null; repo: string | null }): TrackedPullRequest => ({ ...r.pr, owner: r.owner ?? '', repo: r.repo ?? '' });

export function createPullRequestsRepository(db: Executor) {
  return {
    /** The mission's newest PR from its branch that can still take commits (open or closed, not merged). */
    async reusableFor(missionId: string, branch: string): Promise<PullRequestRow | undefined> {
      const [row] = await db.select().from(githubPullRequests)
        .where(and(eq(githubPullRequests.missionId, missionId), eq(githubPullRequests.headBranch, branch), sql`${githubPullRequests.state} <> 'merged'`))
        .orderBy(desc(githubPullRequests.createdAt)).limit(1);
      return row;
    },

    async latestFor(missionId: string): Promise<PullRequestRow | undefined> {
      const [row] = await db.select().from(githubPullRequests).where(eq(githubPullRequests.missionId, missionId)).orderBy(desc(githubPullRequests.createdAt)).limit(1);
      return row;
    },

    async lockTracked(id: string): Promise<TrackedPullRequest | undefined> {
      const [row] = await db.select(tracked).from(githubPullRequests)
        .innerJoin(projectRepositories, eq(projectRepositories.id, githubPullRequests.repositoryId))
        .where(eq(githubPullRequests.id, id)).for('update', { of: githubPullRequests });
      return row && toTracked(row);
    },

    /** Adopts (or records) a PR: a row per repository and number, whoever stored it first. */
    async upsert(values: Omit<typeof githubPullRequests.$inferInsert, 'id'>): Promise<PullRequestRow> {
      const [row] = await db.insert(githubPullRequests).values({ id: newId(), ...values })
        .onConflictDoUpdate({
          target: [githubPullRequests.repositoryId, githubPullRequests.number],
          set: { state: values.state, title: values.title, url: values.url, headCommit: values.headCommit, closedAt: values.closedAt ?? null, updatedAt: values.updatedAt },
        })
        .returning();
      return row!;
    },

    async update(id: string, set: Partial<typeof githubPullRequests.$inferInsert>) {
      const [row] = await db.update(githubPullRequests).set(set).where(eq(githubPullRequests.id, id)).returning();
      return row!;
    },

    /** PRs a webhook delivery may be about: by the repository's GitHub owner/name and PR number. */
    async byGithubNumber(owner: string, repo: string, number: number): Promise<TrackedPullRequest[]> {
      const rows = await db.select(tracked).from(githubPullRequests)
        .innerJoin(projectRepositories, eq(projectRepositories.id, githubPullRequests.repositoryId))
        .where(and(
          sql`lower(${projectRepositories.githubOwner}) = lower(${owner})`,
          sql`lower(${projectRepositories.githubName}) = lower(${repo})`,
          eq(githubPullRequests.number, number),
        ));
      return rows.map(toTracked);
    },

    /** Open PRs to poll, least recently checked first. */
    async openForPolling(limit: number): Promise<TrackedPullRequest[]> {
      const rows = await db.select(tracked).from(githubPullRequests)
        .innerJoin(projectRepositories, eq(projectRepositories.id, githubPullRequests.repositoryId))
        .where(eq(githubPullRequests.state, 'open')).orderBy(asc(githubPullRequests.updatedAt)).limit(limit);
      return rows.map(toTracked);
    },

    async knownCommentIds(pullRequestId: string, kind: string, ids: number[]): Promise<Set<number>> {
      if (ids.length === 0) return new Set();
      const rows = await db.select({ id: githubPrComments.githubCommentId }).from(githubPrComments)
        .where(and(eq(githubPrComments.pullRequestId, pullRequestId), eq(githubPrComments.kind, kind), inArray(githubPrComments.githubCommentId, ids)));
      return new Set(rows.map((r) => Number(r.id)));
    },

    /** Stores a comment once per (PR, kind, GitHub id); undefined when it was already stored. */
    async insertComment(pullRequestId: string, c: NewPrComment): Promise<PrCommentRow | undefined> {
      const [row] = await db.insert(githubPrComments).values({ id: newId(), pullRequestId, ...c }).onConflictDoNothing().returning();
      return row;
    },

    /** Feedback not yet given to the agent: change requests, and the inline comments around them. */
    async unprocessed(pullRequestId: string): Promise<PrCommentRow[]> {
      return db.select().from(githubPrComments)
        .where(and(eq(githubPrComments.pullRequestId, pullRequestId), isNull(githubPrComments.processedAt)))
        .orderBy(asc(githubPrComments.createdAt), asc(githubPrComments.githubCommentId));
    },

    async markProcessed(ids: string[], at: Date) {
      if (ids.length > 0) await db.update(githubPrComments).set({ processedAt: at }).where(inArray(githubPrComments.id, ids));
    },

    async listForMission(missionId: string) {
      const prs = await db.select().from(githubPullRequests).where(eq(githubPullRequests.missionId, missionId)).orderBy(asc(githubPullRequests.createdAt));
      const comments = prs.length === 0 ? [] : await db.select().from(githubPrComments)
        .where(inArray(githubPrComments.pullRequestId, prs.map((p) => p.id)))
        .orderBy(asc(githubPrComments.createdAt), asc(githubPrComments.githubCommentId));
      return prs.map((pr) => ({ pr, comments: comments.filter((c) => c.pullRequestId === pr.id) }));
    },
  };
}
