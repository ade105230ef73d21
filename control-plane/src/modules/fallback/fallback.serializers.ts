import type { FallbackConfig, FallbackItem, FallbackRun, FallbackTemplate } from '@solo-unicorn/shared';
import { iso, isoOrNull } from '../../lib/time.ts';
import type { FallbackConfigRow } from './fallback-config.repository.ts';
import type { FallbackItemRow, FallbackRunRow } from './fallback-runs.repository.ts';
import type { FallbackTemplateRow } from './fallback-templates.repository.ts';
import { rotationHold } from './planning.ts';

export const toFallbackConfig = (c: FallbackConfigRow): FallbackConfig => ({
  projectId: c.projectId,
  backlogThreshold: c.backlogThreshold,
  checkCadenceMinutes: c.checkCadenceMinutes,
  autoAccept: c.autoAccept,
  monthlyTargetHours: c.monthlyTargetHours,
  weeklyMissionCap: c.weeklyMissionCap,
  status: c.status,
  snoozedUntil: isoOrNull(c.snoozedUntil),
  lastRunAt: isoOrNull(c.lastRunAt),
  lastCheckedAt: isoOrNull(c.lastCheckedAt),
  updatedAt: iso(c.updatedAt),
});

/** `now` decides `nextEligibleAt` (null: the planner may propose it now). */
export const toFallbackTemplate = (t: FallbackTemplateRow, now: Date): FallbackTemplate => ({
  id: t.id,
  projectId: t.projectId,
  name: t.name,
  description: t.description,
  flowId: t.flowId,
  actorId: t.actorId,
  repositoryId: t.repositoryId,
  priority: t.priority,
  estimatedEffortMinutes: t.estimatedEffortMinutes,
  acceptanceCriteria: t.acceptanceCriteria,
  enabled: t.enabled,
  tags: t.tags,
  lastUsedAt: isoOrNull(t.lastUsedAt),
  weight: t.weight,
  minWaitMinutes: t.minWaitMinutes,
  cooldownMinutes: t.cooldownMinutes,
  lastProposedAt: isoOrNull(t.lastProposedAt),
  lastDiscardedAt: isoOrNull(t.lastDiscardedAt),
  nextEligibleAt: isoOrNull(rotationHold(t, now)?.until ?? null),
  createdAt: iso(t.createdAt),
  updatedAt: iso(t.updatedAt),
});

export const toFallbackItem = (i: FallbackItemRow): FallbackItem => ({
  id: i.id,
  runId: i.missionFallbackRunId,
  templateId: i.templateId,
  projectId: i.projectId,
  title: i.title,
  description: i.description,
  flowId: i.flowId,
  actorId: i.actorId,
  repositoryId: i.repositoryId,
  priority: i.priority,
  estimatedEffortMinutes: i.estimatedEffortMinutes,
  status: i.status,
  missionId: i.missionId,
  feedback: i.feedback,
  createdAt: iso(i.createdAt),
  updatedAt: iso(i.updatedAt),
});

export const toFallbackRun = (r: FallbackRunRow): FallbackRun => ({
  id: r.id,
  projectId: r.projectId,
  triggeredBy: r.triggeredBy,
  backlogCountBefore: r.backlogCountBefore,
  backlogThreshold: r.backlogThreshold,
  generatedCount: r.generatedCount,
  acceptedCount: r.acceptedCount,
  discardedCount: r.discardedCount,
  status: r.status,
  error: r.error,
  reportPath: r.reportPath,
  startedAt: iso(r.startedAt),
  completedAt: isoOrNull(r.completedAt),
});
