import type { Db } from './db/types.ts';
import type { Clock } from './lib/time.ts';
import { createAccessService } from './modules/access/access.service.ts';
import { createFlowsService } from './modules/flows/flows.service.ts';
import { createMissionBoardService } from './modules/missions/mission-board.service.ts';
import { createMissionDocs } from './modules/missions/mission-docs.ts';
import { createMissionsService } from './modules/missions/missions.service.ts';
import { createOrganizationsService } from './modules/organizations/organizations.service.ts';
import { createProjectsService } from './modules/projects/projects.service.ts';
import { createRepositoriesService } from './modules/repositories/repositories.service.ts';
import { createUsersService } from './modules/users/users.service.ts';
import { createWorkstationsService } from './modules/workstations/workstations.service.ts';
import { createWorkstationControlsService } from './modules/workstations/workstation-controls.service.ts';
import { createFallbackEngine, type EngineDeps } from './modules/fallback/fallback-engine.ts';
import { createFallbackRunsService } from './modules/fallback/fallback-runs.service.ts';
import { createFallbackSetupService } from './modules/fallback/fallback-setup.service.ts';
import { createLegacyImportService } from './modules/fallback/legacy-import.service.ts';
import { createSessionHub } from './sessions/hub.ts';
import { createGithubIntegrationsService } from './modules/github/github-integrations.service.ts';
import { createOutboundPolicy, type OutboundPolicy } from './lib/outbound-url.ts';
import type { SecretBox } from './lib/secret-box.ts';

/** Builds every domain service from its collaborators (closure DI, no container). */
export interface ServiceOptions {
  /** Hybrid-storage root: fallback run reports (and mission docs) are written below it. */
  docsDir: string;
  log?: EngineDeps['log'];
  /** Encrypts the GitHub tokens and webhook secrets we store. */
  secretBox: SecretBox;
  /** GitHub REST API root for connections that do not name their own. */
  githubApiUrl: string;
  /** Which addresses the server may call on a user's say-so (a GitHub Enterprise apiBaseUrl); default: public https only. */
  outbound?: OutboundPolicy;
}

export function createServices(db: Db, clock: Clock, opts: ServiceOptions) {
  const access = createAccessService(db);
  const fallbackEngine = createFallbackEngine({ db, clock, docsDir: opts.docsDir, log: opts.log });
  const sessionHub = createSessionHub();
  const workstations = createWorkstationsService(db, access, sessionHub, clock);
  return {
    access,
    fallbackEngine,
    fallbackSetup: createFallbackSetupService(db, access, clock),
    fallbackRuns: createFallbackRunsService(db, access, clock, fallbackEngine),
    legacyImport: createLegacyImportService(db, access, clock),
    users: createUsersService(db, clock),
    organizations: createOrganizationsService(db, access, clock),
    projects: createProjectsService(db, access, clock),
    repositories: createRepositoriesService(db, access),
    flows: createFlowsService(db, access),
    missions: createMissionsService(db, access, clock, createMissionDocs(opts.docsDir)),
    board: createMissionBoardService(db, access, clock),
    sessionHub,
    workstations,
    workstationControls: createWorkstationControlsService(db, access, workstations, clock),
    githubIntegrations: createGithubIntegrationsService(db, access, clock, { box: opts.secretBox, defaultApiUrl: opts.githubApiUrl, outbound: opts.outbound ?? createOutboundPolicy() }),
  };
}
export type Services = ReturnType<typeof createServices>;
