import { sanitizeDeep, type SequencedFrame } from '@solo-unicorn/shared';

/**
 * Machine text (agent output, tool results, docs, finish reasons) is kept: each NUL or lone
 * surrogate becomes U+FFFD, and `sanitized` says whether anything was replaced (the stored
 * event is flagged). The whole payload is walked, so branch names and reasons are storable too.
 */
export function sanitizeFrame(frame: SequencedFrame): { frame: SequencedFrame; sanitized: boolean } {
  const { value, changed } = sanitizeDeep(frame.payload);
  return changed ? { frame: { ...frame, payload: value } as SequencedFrame, sanitized: true } : { frame, sanitized: false };
}
