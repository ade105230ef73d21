import { defaultFlowStages, importLegacyBody } from '@solo-unicorn/shared';
import type { z } from 'zod';
import type { Db, Tx } from '../../db/types.ts';
import { invalidField } from '../../errors.ts';
import type { Clock } from '../../lib/time.ts';
import type { AccessService } from '../access/access.service.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { createFlowsRepository } from '../flows/flows.repository.ts';
import { createMissionEventsRepository } from '../missions/mission-events.repository.ts';
import { createMissionsRepository } from '../missions/missions.repository.ts';
import { createRepositoriesRepository } from '../repositories/repositories.repository.ts';
import { createFallbackTemplatesRepository } from './fallback-templates.repository.ts';

type ImportInput = z.infer<typeof importLegacyBody>;
type LegacyMission = ImportInput['missions'][number];

const isLoopMission = (m: LegacyMission) => m.is_loop === true;

/** Flow, actor and repository for templates made from loop missions: given, the project's first, or created. */
async function templateDefaults(tx: Tx, projectId: string, defaults: ImportInput['defaults'], at: Date) {
  const flows = createFlowsRepository(tx);
  const flow = defaults.flowId
    ? await flows.findFlow(projectId, defaults.flowId)
    : ((await flows.listFlows(projectId))[0] ?? (await flows.insertFlow({ projectId, name: 'imported', stages: defaultFlowStages, createdAt: at, updatedAt: at })));
  if (!flow) throw invalidField('body.defaults.flowId', 'no such flow in this project');
  const actor = defaults.actorId
    ? await flows.findActor(projectId, defaults.actorId)
    : ((await flows.listActors(projectId))[0] ?? (await flows.insertActor({ projectId, name: 'Imported', createdAt: at, updatedAt: at })));
  if (!actor) throw invalidField('body.defaults.actorId', 'no such actor in this project');
  const repos = createRepositoriesRepository(tx);
  const repository = defaults.repositoryId ? await repos.findInProject(projectId, defaults.repositoryId) : (await repos.list(projectId))[0];
  if (!repository) {
    throw invalidField('body.defaults.repositoryId', defaults.repositoryId ? 'no such repository in this project' : 'the export has loop missions and the project has no repository: link one first or pass defaults.repositoryId');
  }
  return { flowId: flow.id, actorId: actor.id, repositoryId: repository.id };
}

/**
 * Migration from the loop-list product: each loop mission becomes an enabled fallback template
 * (recurring work now comes from Mission Fallback, so none stays on the board); every other
 * mission becomes an `imported` mission, and a `loop` list value becomes `todo`. All or nothing.
 */
export function createLegacyImportService(db: Db, access: AccessService, clock: Clock) {
  return {
    async import(caller: UserPrincipal, projectId: string, input: ImportInput) {
      const { project } = await access.requireProject(caller, projectId, 'admin');
      const at = clock.now();
      return db.transaction(async (tx) => {
        const loops = input.missions.filter(isLoopMission);
        const defaults = loops.length > 0 ? await templateDefaults(tx, projectId, input.defaults, at) : undefined;
        const templates = createFallbackTemplatesRepository(tx);
        const templateIds: string[] = [];
        for (const m of loops) {
          const row = await templates.insert({
            projectId, ...defaults!, name: m.title.slice(0, 255), description: m.description ?? null,
            priority: m.priority ?? 3, estimatedEffortMinutes: m.estimated_effort_minutes ?? 60,
            acceptanceCriteria: m.acceptance_criteria ?? null, enabled: true, tags: ['imported', 'loop'], createdAt: at, updatedAt: at,
          });
          templateIds.push(row.id);
        }
        const missions = createMissionsRepository(tx);
        const events = createMissionEventsRepository(tx);
        const missionIds: string[] = [];
        let loopListConverted = 0;
        for (const m of input.missions.filter((x) => !isLoopMission(x))) {
          const list = m.list === 'loop' ? 'todo' : m.list;
          if (m.list === 'loop') loopListConverted += 1;
          const row = await missions.insert({
            projectId, title: m.title, description: m.description ?? null, priority: m.priority ?? 3, ready: m.ready ?? false,
            list, listOrder: await missions.endOfList(projectId, list), origin: 'imported', createdBy: caller.userId,
            completedAt: list === 'done' ? at : null, createdAt: at, updatedAt: at,
          });
          await events.append({ missionId: row.id, origin: 'system', kind: 'mission.imported', userId: caller.userId, data: { from: 'legacy', originalList: m.list } }, at);
          missionIds.push(row.id);
        }
        await recordAudit(tx, {
          organizationId: project.organizationId, actorType: 'user', actorId: caller.userId, action: 'project.imported', targetType: 'project', targetId: projectId,
          data: { missions: missionIds.length, templates: templateIds.length },
        });
        return { missionsCreated: missionIds.length, templatesCreated: templateIds.length, loopListConverted, missionIds, templateIds };
      });
    },
  };
}
export type LegacyImportService = ReturnType<typeof createLegacyImportService>;
