import type { Repository } from '@solo-unicorn/shared';
import type { Db } from '../../db/types.ts';
import { conflict, invalidField } from '../../errors.ts';
import { iso } from '../../lib/time.ts';
import type { AccessService } from '../access/access.service.ts';
import type { Reader, UserPrincipal } from '../auth/principal.ts';
import { parseRepositoryUrl } from './git-url.ts';
import { createRepositoriesRepository, type RepositoryRow } from './repositories.repository.ts';

export const toRepository = (r: RepositoryRow): Repository => ({
  id: r.id,
  projectId: r.projectId,
  url: r.url,
  defaultBranch: r.defaultBranch,
  provider: r.provider === 'github' ? 'github' : 'git',
  githubOwner: r.githubOwner,
  githubName: r.githubName,
  createdAt: iso(r.createdAt),
});

export function createRepositoriesService(db: Db, access: AccessService) {
  const repo = createRepositoriesRepository(db);
  return {
    async link(caller: UserPrincipal, projectId: string, input: { url: string; defaultBranch?: string; github?: { owner: string; name: string } }) {
      await access.requireProject(caller, projectId, 'admin');
      // A token in the URL would be shown to every reader of the project and land in logs and
      // clones' configs. Workstations authenticate with their own git credentials instead.
      if (/^[a-z][a-z0-9+.-]*:\/\/[^/@\s]+@/i.test(input.url) && !/^ssh:\/\/[\w.-]+@/i.test(input.url)) {
        throw invalidField('body.url', 'do not put credentials in the URL; configure git credentials on the workstations instead');
      }
      const parsed = parseRepositoryUrl(input.url);
      if (!parsed) throw invalidField('body.url', 'not a git URL (https://, ssh://, git@host:path, file:// or an absolute path)');
      const github = input.github ? { provider: 'github' as const, githubOwner: input.github.owner, githubName: input.github.name } : parsed;
      const row = await repo.insert({ projectId, url: input.url, defaultBranch: input.defaultBranch ?? 'main', ...github });
      if (!row) throw conflict('SU_ERR_REPOSITORY_EXISTS', 'url: this repository is already linked to the project');
      return toRepository(row);
    },
    async list(reader: Reader, projectId: string) {
      await access.readProject(reader, projectId);
      return (await repo.list(projectId)).map(toRepository);
    },
  };
}
export type RepositoriesService = ReturnType<typeof createRepositoriesService>;
