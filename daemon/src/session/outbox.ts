import { closeSync, fdatasync, fdatasyncSync, fsyncSync, ftruncateSync, openSync, readFileSync, renameSync, write, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type HeldAttempt, makeFrame, type MissionDocsFrame, type MissionEventFrame, type MissionFinishedFrame, type SequencedFrame, sequencedFrame,
} from '@solo-unicorn/shared';
import { guardFrame, type Rejection, substituteFor } from './frame-guard.ts';

export interface AttemptRef {
  attemptId: string;
  missionId: string;
  leaseVersion: number;
}

type Draft =
  | { type: 'mission.event'; payload: Omit<MissionEventFrame['payload'], 'seq' | keyof AttemptRef> }
  | { type: 'mission.docs'; payload: Omit<MissionDocsFrame['payload'], 'seq' | keyof AttemptRef> }
  | { type: 'mission.finished'; payload: Omit<MissionFinishedFrame['payload'], 'seq' | keyof AttemptRef> };

interface AttemptState extends AttemptRef {
  /** Highest seq handed out (stored or not). */
  last: number;
  /** Highest seq the control plane acknowledged. */
  acked: number;
  /** Durable, not yet acknowledged, in seq order. */
  pending: SequencedFrame[];
  finished: boolean;
}

// Line records of the append-only file. `h`: attempt header (after a compaction), `f`: a frame
// (`s`: it is a substitute), `r`: a substitute for the pending frame of the same attempt and seq,
// `a`: an ack high-water mark, `x`: the attempt is done with (fully acked after finishing, fenced,
// or refused for good).
type Rec =
  | { t: 'h'; a: string; m: string; l: number; last: number; acked: number; fin: boolean }
  | { t: 'f'; f: SequencedFrame; s?: true }
  | { t: 'r'; f: SequencedFrame }
  | { t: 'a'; a: string; s: number }
  | { t: 'x'; a: string };

const COMPACT_AFTER_BYTES = 8 * 1024 * 1024;

/**
 * The durable outbox: every sequenced frame is appended (one line of JSON) and fdatasync'd
 * before `append` resolves, so a frame that was ever sent survives kill -9. Writes are grouped:
 * appends made while a sync is in flight share the next one. Acks append a mark (not synced:
 * losing one only causes a resend the control plane ignores) and, past a size, the file is
 * rewritten with what is still unacknowledged (write temp, fsync, rename).
 */
