/**
 * Quiet hours are wall-clock minutes in the recipient's time zone: [start, end), spanning midnight
 * when end < start ("22:00"–"07:00"). A notification created inside them is held until the end
 * of that quiet period, in real time (a DST change inside the night moves the end with the clock).
 */
export interface QuietHours {
  startMinute: number;
  endMinute: number;
}

const MINUTE_MS = 60_000;

/** "HH:MM" (24 h) to minutes after midnight; undefined for anything else. */
export function parseClockTime(value: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

export const formatClockTime = (minute: number): string =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/** True for a zone name this runtime's Intl knows (IANA names, 'UTC'). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

interface WallClock { year: number; month: number; day: number; minuteOfDay: number }

function wallClock(at: Date, timeZone: string): WallClock {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' })
      .formatToParts(at).map((p) => [p.type, p.value]),
  );
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), minuteOfDay: Number(parts.hour) * 60 + Number(parts.minute) };
}

/** The zone's offset from UTC at `at`, in ms (positive east of Greenwich). */
function offsetMs(at: Date, timeZone: string): number {
  const w = wallClock(at, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, 0, w.minuteOfDay);
  return asUtc - Math.floor(at.getTime() / MINUTE_MS) * MINUTE_MS;
}

/** The instant a wall-clock time happens in the zone (a time skipped by DST lands just after the gap). */
function instantOf(year: number, month: number, day: number, minuteOfDay: number, timeZone: string): Date {
  const naive = Date.UTC(year, month - 1, day, 0, minuteOfDay);
  const first = naive - offsetMs(new Date(naive), timeZone);
  return new Date(naive - offsetMs(new Date(first), timeZone));
}

/** When the quiet period `at` falls in ends, or undefined when `at` is not in quiet hours. */
export function quietPeriodEnd(at: Date, quiet: QuietHours, timeZone: string): Date | undefined {
  const { startMinute: start, endMinute: end } = quiet;
  if (start === end) return undefined;
  const now = wallClock(at, timeZone);
  const m = now.minuteOfDay;
  const inside = start < end ? m >= start && m < end : m >= start || m < end;
  if (!inside) return undefined;
  // Spanning midnight and already past the start: the period ends tomorrow (Date.UTC rolls the day over).
  const dayAhead = start > end && m >= start ? 1 : 0;
  const endAt = instantOf(now.year, now.month, now.day + dayAhead, end, timeZone);
  return endAt.getTime() > at.getTime() ? endAt : new Date(at.getTime() + MINUTE_MS);
}
