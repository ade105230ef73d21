/**
 * Bounds on what one daemon socket may make the control plane do.
 * - Control frames (heartbeat, inventory, replies) each cost a database write and are answered
 *   at once: a token bucket allows a steady rate with bursts; over it, the frame is refused with
 *   SU_ERR_RATE_LIMITED (a well-behaved daemon sends a few a minute).
 * - Sequenced frames (agent events, docs) are never refused for volume, since they are the work
 *   itself: past `maxQueuedFrames` or `maxQueuedBytes` waiting to be stored, the socket stops
 *   being read until the queue drains, so TCP pushes back on the daemon and memory stays bounded.
 */
export interface FrameRateLimits {
  controlFramesPerSecond: number;
  controlBurst: number;
  maxQueuedFrames: number;
  maxQueuedBytes: number;
}

export const defaultFrameRateLimits: FrameRateLimits = {
  controlFramesPerSecond: 20,
  controlBurst: 100,
  maxQueuedFrames: 2_000,
  maxQueuedBytes: 16 * 1024 * 1024,
};

/** A token bucket on a monotonic clock (ms). */
export function createTokenBucket(perSecond: number, burst: number, now: () => number = () => performance.now()) {
  let tokens = burst;
  let last = now();
  return {
    take(): boolean {
      const t = now();
      tokens = Math.min(burst, tokens + ((t - last) / 1000) * perSecond);
      last = t;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

/** Counts what waits to be stored and says when reading should pause or may resume. */
export function createInflowGate(limits: Pick<FrameRateLimits, 'maxQueuedFrames' | 'maxQueuedBytes'>) {
  let frames = 0;
  let bytes = 0;
  return {
    added(size: number) {
      frames += 1;
      bytes += size;
    },
    removed(count: number, size: number) {
      frames = Math.max(0, frames - count);
      bytes = Math.max(0, bytes - size);
    },
    get full() {
      return frames >= limits.maxQueuedFrames || bytes >= limits.maxQueuedBytes;
    },
    /** Resume below half, so a socket does not flap between paused and reading. */
    get drained() {
      return frames < limits.maxQueuedFrames / 2 && bytes < limits.maxQueuedBytes / 2;
    },
  };
}
