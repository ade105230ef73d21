import { z } from 'zod';
import { branchNameSchema } from './git-refs.ts';
import { idSchema } from '../ids.ts';

/** The board's four lists. There is no loop list: recurring work comes from Mission Fallback. */
export const missionLists = ['todo', 'doing', 'review', 'done'] as const;
export const missionListSchema = z.enum(missionLists);
export type MissionList = z.infer<typeof missionListSchema>;

export const prModeSchema = z.enum(['disabled', 'enabled', 'auto']);
export const missionOriginSchema = z.enum(['manual', 'fallback', 'imported']);
export const agentSessionStatusSchema = z.enum(['inactive', 'pushing', 'active']);
export const reviewStatusSchema = z.enum(['pending', 'approved', 'rejected']);

const title = z.string().trim().min(1).max(500);
const description = z.string().max(100_000);
const priority = z.number().int().min(1).max(5);
const branch = branchNameSchema;
const stage = z.string().trim().min(1).max(64);
/** listOrder is a fraction-friendly position; bounded to what numeric(20,10) stores. */
export const listOrderSchema = z.number().finite().min(-1e9).max(1e9);

export const createMissionBody = z.strictObject({
  title,
  description: description.optional(),
  clarification: description.optional(),
  priority: priority.default(3),
  ready: z.boolean().default(false),
  flowId: idSchema.optional(),
  actorId: idSchema.optional(),
  repositoryId: idSchema.optional(),
  requiresReview: z.boolean().default(false),
  prMode: prModeSchema.default('auto'),
  targetBranch: branch.default('main'),
  dependsOn: z.array(idSchema).max(100).default([]),
  listOrder: listOrderSchema.optional(),
});
export type CreateMissionInput = z.infer<typeof createMissionBody>;

export const updateMissionBody = z
  .strictObject({
    title,
    description: description.nullable(),
    clarification: description.nullable(),
    priority,
    ready: z.boolean(),
    flowId: idSchema.nullable(),
    stage,
    actorId: idSchema.nullable(),
    repositoryId: idSchema.nullable(),
    requiresReview: z.boolean(),
    prMode: prModeSchema,
    targetBranch: branch,
    dependsOn: z.array(idSchema).max(100),
  })
  .partial();
export type UpdateMissionInput = z.infer<typeof updateMissionBody>;

export const moveMissionBody = z.strictObject({
  list: missionListSchema,
  listOrder: listOrderSchema.optional(),
});

export const reviewMissionBody = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  feedback: z.string().trim().min(1).max(100_000).optional(),
});

export const listMissionsQuery = z.strictObject({
  list: missionListSchema.optional(),
  ready: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(512).optional(),
});

export const missionSchema = z.object({
  id: idSchema,
  projectId: idSchema,
  title: z.string(),
  description: z.string().nullable(),
  clarification: z.string().nullable(),
  priority: z.number().int(),
  list: missionListSchema,
  listOrder: z.number(),
  flowId: z.string().nullable(),
  stage: z.string(),
  requiresReview: z.boolean(),
  actorId: z.string().nullable(),
  repositoryId: z.string().nullable(),
  targetBranch: z.string(),
  prMode: prModeSchema,
  prBranchName: z.string().nullable(),
  githubPrNumber: z.number().int().nullable(),
  ready: z.boolean(),
  origin: missionOriginSchema,
  fallbackItemId: z.string().nullable(),
  agentSessionStatus: agentSessionStatusSchema,
  solutionPath: z.string().nullable(),
  tasksPath: z.string().nullable(),
  reviewStatus: reviewStatusSchema.nullable(),
  reviewFeedback: z.string().nullable(),
  dependencyCount: z.number().int().describe('dependencies not yet Done'),
  dependsOn: z.array(idSchema),
  lastEventAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Mission = z.infer<typeof missionSchema>;

export const backlogSchema = z.object({ count: z.number().int(), threshold: z.number().int() });
