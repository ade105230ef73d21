import type { Db } from './db/types.ts';
import type { Clock } from './lib/time.ts';
import { createAccessService } from './modules/access/access.service.ts';
import { createFlowsService } from './modules/flows/flows.service.ts';
import { createMissionBoardService } from './modules/missions/mission-board.service.ts';
import { createMissionsService } from './modules/missions/missions.service.ts';
import { createOrganizationsService } from './modules/organizations/organizations.service.ts';
import { createProjectsService } from './modules/projects/projects.service.ts';
import { createRepositoriesService } from './modules/repositories/repositories.service.ts';
import { createUsersService } from './modules/users/users.service.ts';

/** Builds every domain service from its collaborators (closure DI, no container). */
export function createServices(db: Db, clock: Clock) {
  const access = createAccessService(db);
  return {
    access,
    users: createUsersService(db, clock),
    organizations: createOrganizationsService(db, access, clock),
    projects: createProjectsService(db, access, clock),
    repositories: createRepositoriesService(db, access),
    flows: createFlowsService(db, access),
    missions: createMissionsService(db, access, clock),
    board: createMissionBoardService(db, access, clock),
  };
}
export type Services = ReturnType<typeof createServices>;
