import { z } from 'zod';
import { idSchema } from '../ids.ts';
import { agentInfoSchema } from './daemon-to-server.ts';

// REST shapes of the workstation routes: the control plane serves them, the CLI reads them.

export const registerWorkstationBody = z.strictObject({
  organizationId: idSchema,
  name: z.string().trim().min(1).max(200),
});

export const workstationSchema = z.object({
  id: idSchema,
  organizationId: idSchema,
  name: z.string(),
  tokenPrefix: z.string(),
  maxConcurrentMissions: z.number().int(),
  daemonVersion: z.string().nullable(),
  /** What the daemon reported, plus `limitedUntil`: the agent waits for its usage quota here until then (null: it does not). */
  agents: z.array(agentInfoSchema.extend({ limitedUntil: z.string().nullable() })),
  online: z.boolean(),
  lastSeenAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  /** Paused by a person: no new missions are dispatched to it; those running finish. */
  paused: z.boolean(),
  pausedAt: z.string().nullable(),
  pausedReason: z.string().nullable(),
  currentMissions: z.array(z.object({ missionId: idSchema, attemptId: idSchema, status: z.string() })),
  /** What its worktree pool takes on disk (allocated bytes), as the daemon last measured it; null: not reported yet. */
  diskBytes: z.number().nullable(),
  /** What other members of the organization see of it; its registering user and organization admins always see everything. */
  visibility: z.enum(['hidden', 'status', 'full']),
  createdAt: z.string(),
});
export type Workstation = z.infer<typeof workstationSchema>;

/** A workstation shown at `status` visibility to a member who does not manage it: presence only. */
export const workstationStatusSchema = z.object({
  id: idSchema,
  organizationId: idSchema,
  name: z.string(),
  online: z.boolean(),
  paused: z.boolean(),
  visibility: z.literal('status'),
});
export type WorkstationStatus = z.infer<typeof workstationStatusSchema>;
/** What a reader gets: everything, or (status visibility, not a manager) presence only. */
export const workstationViewSchema = z.union([workstationSchema, workstationStatusSchema]);
export const workstationVisibilityBody = z.strictObject({ visibility: z.enum(['hidden', 'status', 'full']) });

export const registerWorkstationResponse = z.object({
  workstation: workstationSchema,
  /** `suw_…`: shown once, stored hashed. */
  token: z.string(),
});

export const mapWorkstationBody = z.strictObject({ workstationId: idSchema });
/** Why the workstation is paused: shown in its API, in the dispatch reasons of the missions it holds back, and in the audit log. */
export const pauseWorkstationBody = z.strictObject({ reason: z.string().trim().min(1).max(500) });
export const projectWorkstationSchema = z.object({ projectId: idSchema, workstationId: idSchema, createdAt: z.string() });
