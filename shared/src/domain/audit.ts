import { z } from 'zod';
import { idSchema } from '../ids.ts';
import { instantSchema } from './instant.ts';
import { limitSchema } from './pagination.ts';

const instant = instantSchema;

/**
 * `GET /audit-events`: organization admins read their organization's log (organizationId is
 * required unless the caller is the instance admin, who may read everything). Newest first.
 */
export const auditEventsQuery = z.strictObject({
  organizationId: idSchema.optional(),
  action: z.string().min(1).max(100).optional(),
  actorId: z.string().min(1).max(64).optional(),
  targetType: z.string().min(1).max(64).optional(),
  targetId: z.string().min(1).max(64).optional(),
  /** Inclusive lower bound on the event time. */
  since: instant.optional(),
  /** Exclusive upper bound on the event time. */
  until: instant.optional(),
  limit: limitSchema,
  cursor: z.string().max(512).optional(),
});
export type AuditEventsQuery = z.infer<typeof auditEventsQuery>;

/** `GET /projects/:projectId/timeline`: project admins, newest first. */
export const timelineQuery = z.strictObject({ limit: limitSchema, cursor: z.string().max(512).optional() });

/**
 * One write-once audit event. The log stores ids, never names or secrets; the actor's name is
 * resolved when read, so a deleted user reads as "deleted user" under their pseudonym.
 */
export const auditEventSchema = z.object({
  id: idSchema,
  organizationId: idSchema.nullable(),
  actor: z.object({
    type: z.enum(['user', 'workstation', 'system']),
    /** The user or workstation id; a deleted user's pseudonym instead of their id. */
    id: z.string().nullable(),
    /** Resolved at read time: a user's name (or e-mail), a workstation's name, "deleted user", or null. */
    name: z.string().nullable(),
    deleted: z.boolean(),
  }),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;
