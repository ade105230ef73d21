import { z } from 'zod';
import { branchNameSchema } from './git-refs.ts';
import { idSchema } from '../ids.ts';

export const createRepositoryBody = z.strictObject({
  url: z.string().trim().min(1).max(2000),
  defaultBranch: branchNameSchema.optional(),
  /**
   * The GitHub repository behind the URL, when the URL does not say (GitHub Enterprise hosts,
   * mirrors, local clones of a GitHub repository). github.com URLs are recognised on their own.
   */
  github: z.strictObject({
    owner: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/, 'a GitHub user or organization name'),
    name: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'a GitHub repository name'),
  }).optional(),
});

export const repositorySchema = z.object({
  id: idSchema,
  projectId: idSchema,
  url: z.string(),
  defaultBranch: z.string(),
  provider: z.enum(['github', 'git']),
  githubOwner: z.string().nullable(),
  githubName: z.string().nullable(),
  createdAt: z.string(),
});
export type Repository = z.infer<typeof repositorySchema>;
