import { z } from 'zod';

/**
 * Frames of the monitoring socket `GET /api/v1/realtime`. Channels:
 * `project:{id}:missions`, `project:{id}:fallback`, `mission:{id}:events`,
 * `organization:{id}:workstations`, `user:{id}:notifications` (your own only). Each message carries the channel's cursor: subscribe again
 * with the last one you saw and you get exactly what you missed, then live messages.
 */
export const realtimeChannelSchema = z
  .string()
  .regex(/^(project:[0-9A-HJKMNP-TV-Z]{26}:(missions|fallback)|mission:[0-9A-HJKMNP-TV-Z]{26}:events|organization:[0-9A-HJKMNP-TV-Z]{26}:workstations|user:[0-9A-HJKMNP-TV-Z]{26}:notifications)$/, 'not a known channel');

export const cursorSchema = z.string().regex(/^\d{1,18}$/, 'a cursor is the decimal string a message carried');

export const realtimeClientFrameSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('subscribe'), channel: realtimeChannelSchema, cursor: cursorSchema.optional() }),
  z.strictObject({ type: z.literal('unsubscribe'), channel: realtimeChannelSchema }),
  z.strictObject({ type: z.literal('ping') }),
]);
export type RealtimeClientFrame = z.infer<typeof realtimeClientFrameSchema>;

export const realtimeServerFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribed'), channel: z.string(), cursor: z.string() }),
  z.object({ type: z.literal('unsubscribed'), channel: z.string() }),
  z.object({ type: z.literal('message'), channel: z.string(), cursor: z.string(), kind: z.string(), at: z.string(), data: z.unknown() }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string(), channel: z.string().optional() }),
  z.object({ type: z.literal('pong') }),
]);
export type RealtimeServerFrame = z.infer<typeof realtimeServerFrameSchema>;

/** Close code for a client that cannot keep up; reconnect and resume from the last cursor. */
export const SLOW_CONSUMER_CLOSE_CODE = 4008;

/** Close code for a socket whose credentials were revoked (API key deleted, user removed): sign in again. */
export const CREDENTIALS_REVOKED_CLOSE_CODE = 4001;

/** `POST /api/v1/realtime/tickets`: open the socket with `?ticket=` once, within 30 s. */
export const realtimeTicketSchema = z.object({ ticket: z.string(), expiresAt: z.string() });
export type RealtimeTicket = z.infer<typeof realtimeTicketSchema>;
