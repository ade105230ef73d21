import { defaultFlowStages } from '@solo-unicorn/shared';
import type { Executor } from '../../db/types.ts';
import { conflict, invalidField } from '../../errors.ts';
import { createFlowsRepository } from '../flows/flows.repository.ts';
import { createRepositoriesRepository } from '../repositories/repositories.repository.ts';
import { createMissionsRepository } from './missions.repository.ts';

/**
 * Checks the ids a mission points at belong to its own project. A foreign or unknown id is a
 * 400 on that field: the caller sent a value that cannot work, and we never reveal other projects.
 */
export async function checkReferences(
  db: Executor,
  projectId: string,
  refs: { flowId?: string | null; actorId?: string | null; repositoryId?: string | null },
) {
  const flows = createFlowsRepository(db);
  const flow = refs.flowId ? await flows.findFlow(projectId, refs.flowId) : undefined;
  if (refs.flowId && !flow) throw invalidField('body.flowId', 'no such flow in this project');
  if (refs.actorId && !(await flows.findActor(projectId, refs.actorId))) throw invalidField('body.actorId', 'no such actor in this project');
  if (refs.repositoryId && !(await createRepositoriesRepository(db).findInProject(projectId, refs.repositoryId))) {
    throw invalidField('body.repositoryId', 'no such repository in this project');
  }
  return { stages: flow ? flow.stages : defaultFlowStages };
}

/** Dependencies must be missions of the same project and must not close a cycle. */
export async function checkDependencies(db: Executor, projectId: string, missionId: string | undefined, dependsOn: string[]) {
  const unique = [...new Set(dependsOn)];
  const repo = createMissionsRepository(db);
  const found = await repo.inProject(projectId, unique);
  if (found.length !== unique.length) {
    const known = new Set(found.map((f) => f.id));
    throw invalidField('body.dependsOn', `no such mission in this project: ${unique.filter((id) => !known.has(id)).join(', ')}`);
  }
  if (missionId && (await repo.wouldCycle(missionId, unique))) {
    throw conflict('SU_ERR_MISSION_DEPENDENCY_CYCLE', 'dependsOn: these dependencies would make the mission depend on itself');
  }
  return { ids: unique, unfinished: found.filter((f) => f.list !== 'done').length };
}
