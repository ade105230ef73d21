import { eq } from 'drizzle-orm';
import { missions, projectRepositories } from '../../db/schema/index.ts';
import type { Db } from '../../db/types.ts';
import type { Clock } from '../../lib/time.ts';
import type { GithubIntegrationsService } from './github-integrations.service.ts';
import { createMissionEventsRepository } from '../missions/mission-events.repository.ts';
import { createMissionsRepository } from '../missions/missions.repository.ts';
import { notifyProjectAdmins } from '../notifications/notify.ts';
import { type GhPull, GitHubError } from './client.ts';
import { COMMAND, type PrFeedback } from './pr-feedback.ts';
import { createPrJobsRepository, type PrJobRow } from './pr-jobs.repository.ts';
import { createPullRequestsRepository } from './pull-requests.repository.ts';

export interface PrWorkerDeps {
  db: Db;
  clock: Clock;
  integrations: GithubIntegrationsService;
  feedback: PrFeedback;
  log: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void };
  /** Safety-net period for jobs of other processes and retries (ms). */
  tickMs?: number;
  /** Tries before a transient failure is reported to people (then the job stops). */
  maxTries?: number;
}

/** A failure no retry fixes: the job ends and people are told why. */
class Permanent extends Error {}
const LOCK_MS = 120_000;

/** `head` is already open as another PR, or the branch has nothing new: GitHub's 422s worth knowing. */
const alreadyExists = (e: unknown) => e instanceof GitHubError && e.status === 422 && /already exists/i.test(e.message);

function prBody(m: { id: string; description: string | null }, attemptId: string | null): string {
  return [
    m.description?.trim() || '_No description._',
    '',
    '---',
    `Opened by Solo Unicorn for mission \`${m.id}\`${attemptId ? ` (latest attempt \`${attemptId}\`)` : ''}.`,
    `Request changes in a review, or comment \`${COMMAND} <what to change>\`, to send it back to the agent on this branch.`,
    `<!-- solo-unicorn:mission:${m.id} -->`,
  ].join('\n');
}

/**
 * Opens or updates each mission's pull request after its attempt pushed the branch: exactly one
 * PR per mission and branch, across retries, crashes and several control planes. Jobs come from
 * github_pr_jobs (written with the attempt's outcome); an existing PR is found first in our table,
 * then on GitHub by head branch, and only then created.
 */
