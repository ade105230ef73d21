import { createFallbackTemplateBody, updateFallbackConfigBody, updateFallbackTemplateBody } from '@solo-unicorn/shared';
import type { z } from 'zod';
import type { Db, Executor } from '../../db/types.ts';
import { invalidField, notFound } from '../../errors.ts';
import type { Clock } from '../../lib/time.ts';
import type { AccessService } from '../access/access.service.ts';
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
      await access.requireProject(caller, projectId, 'admin');
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
        return toFallbackConfig(await repo.update(projectId, { ...rest, status, snoozedUntil, updatedAt: now }));
      });
    },

    async listTemplates(caller: UserPrincipal, projectId: string) {
      await access.requireProject(caller, projectId, 'read');
      return (await templates.list(projectId)).map(toFallbackTemplate);
    },

    async getTemplate(caller: UserPrincipal, projectId: string, templateId: string) {
      await access.requireProject(caller, projectId, 'read');
      const row = await templates.find(projectId, templateId);
      if (!row) throw notFound('template');
      return toFallbackTemplate(row);
    },

    async createTemplate(caller: UserPrincipal, projectId: string, input: z.infer<typeof createFallbackTemplateBody>) {
      await access.requireProject(caller, projectId, 'admin');
      await checkTemplateRefs(db, projectId, input);
      const now = clock.now();
      return toFallbackTemplate(await templates.insert({ projectId, ...input, createdAt: now, updatedAt: now }));
    },

    async updateTemplate(caller: UserPrincipal, projectId: string, templateId: string, input: z.infer<typeof updateFallbackTemplateBody>) {
      await access.requireProject(caller, projectId, 'admin');
      if (!(await templates.find(projectId, templateId))) throw notFound('template');
      await checkTemplateRefs(db, projectId, input);
      return toFallbackTemplate(await templates.update(templateId, { ...input, updatedAt: clock.now() }));
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
      await access.requireProject(caller, projectId, 'admin');
      if (!(await templates.find(projectId, templateId))) throw notFound('template');
      const now = clock.now();
      await templates.update(templateId, { deletedAt: now, enabled: false, updatedAt: now });
    },
  };
}
export type FallbackSetupService = ReturnType<typeof createFallbackSetupService>;
