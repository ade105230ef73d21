import { z } from 'zod';
import { idSchema } from '../ids.ts';

export const projectVisibilitySchema = z.enum(['private', 'public']);
export const projectRoles = ['admin', 'member', 'viewer'] as const;
export const projectRoleSchema = z.enum(projectRoles);
export type ProjectRole = z.infer<typeof projectRoleSchema>;

const agentName = z.string().trim().min(1).max(64).regex(/^[a-z0-9][a-z0-9_-]*$/, 'lowercase letters, digits, - and _');

export const createProjectBody = z.strictObject({
  organizationId: idSchema,
  name: z.string().trim().min(1).max(200),
  description: z.string().max(10_000).optional(),
  visibility: projectVisibilitySchema.default('private'),
  defaultAgent: agentName.optional(),
  maxConcurrentMissions: z.number().int().min(1).max(1000).optional(),
});

export const updateProjectBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(10_000).nullable(),
    visibility: projectVisibilitySchema,
    defaultAgent: agentName.nullable(),
    maxConcurrentMissions: z.number().int().min(1).max(1000),
    memory: z.string().max(100_000).nullable(),
  })
  .partial();

export const projectSchema = z.object({
  id: idSchema,
  organizationId: idSchema,
  name: z.string(),
  description: z.string().nullable(),
  visibility: projectVisibilitySchema,
  defaultAgent: z.string().nullable(),
  maxConcurrentMissions: z.number().int(),
  memory: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Project = z.infer<typeof projectSchema>;

export const addProjectMemberBody = z.strictObject({
  userId: idSchema,
  role: projectRoleSchema,
});
