import { clipText, newId, sanitizeDeep, sanitizeText, type SequencedFrame, sequencedFrame } from '@solo-unicorn/shared';

/**
 * The control plane's WebSocket closes a session on a message over 2 MiB (`maxPayload`) without
 * saying which frame it was: resent on reconnect, such a frame would loop. The daemon never sends
 * a sequenced frame this big (bytes of its JSON); it sends a `frame.rejected` event in its place.
 */
export const maxFrameBytes = 1536 * 1024;
const maxMessageChars = 500;

/** Why a frame is replaced: an `error` code from the control plane, or the daemon's own check. */
export interface Rejection {
  code: string;
  message: string;
}

/**
 * What takes a rejected frame's slot (same attempt, lease and seq, so the attempt's seq stays
 * gap-free): a `frame.rejected` event saying what was lost and why, or for a finish report a
 * failed finish (the attempt must end, or its mission would wait for it for ever). Carries none
 * of the rejected frame's content.
 */
export function substituteFor(frame: SequencedFrame, why: Rejection): SequencedFrame {
  const { attemptId, missionId, leaseVersion, seq, at } = frame.payload;
  const ref = { attemptId, missionId, leaseVersion, seq, at };
  const message = clipText(sanitizeText(why.message), maxMessageChars);
  if (frame.type === 'mission.finished') {
    return { v: frame.v, type: 'mission.finished', id: newId(), payload: { ...ref, status: 'failed', reason: `the finish report was refused (${why.code}): ${message}` } };
  }
  return {
    v: frame.v, type: 'mission.event', id: newId(),
    payload: { ...ref, kind: 'frame.rejected', data: { rejectedType: frame.type, code: why.code, message } },
  };
}

/**
 * A new frame as the control plane can take it: text made storable (NUL and lone surrogates →
 * U+FFFD, an event flagged `sanitized`), and a frame that would still fail the protocol schema or
 * exceed `maxFrameBytes` replaced by its substitute. Returns the frame and its JSON.
 */
export function guardFrame(frame: SequencedFrame): { frame: SequencedFrame; json: string; rejected?: Rejection } {
  const clean = sanitized(frame);
  const valid = sequencedFrame.safeParse(clean);
  if (!valid.success) {
    const issue = valid.error.issues[0]!;
    return replaced(clean, { code: 'invalid_frame', message: `${issue.path.join('.') || '(root)'}: ${issue.message}` });
  }
  const json = JSON.stringify(clean);
  if (Buffer.byteLength(json) > maxFrameBytes) {
    return replaced(clean, { code: 'frame_too_large', message: `${Buffer.byteLength(json)} bytes; frames are limited to ${maxFrameBytes}` });
  }
  return { frame: clean, json };
}

function replaced(frame: SequencedFrame, why: Rejection) {
  const sub = substituteFor(frame, why);
  return { frame: sub, json: JSON.stringify(sub), rejected: why };
}

function sanitized(frame: SequencedFrame): SequencedFrame {
  const { value, changed } = sanitizeDeep(frame.payload);
  if (!changed) return frame;
  if (frame.type === 'mission.event') {
    const p = value as typeof frame.payload;
    return { ...frame, payload: { ...p, data: { ...p.data, sanitized: true } } };
  }
  return { ...frame, payload: value } as SequencedFrame;
}
