import { z } from 'zod';
import { idSchema } from '../ids.ts';

export const createActorBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(10_000).optional(),
  instructions: z.string().max(100_000).optional(),
});

export const actorSchema = z.object({
  id: idSchema,
  projectId: idSchema,
  name: z.string(),
  description: z.string().nullable(),
  instructions: z.string().nullable(),
  createdAt: z.string(),
});
export type Actor = z.infer<typeof actorSchema>;