export function createPullRequestWorker(deps: PrWorkerDeps) {
  const jobs = createPrJobsRepository(deps.db);
  const maxTries = deps.maxTries ?? 6;
  let draining: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function openOrUpdate(job: PrJobRow) {
    const [row] = await deps.db.select({ m: missions, repo: projectRepositories }).from(missions)
      .leftJoin(projectRepositories, eq(projectRepositories.id, missions.repositoryId)).where(eq(missions.id, job.missionId));
    if (!row) return; // the mission was deleted
    const { m, repo } = row;
    if (!repo?.githubOwner || !repo.githubName) throw new Permanent('the mission’s repository is not a GitHub repository: link it with its GitHub owner/name');
    if (!m.prBranchName) throw new Permanent('the mission has no pushed branch');
    const integration = await deps.integrations.forProject(m.projectId);
    if (!integration) throw new Permanent('no GitHub token for this project: PUT /api/v1/projects/:projectId/github, then POST /api/v1/missions/:missionId/pull-request');
    const ref = { owner: repo.githubOwner, repo: repo.githubName };
    const { client } = integration;
    const branch = m.prBranchName;
    const prs = createPullRequestsRepository(deps.db);
    const now = deps.clock.now();
    const content = { title: m.title, body: prBody(m, job.attemptId) };

    // Ours first; else GitHub's by head branch (a crash between its answer and our write may
    // have left one open); only then a new one.
    const known = await prs.reusableFor(m.id, branch);
    const found = known ? undefined : await client.findPullByHead(ref, branch);
    const existing = known ?? (found && !found.merged_at ? { number: found.number, state: found.state } : undefined);
    let gh: GhPull;
    if (existing) {
      gh = await client.updatePull(ref, existing.number, { ...content, ...(existing.state === 'closed' ? { state: 'open' as const } : {}) });
    } else {
      try {
        gh = await client.createPull(ref, { ...content, head: branch, base: m.targetBranch });
      } catch (error) {
        const raced = alreadyExists(error) ? await client.findPullByHead(ref, branch) : undefined;
        if (!raced) throw error;
        gh = raced;
      }
    }
    const kind = !known ? 'pr.opened' : known.state === 'closed' ? 'pr.reopened' : 'pr.updated';

    // A link people click on the board: http(s) only, whatever the API answered (`javascript:…`).
    const url = deps.integrations.link(gh.html_url) ?? null;
    await deps.db.transaction(async (tx) => {
      const txPrs = createPullRequestsRepository(tx);
      const stored = await txPrs.upsert({
        missionId: m.id, projectId: m.projectId, repositoryId: repo.id, number: gh.number, url, title: gh.title,
        state: 'open', headBranch: branch, baseBranch: gh.base.ref, headCommit: job.headCommit, closedAt: null, createdAt: now, updatedAt: now,
      });
      const mission = await createMissionsRepository(tx).findForUpdate(m.id);
      if (!mission) return;
      await createMissionsRepository(tx).update(m.id, { githubPrNumber: gh.number, updatedAt: now });
      await createMissionEventsRepository(tx).append({
        missionId: m.id, origin: 'system', kind,
        data: { number: gh.number, url, branch, base: gh.base.ref, headCommit: job.headCommit, attemptId: job.attemptId },
      }, now);
      const tracked = await txPrs.lockTracked(stored.id);
      // Change requests that arrived while the agent worked go to it now.
      if (tracked) await deps.feedback.applyPending(tx, tracked);
    });
    deps.log.info({ missionId: m.id, number: gh.number, kind }, 'pull request ready');
  }

  async function report(job: PrJobRow, reason: string) {
    await deps.db.transaction(async (tx) => {
      const mission = await createMissionsRepository(tx).findForUpdate(job.missionId);
      if (!mission) return;
      const now = deps.clock.now();
      await createMissionEventsRepository(tx).append({ missionId: mission.id, origin: 'system', kind: 'pr.failed', data: { reason, attemptId: job.attemptId, tries: job.tries } }, now);
      await notifyProjectAdmins(tx, {
        projectId: mission.projectId, missionId: mission.id, kind: 'pr.failed', segment: 'review',
        title: (project) => `${project}: could not open the pull request of "${mission.title}"`,
        body: reason, data: { attemptId: job.attemptId },
      }, now);
    });
  }

  async function runOne(): Promise<boolean> {
    const job = await jobs.claim(deps.clock.now(), LOCK_MS);
    if (!job) return false;
    try {
      await openOrUpdate(job);
      await jobs.complete(job);
    } catch (error) {
      const status = error instanceof GitHubError ? error.status : undefined;
      // Bad token, no access, no commits, unknown repository: retrying will not help.
      const permanent = error instanceof Permanent || (error instanceof GitHubError && error.permanent) || (status !== undefined && status >= 400 && status < 500 && status !== 429 && status !== 403);
      const reason = error instanceof Error ? error.message : String(error);
      if (permanent || job.tries >= maxTries) {
        await report(job, status ? `GitHub answered ${status}: ${reason}` : reason);
        await jobs.complete(job);
      } else {
        const delay = Math.min(5_000 * 2 ** (job.tries - 1), 600_000);
        await jobs.retryLater(job, reason, new Date(deps.clock.now().getTime() + delay));
      }
      deps.log.warn({ missionId: job.missionId, status, tries: job.tries, err: reason }, 'pull request job failed');
    }
    return true;
  }

  /** Works through due jobs; one drain at a time, and a kick during it runs one more pass. */
  function kick(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (draining) {
      again = true;
      return draining;
    }
    draining = (async () => {
      do {
        again = false;
        while (!stopped && (await runOne()));
      } while (again && !stopped);
    })()
      .catch((err) => deps.log.error({ err }, 'pull request worker failed'))
      .finally(() => {
        draining = undefined;
      });
    return draining;
  }

  return {
    kick,
    /** Resolves when no pass is running (tests wait on it after a kick). */
    idle: () => draining ?? Promise.resolve(),
    start() {
      timer = setInterval(() => void kick(), deps.tickMs ?? 5_000);
      timer.unref();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await draining;
    },
  };
}
export type PullRequestWorker = ReturnType<typeof createPullRequestWorker>;
