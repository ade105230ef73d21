import { eq } from 'drizzle-orm';
import { projectRepositories } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';
import { createGithubIntegrationsRepository } from './github-integrations.repository.ts';

export type EffectivePrMode = { mode: 'enabled' | 'disabled'; fallbackReason?: string };

/**
 * What an attempt does with its pushed branch. `auto` becomes a pull request only when the
 * repository is on GitHub and the project (or its organization) has a GitHub token; otherwise it
 * behaves as `disabled` and the reason goes on the mission's timeline.
 */
export async function effectivePrMode(db: Executor, m: { prMode: string; projectId: string; repositoryId: string | null }): Promise<EffectivePrMode> {
  if (m.prMode === 'enabled') return { mode: 'enabled' };
  if (m.prMode !== 'auto') return { mode: 'disabled' };
  const [repo] = m.repositoryId
    ? await db.select({ owner: projectRepositories.githubOwner, name: projectRepositories.githubName }).from(projectRepositories).where(eq(projectRepositories.id, m.repositoryId))
    : [];
  if (!repo?.owner || !repo.name) {
    return { mode: 'disabled', fallbackReason: 'the repository is not a GitHub repository (link it with its GitHub owner/name to get pull requests)' };
  }
  if (!(await createGithubIntegrationsRepository(db).effectiveFor(m.projectId))) {
    return { mode: 'disabled', fallbackReason: 'the project has no GitHub token (PUT /api/v1/projects/:projectId/github)' };
  }
  return { mode: 'enabled' };
}
