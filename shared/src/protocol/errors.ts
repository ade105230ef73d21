import { z } from 'zod';
import { idSchema } from '../ids.ts';
import { frameSchema } from './envelope.ts';

/** Codes carried by `error` frames. Never rename one: daemons switch on them. */
export const protocolErrorCodes = [
  /** Peer speaks another major `v` (fatal). */
  'SU_ERR_PROTOCOL_VERSION',
  /** Frame did not parse; the session goes on. */
  'SU_ERR_PROTOCOL_FRAME',
  /** A frame arrived in the wrong session state (e.g. an event before session.hello). */
  'SU_ERR_PROTOCOL_STATE',
  /** Token refused or not a workstation token (fatal). */
  'SU_ERR_UNAUTHENTICATED',
  /** The workstation's token was revoked (fatal). */
  'SU_ERR_WORKSTATION_REVOKED',
  /** Another daemon connected with this identity; this older session is closed (fatal for it). */
  'SU_ERR_SESSION_REPLACED',
  /** A frame about an attempt that is not this workstation's current lease (dropped, not retried). */
  'SU_ERR_ATTEMPT_FENCED',
  /** The control plane could not store a frame right now; the daemon keeps it and resends. */
  'SU_ERR_UNAVAILABLE',
  /**
   * A sequenced frame could not be stored and never will be (`refId` names it). If its seq was
   * acked, a quarantine entry holds its slot; if not, the daemon replaces it (same seq) or drops it.
   */
  'SU_ERR_FRAME_QUARANTINED',
  /** The daemon sends more frames than its session may; the frame named by `refId` was not handled. */
  'SU_ERR_RATE_LIMITED',
] as const;
export const protocolErrorCodeSchema = z.enum(protocolErrorCodes);
export type ProtocolErrorCode = z.infer<typeof protocolErrorCodeSchema>;

/** Codes after which a daemon must stop and exit non-zero instead of reconnecting. */
export const fatalProtocolErrorCodes: ReadonlySet<ProtocolErrorCode> = new Set([
  'SU_ERR_PROTOCOL_VERSION', 'SU_ERR_UNAUTHENTICATED', 'SU_ERR_WORKSTATION_REVOKED', 'SU_ERR_SESSION_REPLACED',
]);

/** WebSocket close codes (4000–4999 are for applications) that go with the fatal errors. */
export const sessionCloseCodes = {
  replaced: 4000,
  revoked: 4001,
  protocolVersion: 4002,
  unauthenticated: 4003,
  helloTimeout: 4004,
  serverShutdown: 1001,
} as const;

export const errorPayloadSchema = z.object({
  code: protocolErrorCodeSchema,
  message: z.string().max(2000),
  retryable: z.boolean(),
  /** The `id` of the frame this answers, when there was one. */
  refId: z.string().max(64).optional(),
  /** Set when the error concerns one attempt only (fencing); the session itself is fine. */
  attemptId: idSchema.optional(),
});
export type ErrorPayload = z.infer<typeof errorPayloadSchema>;

export const errorFrame = frameSchema('error', errorPayloadSchema);
export type ErrorFrame = z.infer<typeof errorFrame>;
