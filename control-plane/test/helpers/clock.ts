import type { Clock } from '../../src/lib/time.ts';

/** A clock tests move by hand. */
export function manualClock(start: Date | string = '2026-11-25T10:00:00.000Z') {
  let current = new Date(start);
  const clock: Clock & { set(at: Date | string): void; advance(ms: number): void; minutes(n: number): void } = {
    now: () => new Date(current),
    set: (at) => void (current = new Date(at)),
    advance: (ms) => void (current = new Date(current.getTime() + ms)),
    minutes: (n) => void (current = new Date(current.getTime() + n * 60_000)),
  };
  return clock;
}
