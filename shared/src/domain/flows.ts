import { z } from 'zod';
import { idSchema } from '../ids.ts';

const stageName = z.string().trim().min(1).max(64).regex(/^[a-z0-9][a-z0-9_-]*$/, 'lowercase letters, digits, - and _');

export const flowStageSchema = z.strictObject({
  name: stageName,
  requiresReview: z.boolean().default(false),
});
export type FlowStage = z.infer<typeof flowStageSchema>;

/** A stage may be given as a bare name or as an object. */
const stageInput = z.union([stageName.transform((name) => ({ name, requiresReview: false })), flowStageSchema]);

export const createFlowBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  stages: z
    .array(stageInput)
    .min(1)
    .max(20)
    .refine((stages) => new Set(stages.map((s) => s.name)).size === stages.length, 'stage names must be unique'),
});

export const defaultFlowStages: FlowStage[] = [
  { name: 'clarify', requiresReview: false },
  { name: 'plan', requiresReview: false },
  { name: 'execute', requiresReview: false },
];

export const flowSchema = z.object({
  id: idSchema,
  projectId: idSchema,
  name: z.string(),
  stages: z.array(z.object({ name: z.string(), requiresReview: z.boolean() })),
  createdAt: z.string(),
});
export type Flow = z.infer<typeof flowSchema>;
