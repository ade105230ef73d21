import { z } from 'zod';
import { idSchema } from '../ids.ts';
import { frameSchema } from './envelope.ts';

/**
 * Agent tools that need a value from the control plane (`mission_get`, `mission_create`) ride a
 * request/response pair on the session, not the sequenced outbox: they are answered, not acked.
 * The server fences them like sequenced frames (this workstation, this lease, attempt still live).
 */
export const toolRequestFrame = frameSchema('tool.request', z.object({
  attemptId: idSchema,
  missionId: idSchema,
  leaseVersion: z.number().int().min(1),
  tool: z.enum(['mission_get', 'mission_create']),
  /** Re-validated on the server with the shared tool schema. */
  input: z.record(z.string(), z.unknown()),
}));
export type ToolRequestFrame = z.infer<typeof toolRequestFrame>;

export const toolResponseFrame = frameSchema('tool.response', z.object({
  /** The `id` of the tool.request this answers. */
  refId: z.string().min(1).max(64),
  ok: z.boolean(),
  result: z.unknown().optional(),
  error: z.object({ code: z.string().regex(/^SU_ERR_[A-Z_]+$/), message: z.string().max(2000) }).optional(),
}));
export type ToolResponseFrame = z.infer<typeof toolResponseFrame>;
