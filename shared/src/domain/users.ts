import { z } from 'zod';
import { idSchema } from '../ids.ts';

export const createUserBody = z.strictObject({
  email: z.email().max(320),
  name: z.string().trim().min(1).max(200).optional(),
});

export const userSchema = z.object({
  id: idSchema,
  email: z.string(),
  name: z.string().nullable(),
  isInstanceAdmin: z.boolean(),
  createdAt: z.string(),
});
export type User = z.infer<typeof userSchema>;

export const createApiKeyBody = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  userId: idSchema.optional(),
});

export const apiKeySchema = z.object({
  id: idSchema,
  userId: idSchema,
  name: z.string().nullable(),
  prefix: z.string().describe('first characters of the key, to recognise it'),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type ApiKey = z.infer<typeof apiKeySchema>;

export const createdApiKeySchema = apiKeySchema.extend({
  key: z.string().describe('the secret; shown only in this response'),
});
