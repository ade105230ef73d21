import { z } from 'zod';
import { idSchema, newId } from '../ids.ts';

/** The major protocol version both sides speak. A peer on another major gets SU_ERR_PROTOCOL_VERSION. */
export const PROTOCOL_VERSION = 1;

/** What every frame looks like before its type is known: enough to check the version and answer. */
export const envelopeSchema = z.object({
  v: z.number().int(),
  type: z.string().min(1).max(64),
  id: z.string().min(1).max(64),
  payload: z.unknown(),
});
export type Envelope = z.infer<typeof envelopeSchema>;

/** One frame kind: `{ v: 1, type, id, payload }` with a literal `type` for the discriminated union. */
export function frameSchema<T extends string, P extends z.ZodType>(type: T, payload: P) {
  return z.object({ v: z.literal(PROTOCOL_VERSION), type: z.literal(type), id: idSchema, payload });
}

/** Builds a frame with a fresh ULID id. */
export function makeFrame<T extends string, P>(type: T, payload: P): { v: typeof PROTOCOL_VERSION; type: T; id: string; payload: P } {
  return { v: PROTOCOL_VERSION, type, id: newId(), payload };
}

export type FrameParseFailure = { ok: false; code: 'SU_ERR_PROTOCOL_VERSION' | 'SU_ERR_PROTOCOL_FRAME'; message: string; refId?: string };
export type FrameParseResult<F> = { ok: true; frame: F } | FrameParseFailure;

/**
 * Parses raw text against a union of frames. Never throws: a bad frame is a value the caller
 * answers with an `error` frame. The major version is checked before the payload so a newer peer
 * is told "version", not "garbage".
 */
export function parseFrame<S extends z.ZodType>(raw: string, schema: S): FrameParseResult<z.infer<S>> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, code: 'SU_ERR_PROTOCOL_FRAME', message: 'frame is not valid JSON' };
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) {
    return { ok: false, code: 'SU_ERR_PROTOCOL_FRAME', message: `frame is not an envelope {v,type,id,payload}: ${summarize(envelope.error)}` };
  }
  const refId = envelope.data.id;
  if (envelope.data.v !== PROTOCOL_VERSION) {
    return { ok: false, code: 'SU_ERR_PROTOCOL_VERSION', refId, message: `protocol version ${envelope.data.v} is not supported; this peer speaks v${PROTOCOL_VERSION}` };
  }
  const frame = schema.safeParse(json);
  if (!frame.success) {
    return { ok: false, code: 'SU_ERR_PROTOCOL_FRAME', refId, message: `invalid ${envelope.data.type} frame: ${summarize(frame.error)}` };
  }
  return { ok: true, frame: frame.data };
}

function summarize(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}
