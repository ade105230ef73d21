import { createFallbackTemplateBody, updateFallbackConfigBody, updateFallbackTemplateBody } from '@solo-unicorn/shared';
import type { z } from 'zod';
import type { Db, Executor } from '../../db/types.ts';
import { invalidField, notFound } from '../../errors.ts';
import type { Clock } from '../../lib/time.ts';
import type { AccessService } from '../access/access.service.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { createFlowsRepository } from '../flows/flows.repository.ts';
import { createRepositoriesRepository } from '../repositories/repositories.repository.ts';
import { toFallbackConfig, toFallbackTemplate } from './fallback.serializers.ts';
import { createFallbackConfigRepository } from './fallback-config.repository.ts';
import { createFallbackMetricsRepository } from './fallback-metrics.repository.ts';
import { createFallbackTemplatesRepository } from './fallback-templates.repository.ts';

/** Flow, actor and repository of a template must be the project's own. */
async function checkTemplateRefs(db: Executor, projectId: string, refs: { flowId?: string; actorId?: string; repositoryId?: string }) {
  const flows = createFlowsRepository(db);
  if (refs.flowId && !(await flows.findFlow(projectId, refs.flowId))) throw invalidField('body.flowId', 'no such flow in this project');
  if (refs.actorId && !(await flows.findActor(projectId, refs.actorId))) throw invalidField('body.actorId', 'no such actor in this project');
  if (refs.repositoryId && !(await createRepositoriesRepository(db).findInProject(projectId, refs.repositoryId))) {
    throw invalidField('body.repositoryId', 'no such repository in this project');
  }
}

/** The audit event of a template change: its name and project, never its prompt text. */
function templateAudit(caller: UserPrincipal, organizationId: string, action: string, row: { id: string; projectId: string; name: string }, extra: Record<string, unknown> = {}) {
  return {
    organizationId, actorType: 'user' as const, actorId: caller.userId, action,
    targetType: 'fallback_template', targetId: row.id, data: { projectId: row.projectId, name: row.name, ...extra },
  };
}

/** Fallback configuration and templates: what the scheduler works from. */
export function createFallbackSetupService(db: Db, access: AccessService, clock: Clock) {
  const configs = createFallbackConfigRepository(db);
  const templates = createFallbackTemplatesRepository(db);

  return {
    async getConfig(caller: UserPrincipal, projectId: string) {
      await access.requireProject(caller, projectId, 'read');
      return toFallbackConfig(await configs.ensure(projectId));
    },

    async updateConfig(caller: UserPrincipal, projectId: string, input: z.infer<typeof updateFallbackConfigBody>) {
      const { project } = await access.requireProject(caller, projectId, 'admin');
      const now = clock.now();
      return db.transaction(async (tx) => {
        const repo = createFallbackConfigRepository(tx);
        const current = await repo.lock(projectId);
        const status = input.status ?? current.status;
        let snoozedUntil = input.snoozedUntil === undefined ? current.snoozedUntil : input.snoozedUntil && new Date(input.snoozedUntil);
        if (status === 'snoozed') {
          if (!snoozedUntil || snoozedUntil <= now) throw invalidField('body.snoozedUntil', 'snoozing needs a time in the future');
        } else {
          snoozedUntil = null; // active and paused carry no wake-up time
        }
        const { snoozedUntil: _ignored, ...rest } = input;
        const updated = await repo.update(projectId, { ...rest, status, snoozedUntil, updatedAt: now });
        await recordAudit(tx, {
          organizationId: project.organizationId, actorType: 'user', actorId: caller.userId, action: 'fallback_config.updated',
          targetType: 'project', targetId: projectId, data: { projectId, fields: Object.keys(input), status },
        });
        return toFallbackConfig(updated);
      });
    },

    async listTemplates(caller: UserPrincipal, projectId: string) {
      await access.requireProject(caller, projectId, 'read');
      const now = clock.now();
      return (await templates.list(projectId)).map((t) => toFallbackTemplate(t, now));
    },

    async getTemplate(caller: UserPrincipal, projectId: string, templateId: string) {
      await access.requireProject(caller, projectId, 'read');
      const row = await templates.find(projectId, templateId);
      if (!row) throw notFound('template');
      return toFallbackTemplate(row, clock.now());
    },

    async createTemplate(caller: UserPrincipal, projectId: string, input: z.infer<typeof createFallbackTemplateBody>) {
      const { project } = await access.requireProject(caller, projectId, 'admin');
      await checkTemplateRefs(db, projectId, input);
      const now = clock.now();
      const row = await db.transaction(async (tx) => {
        const created = await createFallbackTemplatesRepository(tx).insert({ projectId, ...input, createdAt: now, updatedAt: now });
        await recordAudit(tx, templateAudit(caller, project.organizationId, 'fallback_template.created', created));
        return created;
      });
      return toFallbackTemplate(row, now);
    },

    async updateTemplate(caller: UserPrincipal, projectId: string, templateId: string, input: z.infer<typeof updateFallbackTemplateBody>) {
      const { project } = await access.requireProject(caller, projectId, 'admin');
      if (!(await templates.find(projectId, templateId))) throw notFound('template');
      await checkTemplateRefs(db, projectId, input);
      const now = clock.now();
      const row = await db.transaction(async (tx) => {
        const updated = await createFallbackTemplatesRepository(tx).update(templateId, { ...input, updatedAt: now });
        await recordAudit(tx, templateAudit(caller, project.organizationId, 'fallback_template.updated', updated, { fields: Object.keys(input) }));
        return updated;
      });
      return toFallbackTemplate(row, now);
    },

    /** Daily metrics and guardrail health from the materialized views (refreshed by the scheduler). */
    async metrics(caller: UserPrincipal, projectId: string, days: number) {
      await access.requireProject(caller, projectId, 'read');
      const since = new Date(clock.now().getTime() - days * 86_400_000).toISOString().slice(0, 10);
      const metrics = createFallbackMetricsRepository(db);
      return { daily: await metrics.daily(projectId, since), health: await metrics.health(projectId) };
    },

    /** Soft delete: runs and items keep pointing at the template for audit. */
    async deleteTemplate(caller: UserPrincipal, projectId: string, templateId: string) {
      const { project } = await access.requireProject(caller, projectId, 'admin');
      if (!(await templates.find(projectId, templateId))) throw notFound('template');
      const now = clock.now();
      await db.transaction(async (tx) => {
        const deleted = await createFallbackTemplatesRepository(tx).update(templateId, { deletedAt: now, enabled: false, updatedAt: now });
        await recordAudit(tx, templateAudit(caller, project.organizationId, 'fallback_template.deleted', deleted));
      });
    },
  };
}
export type FallbackSetupService = ReturnType<typeof createFallbackSetupService>;
