import { z } from 'zod';
import { idSchema } from '../ids.ts';

export const orgRoles = ['owner', 'admin', 'member', 'viewer'] as const;
export const orgRoleSchema = z.enum(orgRoles);
export type OrgRole = z.infer<typeof orgRoleSchema>;

export const createOrganizationBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
});

export const organizationSchema = z.object({
  id: idSchema,
  name: z.string(),
  role: orgRoleSchema.describe("the caller's role"),
  createdAt: z.string(),
});
export type Organization = z.infer<typeof organizationSchema>;

export const addMemberBody = z.strictObject({
  userId: idSchema,
  role: orgRoleSchema,
});

export const membershipSchema = z.object({
  organizationId: idSchema,
  userId: idSchema,
  role: orgRoleSchema,
  createdAt: z.string(),
});
export type Membership = z.infer<typeof membershipSchema>;
