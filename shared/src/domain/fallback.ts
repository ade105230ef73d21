import { z } from 'zod';
import { instantSchema } from './instant.ts';
import { idSchema } from '../ids.ts';

export const fallbackStatusSchema = z.enum(['active', 'paused', 'snoozed']);
export const fallbackTriggerSchema = z.enum(['automatic', 'manual', 'api']);
export const fallbackRunStatusSchema = z.enum(['pending', 'awaiting_review', 'completed', 'cancelled', 'errored']);
export const fallbackItemStatusSchema = z.enum(['proposed', 'accepted', 'discarded']);

export const fallbackConfigSchema = z.object({
  projectId: idSchema,
  backlogThreshold: z.number().int(),
  checkCadenceMinutes: z.number().int(),
  autoAccept: z.boolean(),
  monthlyTargetHours: z.number().int(),
  weeklyMissionCap: z.number().int(),
  status: fallbackStatusSchema,
  snoozedUntil: z.string().nullable(),
  lastRunAt: z.string().nullable(),
  lastCheckedAt: z.string().nullable(),
  updatedAt: z.string(),
});
export type FallbackConfig = z.infer<typeof fallbackConfigSchema>;

/** PUT merges: send only what changes. Snoozing needs a future `snoozedUntil`. */
export const updateFallbackConfigBody = z
  .strictObject({
    backlogThreshold: z.number().int().min(0).max(10_000),
    checkCadenceMinutes: z.number().int().min(1).max(10_080),
    autoAccept: z.boolean(),
    monthlyTargetHours: z.number().int().min(0).max(100_000),
    weeklyMissionCap: z.number().int().min(0).max(10_000),
    status: fallbackStatusSchema,
    snoozedUntil: instantSchema.nullable(),
  })
  .partial();

const tags = z.array(z.string().trim().min(1).max(50)).max(20);

/** Template rotation (#18): weight, minimum wait between proposals, cooldown after a discard. */
const rotation = z.object({
  weight: z.number().int().min(1).max(10).describe('share of proposals: weight 2 comes round about twice as often as 1'),
  minWaitMinutes: z.number().int().min(0).max(525_600).describe('at least this long between two proposals of the template'),
  cooldownMinutes: z.number().int().min(0).max(525_600).describe('after a discarded proposal, this long before it is proposed again'),
});

export const createFallbackTemplateBody = z.strictObject({
  name: z.string().trim().min(1).max(255),
  description: z.string().max(100_000).optional(),
  flowId: idSchema,
  actorId: idSchema,
  repositoryId: idSchema,
  priority: z.number().int().min(1).max(5).default(3),
  estimatedEffortMinutes: z.number().int().min(1).max(100_000),
  acceptanceCriteria: z.string().max(100_000).optional(),
  enabled: z.boolean().default(true),
  tags: tags.default([]),
  ...rotation.partial().shape,
});

export const updateFallbackTemplateBody = z
  .strictObject({
    name: z.string().trim().min(1).max(255),
    description: z.string().max(100_000).nullable(),
    flowId: idSchema,
    actorId: idSchema,
    repositoryId: idSchema,
    priority: z.number().int().min(1).max(5),
    estimatedEffortMinutes: z.number().int().min(1).max(100_000),
    acceptanceCriteria: z.string().max(100_000).nullable(),
    enabled: z.boolean(),
    tags,
    ...rotation.shape,
  })
  .partial();

