import { z } from 'zod';
import { idSchema } from '../ids.ts';
import { agentPermissionPolicySchema } from './agent-policy.ts';

export const projectVisibilitySchema = z.enum(['private', 'public']);
export const projectRoles = ['admin', 'member', 'viewer'] as const;
export const projectRoleSchema = z.enum(projectRoles);
export type ProjectRole = z.infer<typeof projectRoleSchema>;

const agentName = z.string().trim().min(1).max(64).regex(/^[a-z0-9][a-z0-9_-]*$/, 'lowercase letters, digits, - and _');
/** US dollars per calendar month (UTC); bounded by what numeric(12,2) stores, in cents. */
const monthlyBudgetUsd = z.number().finite().min(0).max(9_999_999_999).multipleOf(0.01, 'at most two decimals (cents)');

export const createProjectBody = z.strictObject({
  organizationId: idSchema,
  name: z.string().trim().min(1).max(200),
  description: z.string().max(10_000).optional(),
  visibility: projectVisibilitySchema.default('private'),
  defaultAgent: agentName.optional(),
  maxConcurrentMissions: z.number().int().min(1).max(1000).optional(),
  agentPermissionPolicy: agentPermissionPolicySchema.optional(),
  monthlyBudgetUsd: monthlyBudgetUsd.nullable().optional(),
  docsInRepository: z.boolean().optional(),
  autoApproveAccessRequests: z.boolean().optional(),
});

export const updateProjectBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(10_000).nullable(),
    visibility: projectVisibilitySchema,
    defaultAgent: agentName.nullable(),
    maxConcurrentMissions: z.number().int().min(1).max(1000),
    memory: z.string().max(100_000).nullable(),
    agentPermissionPolicy: agentPermissionPolicySchema,
    monthlyBudgetUsd: monthlyBudgetUsd.nullable(),
    docsInRepository: z.boolean(),
    autoApproveAccessRequests: z.boolean(),
    /** Only for a public project; making the project private turns it off. */
    anonymousRead: z.boolean(),
  })
  .partial();

/** What a caller may do with a project: see it from outside (public), read, work its board (write), administer, own. */
export const projectAccessSchema = z.enum(['public', 'read', 'write', 'admin', 'owner']);
export type ProjectAccess = z.infer<typeof projectAccessSchema>;

export const projectSchema = z.object({
  id: idSchema,
  organizationId: idSchema,
  name: z.string(),
  description: z.string().nullable(),
  visibility: projectVisibilitySchema,
  defaultAgent: z.string().nullable(),
  maxConcurrentMissions: z.number().int(),
  memory: z.string().nullable(),
  agentPermissionPolicy: agentPermissionPolicySchema.describe("what agents may do in this project's missions (a mission may override it)"),
  monthlyBudgetUsd: z.number().nullable().describe('new dispatches park once the month\'s reported agent cost reaches it; null = no budget'),
  docsInRepository: z.boolean().describe('true (the default): mission docs are committed to the product repository with the work; false: they live in the control plane only'),
  autoApproveAccessRequests: z.boolean().describe('true: a request for viewer or member from a member of the organization is granted at once (admin always waits for a person); default false'),
  anonymousRead: z.boolean().describe('true (public projects only): callers without credentials may read what a signed-in outsider reads (the project, its Done missions and their docs, its repositories, its gallery entry); default false'),
  createdAt: z.string(),
  updatedAt: z.string(),
  viewerAccess: projectAccessSchema.optional().describe("GET /projects/:projectId only: the caller's own access to the project; only admin and owner may change its settings"),
});
export type Project = z.infer<typeof projectSchema>;

export const addProjectMemberBody = z.strictObject({
  userId: idSchema,
  role: projectRoleSchema,
});
