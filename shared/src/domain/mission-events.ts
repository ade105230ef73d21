import { z } from 'zod';
import { idSchema } from '../ids.ts';

export const eventOriginSchema = z.enum(['system', 'user', 'agent', 'fallback']);
export type EventOrigin = z.infer<typeof eventOriginSchema>;

export const missionEventSchema = z.object({
  id: idSchema,
  seq: z.number().int().describe('strictly increasing per mission, from 1'),
  missionId: idSchema,
  origin: eventOriginSchema,
  kind: z.string(),
  data: z.unknown(),
  createdAt: z.string(),
});
export type MissionEvent = z.infer<typeof missionEventSchema>;

export const listEventsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).max(2_147_483_647).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(512).optional(),
});