export const fallbackTemplateSchema = z.object({
  id: idSchema,
  projectId: idSchema,
  name: z.string(),
  description: z.string().nullable(),
  flowId: idSchema,
  actorId: idSchema,
  repositoryId: idSchema,
  priority: z.number().int(),
  estimatedEffortMinutes: z.number().int(),
  acceptanceCriteria: z.string().nullable(),
  enabled: z.boolean(),
  tags: z.array(z.string()),
  lastUsedAt: z.string().nullable(),
  ...rotation.shape,
  lastProposedAt: z.string().nullable(),
  lastDiscardedAt: z.string().nullable(),
  nextEligibleAt: z.string().nullable().describe('when its minimum wait or cooldown ends; null: it may be proposed now'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type FallbackTemplate = z.infer<typeof fallbackTemplateSchema>;

export const fallbackItemSchema = z.object({
  id: idSchema,
  runId: idSchema,
  templateId: idSchema,
  projectId: idSchema,
  title: z.string(),
  description: z.string().nullable(),
  flowId: idSchema,
  actorId: idSchema,
  repositoryId: idSchema,
  priority: z.number().int().nullable(),
  estimatedEffortMinutes: z.number().int().nullable(),
  status: fallbackItemStatusSchema,
  missionId: z.string().nullable(),
  feedback: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type FallbackItem = z.infer<typeof fallbackItemSchema>;

export const fallbackRunSchema = z.object({
  id: idSchema,
  projectId: idSchema,
  triggeredBy: fallbackTriggerSchema,
  backlogCountBefore: z.number().int().nullable(),
  backlogThreshold: z.number().int().nullable(),
  generatedCount: z.number().int(),
  acceptedCount: z.number().int(),
  discardedCount: z.number().int(),
  status: fallbackRunStatusSchema,
  error: z.string().nullable(),
  reportPath: z.string().nullable(),
  startedAt: z.string(),
  completedAt: z.string().nullable(),
});
export type FallbackRun = z.infer<typeof fallbackRunSchema>;

export const fallbackRunWithItemsSchema = fallbackRunSchema.extend({ items: z.array(fallbackItemSchema) });
export const runResultSchema = z.object({ run: fallbackRunSchema, items: z.array(fallbackItemSchema) });

export const discardItemBody = z.strictObject({ feedback: z.string().trim().min(1).max(10_000).optional() });

export const fallbackAreaSchema = z.object({
  templates: z.array(fallbackTemplateSchema),
  proposals: z.array(fallbackItemSchema),
});

/** A mission as exported by the legacy (loop-list) product. Unknown keys are ignored. */
export const legacyMissionSchema = z.looseObject({
  title: z.string().trim().min(1).max(500),
  description: z.string().max(100_000).nullish(),
  list: z.enum(['todo', 'doing', 'review', 'done', 'loop']).default('todo'),
  priority: z.number().int().min(1).max(5).nullish(),
  ready: z.boolean().nullish(),
  is_loop: z.boolean().nullish(),
  loop_schedule: z.unknown().optional(),
  estimated_effort_minutes: z.number().int().min(1).max(100_000).nullish(),
  acceptance_criteria: z.string().max(100_000).nullish(),
});

export const importLegacyBody = z.strictObject({
  missions: z.array(legacyMissionSchema).max(10_000),
  /** Used for templates made from loop missions; the project's first flow/actor/repository otherwise. */
  defaults: z
    .strictObject({ flowId: idSchema.optional(), actorId: idSchema.optional(), repositoryId: idSchema.optional() })
    .default({}),
});

export const importResultSchema = z.object({
  missionsCreated: z.number().int(),
  templatesCreated: z.number().int(),
  loopListConverted: z.number().int().describe('missions whose list was `loop`, now `todo`'),
  missionIds: z.array(idSchema),
  templateIds: z.array(idSchema),
});

export const fallbackMetricsSchema = z.object({
  daily: z.array(
    z.object({
      day: z.string(),
      fallbackGenerated: z.number().int(),
      fallbackAccepted: z.number().int(),
      fallbackDiscarded: z.number().int(),
      avgBacklogSize: z.number().nullable(),
      backlogChecks: z.number().int(),
      belowThresholdChecks: z.number().int(),
    }),
  ),
  health: z
    .object({
      status: z.string(),
      backlogThreshold: z.number().int(),
      checks30d: z.number().int(),
      thresholdAdherence: z.number().nullable().describe('share of checks with backlog ≥ threshold'),
      acceptedThisWeek: z.number().int(),
      weeklyCapUsage: z.number().nullable(),
      acceptedMinutesThisMonth: z.number().int(),
      monthlyHoursUsage: z.number().nullable(),
      runs30d: z.number().int(),
      erroredRuns30d: z.number().int(),
      refreshedAt: z.string(),
    })
    .nullable(),
});
