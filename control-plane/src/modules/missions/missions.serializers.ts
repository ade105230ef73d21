import type { AgentPermissionPolicy, Mission, MissionDispatch, MissionEvent } from '@solo-unicorn/shared';
import { iso, isoOrNull } from '../../lib/time.ts';
import type { MissionEventRow } from './mission-events.repository.ts';
import type { MissionRow } from './missions.repository.ts';

export const toMission = (m: MissionRow, dependsOn: string[], dispatch: MissionDispatch): Mission => ({
  id: m.id,
  projectId: m.projectId,
  title: m.title,
  description: m.description,
  clarification: m.clarification,
  priority: m.priority,
  list: m.list,
  listOrder: Number(m.listOrder),
  flowId: m.flowId,
  stage: m.stage,
  requiresReview: m.requiresReview,
  actorId: m.actorId,
  repositoryId: m.repositoryId,
  workstationId: m.workstationId,
  targetBranch: m.targetBranch,
  prMode: m.prMode,
  prBranchName: m.prBranchName,
  githubPrNumber: m.githubPrNumber,
  ready: m.ready,
  origin: m.origin,
  fallbackItemId: m.fallbackItemId,
  agentSessionStatus: m.agentSessionStatus,
  solutionPath: m.solutionPath,
  tasksPath: m.tasksPath,
  reviewStatus: m.reviewStatus,
  reviewFeedback: m.reviewFeedback,
  dependencyCount: m.dependencyCount,
  dependsOn,
  // The column's CHECK holds it to the policy names.
  agentPermissionPolicy: m.agentPermissionPolicy as AgentPermissionPolicy | null,
  lastEventAt: isoOrNull(m.lastEventAt),
  createdAt: iso(m.createdAt),
  updatedAt: iso(m.updatedAt),
  dispatch,
});

export const toMissionEvent = (e: MissionEventRow): MissionEvent => ({
  id: e.id,
  seq: e.seq,
  missionId: e.missionId,
  origin: e.origin,
  kind: e.kind,
  data: e.data,
  createdAt: iso(e.createdAt),
});
