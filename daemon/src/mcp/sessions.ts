import { createHash, randomBytes } from 'node:crypto';
import type { AttemptRef } from '../session/outbox.ts';

/** What one agent run may touch: its attempt, and what the tools need to act for it. */
export interface ToolSession {
  ref: AttemptRef;
  /** The stage this run works; `mission_set_stage` may name only the one after it. */
  stage: string;
  stages: readonly { name: string; requiresReview?: boolean }[];
  worktree: string;
  /** Set by the tools: the run ends after this CLI exits (no next stage, no merge). */
  flags: { reviewRequested: boolean; asked: boolean; stageCompleted: boolean };
  created: number;
  /** Token bucket for the per-token rate limit. */
  bucket: { tokens: number; at: number };
}

const tombstoneMs = 15 * 60_000;
const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Per-run bearer tokens: 32 random bytes, held only in memory and looked up by their hash. A
 * revoked token leaves a tombstone for a while, so a late call gets "the attempt has ended" as a
 * tool error rather than a 401 the CLI would read as a broken server.
 */
export function createToolSessions() {
  const live = new Map<string, ToolSession>();
  const ended = new Map<string, number>();

  const sweep = (now: number) => {
    for (const [h, at] of ended) if (now - at > tombstoneMs) ended.delete(h);
  };

  return {
    mint(session: Omit<ToolSession, 'flags' | 'created' | 'bucket'>): { token: string; revoke(): void } {
      const token = randomBytes(32).toString('base64url');
      const h = hash(token);
      live.set(h, { ...session, flags: { reviewRequested: false, asked: false, stageCompleted: false }, created: 0, bucket: { tokens: burst, at: Date.now() } });
      return {
        token,
        revoke() {
          if (!live.delete(h)) return;
          sweep(Date.now());
          ended.set(h, Date.now());
        },
      };
    },

    /** `live` with its session, `ended` (revoked lately), or `unknown`. */
    lookup(authorization: string | undefined): { kind: 'live'; session: ToolSession } | { kind: 'ended' } | { kind: 'unknown' } {
      const m = /^Bearer ([A-Za-z0-9_-]{43})$/.exec(authorization ?? '');
      if (!m) return { kind: 'unknown' };
      const h = hash(m[1]!);
      const session = live.get(h);
      if (session) return { kind: 'live', session };
      return ended.has(h) ? { kind: 'ended' } : { kind: 'unknown' };
    },

    /** The sessions of an attempt (the runner asks whether the run should end here). */
    ofAttempt(attemptId: string): ToolSession[] {
      return [...live.values()].filter((s) => s.ref.attemptId === attemptId);
    },
  };
}
export type ToolSessions = ReturnType<typeof createToolSessions>;

/** 10 calls a second, 30 at once: far above what an agent needs, far below a loop's pace. */
const perSecond = 10;
const burst = 30;
export function takeCall(s: ToolSession, now = Date.now()): boolean {
  s.bucket.tokens = Math.min(burst, s.bucket.tokens + ((now - s.bucket.at) / 1000) * perSecond);
  s.bucket.at = now;
  if (s.bucket.tokens < 1) return false;
  s.bucket.tokens -= 1;
  return true;
}