export function openOutbox(path: string) {
  const attempts = new Map<string, AttemptState>();
  /** Ids of pending frames that already replace a rejected one: a second refusal drops the attempt. */
  const substitutes = new Set<string>();
  /** Attempts refused for good in this process: new frames for them are refused, not renumbered from 1. */
  const refused = new Set<string>();
  /** Attempts done with (`x`) while replaying: a frame written after that (one in flight) stays dropped. */
  const doneWith = new Set<string>();
  const { fd: initialFd, size } = load();
  let fd = initialFd;
  let bytesSinceCompaction = size;
  let queue: { line: string; frame: SequencedFrame; resolve: () => void; reject: (e: Error) => void }[] = [];
  let syncing = false;
  const listeners = new Set<(frame: SequencedFrame) => void>();

  function apply(rec: Rec) {
    switch (rec.t) {
      case 'h':
        attempts.set(rec.a, { attemptId: rec.a, missionId: rec.m, leaseVersion: rec.l, last: rec.last, acked: rec.acked, pending: [], finished: rec.fin });
        return;
      case 'f': {
        const p = rec.f.payload;
        if (doneWith.has(p.attemptId)) return;
        let st = attempts.get(p.attemptId);
        if (!st) attempts.set(p.attemptId, (st = { attemptId: p.attemptId, missionId: p.missionId, leaseVersion: p.leaseVersion, last: 0, acked: 0, pending: [], finished: false }));
        if (p.seq <= st.acked || p.seq <= st.last) return;
        st.pending.push(rec.f);
        if (rec.s) substitutes.add(rec.f.id);
        st.last = p.seq;
        if (rec.f.type === 'mission.finished') st.finished = true;
        return;
      }
      case 'r': {
        const st = attempts.get(rec.f.payload.attemptId);
        const i = st?.pending.findIndex((f) => f.payload.seq === rec.f.payload.seq) ?? -1;
        if (!st || i < 0) return;
        st.pending[i] = rec.f;
        substitutes.add(rec.f.id);
        if (rec.f.type === 'mission.finished') st.finished = true;
        return;
      }
      case 'a': {
        const st = attempts.get(rec.a);
        if (st) ackState(st, rec.s);
        return;
      }
      case 'x':
        attempts.delete(rec.a);
        doneWith.add(rec.a);
    }
  }

  function ackState(st: AttemptState, seq: number) {
    if (seq <= st.acked) return;
    st.acked = seq;
    st.last = Math.max(st.last, seq);
    while (st.pending.length > 0 && st.pending[0]!.payload.seq <= seq) substitutes.delete(st.pending.shift()!.id);
  }

  /** Replays the file; a torn last line (kill -9 mid-write) is cut off. */
  function load() {
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    let good = 0;
    for (let start = 0; start < text.length; ) {
      const end = text.indexOf('\n', start);
      if (end < 0) break;
      const line = text.slice(start, end);
      let rec: Rec;
      try {
        rec = JSON.parse(line) as Rec;
        if (rec.t === 'f') rec = { t: 'f', f: sequencedFrame.parse(rec.f), ...(rec.s ? { s: true as const } : {}) };
        if (rec.t === 'r') rec = { t: 'r', f: sequencedFrame.parse(rec.f) };
      } catch {
        break; // corrupt tail: everything after it was never acknowledged as durable
      }
      apply(rec);
      start = end + 1;
      good = Buffer.byteLength(text.slice(0, start));
    }
    const fd = openSync(path, 'a+', 0o600);
    if (good < Buffer.byteLength(text)) {
      ftruncateSync(fd, good);
      fsyncSync(fd);
    }
    return { fd, size: good };
  }

  function writeRaw(line: string) {
    writeSync(fd, line);
    bytesSinceCompaction += Buffer.byteLength(line);
  }

  /**
   * A record synced before it is acted on. Safe beside a grouped write in flight: the file is
   * opened for append, and what a record refers to (a pending frame) is on disk already.
   */
  function writeDurable(rec: Rec) {
    writeRaw(`${JSON.stringify(rec)}\n`);
    fdatasyncSync(fd);
  }

  function syncQueue() {
    if (syncing || queue.length === 0) return;
    // Frames of an attempt refused for good while they waited are not written: on disk after
    // the attempt's `x` record, they would bring it back at the next start.
    const batch = queue.filter((b) => !refused.has(b.frame.payload.attemptId));
    for (const b of queue) if (refused.has(b.frame.payload.attemptId)) b.reject(new Error(`attempt ${b.frame.payload.attemptId} was refused by the control plane; its frames are dropped`));
    queue = [];
    if (batch.length === 0) return;
    syncing = true;
    const text = batch.map((b) => b.line).join('');
    bytesSinceCompaction += Buffer.byteLength(text);
    write(fd, text, null, 'utf8', (writeError) => {
      const done = (error: Error | null) => {
        syncing = false;
        for (const b of batch) {
          if (error) b.reject(error);
          else if (refused.has(b.frame.payload.attemptId)) b.reject(new Error(`attempt ${b.frame.payload.attemptId} was refused by the control plane; its frames are dropped`));
          else {
            attempts.get(b.frame.payload.attemptId)?.pending.push(b.frame);
            b.resolve();
            for (const l of listeners) l(b.frame);
          }
        }
        syncQueue();
      };
      if (writeError) return done(writeError);
      fdatasync(fd, done);
    });
  }

  function compact() {
    const tmp = `${path}.tmp`;
    const tfd = openSync(tmp, 'w', 0o600);
    let text = '';
    for (const st of attempts.values()) {
      text += `${JSON.stringify({ t: 'h', a: st.attemptId, m: st.missionId, l: st.leaseVersion, last: st.last, acked: st.acked, fin: st.finished } satisfies Rec)}\n`;
      for (const f of st.pending) text += `${JSON.stringify({ t: 'f', f, ...(substitutes.has(f.id) ? { s: true as const } : {}) } satisfies Rec)}\n`;
    }
    writeSync(tfd, text);
    fsyncSync(tfd);
    closeSync(tfd);
    closeSync(fd);
    renameSync(tmp, path);
    const dfd = openSync(dirname(path), 'r');
    fsyncSync(dfd);
    closeSync(dfd);
    fd = openSync(path, 'a+', 0o600);
    bytesSinceCompaction = Buffer.byteLength(text);
  }

  return {
    /**
     * Gives the next seq of the attempt to a new frame, makes it durable, then resolves with it.
     * Subscribers (`onDurable`) see frames in seq order.
     */
    append(ref: AttemptRef, draft: Draft): Promise<SequencedFrame> {
      if (refused.has(ref.attemptId)) return Promise.reject(new Error(`attempt ${ref.attemptId} was refused by the control plane; its frames are dropped`));
      let st = attempts.get(ref.attemptId);
      if (!st) attempts.set(ref.attemptId, (st = { ...ref, last: 0, acked: 0, pending: [], finished: false }));
      if (st.finished) return Promise.reject(new Error(`attempt ${ref.attemptId} already finished`));
      const seq = ++st.last;
      if (draft.type === 'mission.finished') st.finished = true;
      // Made storable here, and replaced at once when it could never be sent (see frame-guard.ts).
      const { frame, json, rejected } = guardFrame(makeFrame(draft.type, { ...draft.payload, ...ref, seq }) as SequencedFrame);
      return new Promise((resolve, reject) => {
        queue.push({ line: `{"t":"f","f":${json}${rejected ? ',"s":true' : ''}}\n`, frame, resolve: () => {
          if (rejected) substitutes.add(frame.id);
          resolve(frame);
        }, reject });
        setImmediate(syncQueue);
      });
    },

    /**
     * The control plane refused the pending frame `frameId` for good (an `error` frame, not
     * retryable, naming it). It is replaced at once and durably by its substitute (same seq, see
     * frame-guard.ts): the substitute and the attempt's later pending frames are returned, to be
     * sent again in order. A refused substitute gets no substitute: the attempt's frames are
     * dropped and the attempt is done with, so no frame can make the daemon loop. Undefined when
     * no pending frame has that id (e.g. it was quarantined and acked already).
     */
    reject(frameId: string, why: Rejection):
      | { outcome: 'replaced'; rejected: SequencedFrame; resend: SequencedFrame[] }
      | { outcome: 'dropped'; rejected: SequencedFrame }
      | undefined {
      for (const st of attempts.values()) {
        const i = st.pending.findIndex((f) => f.id === frameId);
        if (i < 0) continue;
        const rejected = st.pending[i]!;
        if (substitutes.has(frameId)) {
          for (const f of st.pending) substitutes.delete(f.id);
          attempts.delete(st.attemptId);
          refused.add(st.attemptId);
          writeDurable({ t: 'x', a: st.attemptId });
          return { outcome: 'dropped', rejected };
        }
        const sub = substituteFor(rejected, why);
        writeDurable({ t: 'r', f: sub });
        st.pending[i] = sub;
        substitutes.add(sub.id);
        return { outcome: 'replaced', rejected, resend: st.pending.slice(i) };
      }
      return undefined;
    },

    /** The control plane committed everything up to `seq`. */
    ack(attemptId: string, seq: number) {
      const st = attempts.get(attemptId);
      if (!st || seq <= st.acked) return;
      ackState(st, seq);
      if (st.finished && st.pending.length === 0 && st.acked >= st.last) {
        attempts.delete(attemptId);
        writeRaw(`${JSON.stringify({ t: 'x', a: attemptId } satisfies Rec)}\n`);
      } else {
        writeRaw(`${JSON.stringify({ t: 'a', a: attemptId, s: seq } satisfies Rec)}\n`);
      }
      if (bytesSinceCompaction > COMPACT_AFTER_BYTES && !syncing && queue.length === 0) compact();
    },

    /** After session.welcome: what is stored counts as acked; seq never goes back below it. */
    resume(attemptId: string, lastStoredSeq: number) {
      this.ack(attemptId, lastStoredSeq);
    },

    /** The control plane will never take these frames (fenced attempt): forget them. */
    drop(attemptId: string) {
      if (!attempts.delete(attemptId)) return;
      writeRaw(`${JSON.stringify({ t: 'x', a: attemptId } satisfies Rec)}\n`);
    },

    /** Durable, unacknowledged frames of one attempt (or all), in seq order per attempt. */
    pending(attemptId?: string): SequencedFrame[] {
      if (attemptId) return [...(attempts.get(attemptId)?.pending ?? [])];
      return [...attempts.values()].flatMap((st) => st.pending);
    },

    /** For session.hello: every attempt still held and the last seq held for it. */
    held(): HeldAttempt[] {
      return [...attempts.values()].map((st) => ({
        attemptId: st.attemptId, missionId: st.missionId, leaseVersion: st.leaseVersion, lastSeq: st.last, state: st.finished ? 'finished' : 'running',
      }));
    },

    get depth() {
      let n = 0;
      for (const st of attempts.values()) n += st.pending.length;
      return n;
    },

    onDurable(listener: (frame: SequencedFrame) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    /** Waits for in-flight writes, then closes the file. */
    async close() {
      while (syncing || queue.length > 0) await new Promise((r) => setImmediate(r));
      closeSync(fd);
    },
  };
}
export type Outbox = ReturnType<typeof openOutbox>;
