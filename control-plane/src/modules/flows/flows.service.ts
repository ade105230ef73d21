import type { Actor, Flow, FlowStage } from '@solo-unicorn/shared';
import type { Db } from '../../db/types.ts';
import { conflict } from '../../errors.ts';
import { iso } from '../../lib/time.ts';
import type { AccessService } from '../access/access.service.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { type ActorRow, createFlowsRepository, type FlowRow } from './flows.repository.ts';

const toFlow = (f: FlowRow): Flow => ({ id: f.id, projectId: f.projectId, name: f.name, stages: f.stages, createdAt: iso(f.createdAt) });
const toActor = (a: ActorRow): Actor => ({
  id: a.id,
  projectId: a.projectId,
  name: a.name,
  description: a.description,
  instructions: a.instructions,
  createdAt: iso(a.createdAt),
});

export function createFlowsService(db: Db, access: AccessService) {
  const repo = createFlowsRepository(db);
  return {
    async createFlow(caller: UserPrincipal, projectId: string, input: { name: string; stages: FlowStage[] }) {
      await access.requireProject(caller, projectId, 'admin');
      const row = await repo.insertFlow({ projectId, ...input });
      if (!row) throw conflict('SU_ERR_FLOW_NAME_TAKEN', `name: the project already has a flow named "${input.name}"`);
      return toFlow(row);
    },
    async listFlows(caller: UserPrincipal, projectId: string) {
      await access.requireProject(caller, projectId, 'read');
      return (await repo.listFlows(projectId)).map(toFlow);
    },
    async createActor(caller: UserPrincipal, projectId: string, input: { name: string; description?: string; instructions?: string }) {
      await access.requireProject(caller, projectId, 'admin');
      const row = await repo.insertActor({ projectId, ...input });
      if (!row) throw conflict('SU_ERR_ACTOR_NAME_TAKEN', `name: the project already has an actor named "${input.name}"`);
      return toActor(row);
    },
    async listActors(caller: UserPrincipal, projectId: string) {
      await access.requireProject(caller, projectId, 'read');
      return (await repo.listActors(projectId)).map(toActor);
    },
  };
}
export type FlowsService = ReturnType<typeof createFlowsService>;
