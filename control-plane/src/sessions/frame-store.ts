import { newId, sanitizeText, type SequencedFrame } from '@solo-unicorn/shared';
import type { FastifyBaseLogger } from 'fastify';
import type { EventIngest, IngestResult } from './ingest.ts';
import { isDefinitiveStoreError, storeFailureReason } from './store-errors.ts';

export interface StoreOutcome extends IngestResult {
  /** Frames that could not be stored and were replaced by a quarantine entry (acked). */
  quarantined: { attemptId: string; frameId: string; type: string; reason: string }[];
  /** Frames that could be neither stored nor quarantined: the daemon must drop or replace them. */
  refused: { attemptId: string; frameId: string; type: string; reason: string }[];
}

/**
 * The same attempt slot (seq) filled with something that can always be stored, so the attempt's
 * seq stays gap-free and the daemon's copy is acked: for an event or a doc, a `frame.quarantined`
 * timeline entry saying what was lost and why; for a finish report, a failed finish (the attempt
 * must end, or the mission would stay in Doing for ever).
 */
export function quarantineSubstitute(frame: SequencedFrame, reason: string): SequencedFrame {
  const { attemptId, missionId, leaseVersion, seq, at } = frame.payload;
  const ref = { attemptId, missionId, leaseVersion, seq, at };
  if (frame.type === 'mission.finished') {
    return { v: frame.v, type: 'mission.finished', id: newId(), payload: { ...ref, status: 'failed', reason: `the finish report could not be stored: ${reason}` } };
  }
  const lost = frame.type === 'mission.event' ? { eventKind: frame.payload.kind } : { docPath: sanitizeText(frame.payload.path) };
  return {
    v: frame.v, type: 'mission.event', id: newId(),
    payload: { ...ref, kind: 'frame.quarantined', data: { frameType: frame.type, frameId: frame.id, ...lost, reason } },
  };
}

function merge(results: IngestResult[]): IngestResult {
  const acks = new Map<string, number>();
  const fenced = new Map<string, string>();
  const gaps = new Map<string, IngestResult['gaps'][number]>();
  for (const r of results) {
    for (const a of r.acks) acks.set(a.attemptId, Math.max(a.seq, acks.get(a.attemptId) ?? 0));
    for (const f of r.fenced) fenced.set(f.attemptId, f.message);
    for (const g of r.gaps) if (!gaps.has(g.attemptId)) gaps.set(g.attemptId, g);
  }
  return {
    acks: [...acks].map(([attemptId, seq]) => ({ attemptId, seq })),
    fenced: [...fenced].map(([attemptId, message]) => ({ attemptId, message })),
    gaps: [...gaps.values()],
  };
}

/**
 * Stores a batch of a workstation's sequenced frames through the ingest, so that no frame can
 * stop the process or loop: the batch is tried whole (one transaction, the fast path); if it
 * fails for good, frame by frame, and a frame that fails for good is quarantined. Transient
 * failures (the database went away) are thrown: the session closes and the daemon resends.
 */
export function createFrameStore(ingest: EventIngest, log: FastifyBaseLogger) {
  async function storeOne(workstationId: string, frame: SequencedFrame, out: StoreOutcome, results: IngestResult[]) {
    try {
      results.push(await ingest.store(workstationId, [frame]));
      return;
    } catch (err) {
      if (!isDefinitiveStoreError(err)) throw err;
      const reason = storeFailureReason(err);
      const who = { attemptId: frame.payload.attemptId, frameId: frame.id, type: frame.type, seq: frame.payload.seq, reason };
      const logged = { workstationId, ...who };
      try {
        results.push(await ingest.store(workstationId, [quarantineSubstitute(frame, reason)]));
        out.quarantined.push(who);
        log.warn(logged, 'frame could not be stored; quarantined on the mission timeline');
      } catch (again) {
        if (!isDefinitiveStoreError(again)) throw again;
        out.refused.push(who);
        log.error(logged, 'frame could neither be stored nor quarantined; refused for good');
      }
    }
  }

  return {
    async store(workstationId: string, frames: SequencedFrame[]): Promise<StoreOutcome> {
      try {
        return { ...(await ingest.store(workstationId, frames)), quarantined: [], refused: [] };
      } catch (err) {
        if (!isDefinitiveStoreError(err)) throw err;
      }
      const out: StoreOutcome = { acks: [], fenced: [], gaps: [], quarantined: [], refused: [] };
      const results: IngestResult[] = [];
      const refusedAttempts = new Set<string>();
      for (const frame of frames) {
        // After a refusal, that attempt's later frames would only be gaps: leave them for the resend.
        if (refusedAttempts.has(frame.payload.attemptId)) continue;
        await storeOne(workstationId, frame, out, results);
        for (const r of out.refused) refusedAttempts.add(r.attemptId);
      }
      return { ...out, ...merge(results) };
    },
  };
}
export type FrameStore = ReturnType<typeof createFrameStore>;
