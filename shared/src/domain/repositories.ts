import { z } from 'zod';
import { idSchema } from '../ids.ts';

export const createRepositoryBody = z.strictObject({
  url: z.string().trim().min(1).max(2000),
  defaultBranch: z.string().trim().min(1).max(255).optional(),
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
