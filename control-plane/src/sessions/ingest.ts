import type { SequencedFrame } from '@solo-unicorn/shared';
import type { Db } from '../db/types.ts';
import type { Clock } from '../lib/time.ts';
import { createMissionEventsRepository, type NewMissionEvent } from '../modules/missions/mission-events.repository.ts';
import { createSessionsRepository, isLiveAttempt, type AttemptRow } from './sessions.repository.ts';
import type { AttemptEffects } from '../dispatch/attempt-effects.ts';
import { sanitizeFrame } from './sanitize-frame.ts';

export interface IngestResult {
  /** Per attempt, the highest seq now committed (also for pure duplicates: the daemon may trim). */
  acks: { attemptId: string; seq: number }[];
  /** Attempts whose frames were refused: not this workstation's, an old lease, or already over. */
  fenced: { attemptId: string; message: string }[];
  /** Attempts whose frames skipped a seq; the daemon should resend after the acked seq. */
  gaps: { attemptId: string; expected: number; got: number }[];
}

function eventOf(frame: SequencedFrame, sanitized: boolean): { kind: string; data: Record<string, unknown> } {
  const p = frame.payload;
  const flag = sanitized ? { sanitized: true } : {};
  switch (frame.type) {
    case 'mission.event':
      return { kind: frame.payload.kind, data: { ...frame.payload.data, ...flag, at: p.at } };
    case 'mission.docs':
      return { kind: 'docs.changed', data: { path: frame.payload.path, contentHash: frame.payload.contentHash, content: frame.payload.content, ...flag, at: p.at } };
    case 'mission.finished': {
      const { status, reason, branch, headCommit, prNumber } = frame.payload;
      return { kind: 'attempt.finished', data: { status, reason, branch, headCommit, prNumber, ...flag, at: p.at } };
    }
  }
}

/**
 * Stores a batch of sequenced frames from one workstation in ONE transaction, idempotently per
 * (attemptId, seq). Attempt rows are locked first, so `last_acked_seq` is the exact high-water
 * mark of what is stored: seq ≤ it is a resend (skipped), seq = it + 1 is stored, anything else
 * is a gap and waits for a resend. Fencing: only attempts of this workstation, with the frame's
 * lease version, still assigned/running, take new frames.
 */
export function createEventIngest(db: Db, clock: Clock, effects?: AttemptEffects) {
  return {
    async store(workstationId: string, frames: SequencedFrame[]): Promise<IngestResult> {
      const ids = [...new Set(frames.map((f) => f.payload.attemptId))];
      return db.transaction(async (tx) => {
        const repo = createSessionsRepository(tx);
        const events = createMissionEventsRepository(tx);
        const now = clock.now();
        const rows = new Map<string, AttemptRow>((await repo.lockAttempts(ids)).map((r) => [r.id, r]));
        const stored = new Map<string, number>();
        const fenced = new Map<string, string>();
        const gaps = new Map<string, { attemptId: string; expected: number; got: number }>();
        const live = new Map<string, boolean>();
        // Agent events wait here and go in per mission with one UPDATE and one INSERT (one round
        // trip per event made a busy daemon's batch of 500 take a second under load); anything that
        // appends events of its own (a finish) first writes what waits, so seqs keep frame order.
        const waiting = new Map<string, Omit<NewMissionEvent, 'missionId'>[]>();
        const writeWaiting = async (ack?: { missionId: string; attemptId: string; seq: number }) => {
          for (const [missionId, list] of waiting) await events.appendMany(missionId, list, now, ack?.missionId === missionId ? ack : undefined);
          waiting.clear();
        };
        for (const row of rows.values()) {
          stored.set(row.id, row.lastAckedSeq);
          live.set(row.id, isLiveAttempt(row.status));
        }

        for (const raw of frames) {
          const { frame, sanitized } = sanitizeFrame(raw);
          const { attemptId, missionId, leaseVersion, seq } = frame.payload;
          if (fenced.has(attemptId) || gaps.has(attemptId)) continue;
          const row = rows.get(attemptId);
          if (!row || row.workstationId !== workstationId || row.missionId !== missionId) {
            fenced.set(attemptId, 'attempt is not assigned to this workstation');
            continue;
          }
          const high = stored.get(attemptId)!;
          if (seq <= high) continue; // already stored: a resend
          if (row.leaseVersion !== leaseVersion) {
            fenced.set(attemptId, `lease version ${leaseVersion} is stale (current ${row.leaseVersion})`);
            continue;
          }
          if (!live.get(attemptId)) {
            fenced.set(attemptId, `attempt is already ${row.status}`);
            continue;
          }
          if (seq !== high + 1) {
            gaps.set(attemptId, { attemptId, expected: high + 1, got: seq });
            continue;
          }
          const { kind, data } = eventOf(frame, sanitized);
          const event = { origin: 'agent' as const, kind, data, attemptId, attemptSeq: seq };
          if (frame.type === 'mission.finished') {
            await writeWaiting();
            await events.append({ missionId, ...event }, now);
          } else {
            // Their effects (stage, docs, usage, denials) update rows but append no events.
            const list = waiting.get(missionId) ?? [];
            if (list.length === 0) waiting.set(missionId, list);
            list.push(event);
          }
          stored.set(attemptId, seq);
          if (frame.type === 'mission.finished') {
            const p = frame.payload;
            await repo.finishAttempt(attemptId, {
              status: p.status, reason: p.reason, branch: p.branch, headCommit: p.headCommit,
              limitedUntil: p.limitedUntil ? new Date(p.limitedUntil) : undefined, at: now,
            });
            live.set(attemptId, false);
          }
          // The mission follows its attempt in the same transaction (stage, docs, outcome).
          await effects?.onStored(tx, row, frame, now);
        }

        // The high-water mark follows what was stored even when a later frame of the same batch
        // was fenced (e.g. after the attempt finished): otherwise stored events sit above it and
        // their resend collides with them. One attempt's mark goes with its mission's waiting
        // events when that is all there is to write (the usual batch).
        const marks = [...stored].filter(([attemptId, seq]) => seq !== rows.get(attemptId)!.lastAckedSeq);
        const [only] = marks.length === 1 && waiting.size === 1 ? marks : [];
        const withEvents = only && waiting.has(rows.get(only[0])!.missionId) ? { missionId: rows.get(only[0])!.missionId, attemptId: only[0], seq: only[1] } : undefined;
        await writeWaiting(withEvents);
        for (const [attemptId, seq] of marks) if (attemptId !== withEvents?.attemptId) await repo.setLastStoredSeq(attemptId, seq, now);
        const acks: IngestResult['acks'] = [];
        for (const [attemptId, seq] of stored) if (!fenced.has(attemptId)) acks.push({ attemptId, seq });
        for (const id of ids) if (!rows.has(id)) fenced.set(id, 'no such attempt');
        return {
          acks,
          fenced: [...fenced].map(([attemptId, message]) => ({ attemptId, message })),
          gaps: [...gaps.values()],
        };
      });
    },
  };
}
export type EventIngest = ReturnType<typeof createEventIngest>;
