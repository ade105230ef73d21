import { z } from 'zod';
import { idSchema } from '../ids.ts';
import { projectRoleSchema } from './projects.ts';

export const accessRequestStatuses = ['pending', 'approved', 'rejected'] as const;
export const accessRequestStatusSchema = z.enum(accessRequestStatuses);

/** Asking for a role on a project, with a word for its admins (anonymized 30 days after the decision). */
export const createAccessRequestBody = z.strictObject({
  role: projectRoleSchema.default('member'),
  message: z.string().trim().max(2000).optional(),
});

/** Approving may grant less than was asked (e.g. viewer instead of admin), never more than the approver holds. */
export const approveAccessRequestBody = z.strictObject({ role: projectRoleSchema.optional() });

export const accessRequestSchema = z.object({
  id: idSchema,
  projectId: idSchema,
  userId: idSchema,
  /** The requester's e-mail, for the admins deciding (null once the user is deleted). */
  userEmail: z.string().nullable(),
  role: projectRoleSchema,
  message: z.string().nullable().describe('null once anonymized, 30 days after the decision'),
  status: accessRequestStatusSchema,
  decidedBy: idSchema.nullable().describe('null while pending, and for an auto-approved request'),
  decidedAt: z.string().nullable(),
  createdAt: z.string(),
});
export type AccessRequest = z.infer<typeof accessRequestSchema>;
