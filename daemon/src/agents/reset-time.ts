/**
 * When a usage limit resets, read from what the agent CLI printed. Each CLI words it its own way:
 * - Claude Code passes the API's "Claude AI usage limit reached|<epoch seconds>" through;
 * - Codex says "You've hit your usage limit. Try again at 1:56 PM." (the workstation's local time),
 *   or with a date when the reset is not today ("Try again at Dec 6th, 2026 1:56 PM.");
 * - others say "resets at <ISO time>" or "try again in 20 minutes".
 * Nothing recognisable → undefined (the control plane then applies its default back-off).
 */
export function parseResetTime(text: string, now = new Date()): Date | undefined {
  const epoch = /(?:\||resets?_at"?\s*[:=]\s*)(\d{10})(?!\d)/.exec(text);
  if (epoch) return new Date(Number(epoch[1]) * 1000);
  const iso = /reset[^0-9]{0,20}(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))/i.exec(text);
  if (iso) return validDate(new Date(iso[1]!));
  const relative = /(?:try again|resets?|retry) in (\d+)\s*(second|minute|hour)s?/i.exec(text);
  if (relative) return new Date(now.getTime() + Number(relative[1]) * unitMs[relative[2]!.toLowerCase() as keyof typeof unitMs]);
  const clock = /(?:try again|resets?)(?: at)? (?:([A-Z][a-z]{2})[a-z]* (\d{1,2})(?:st|nd|rd|th)?,? (\d{4}),? )?(\d{1,2})(?::(\d{2}))? ?([AP]M)?/i.exec(text);
  if (clock) return clockTime(clock, now);
  return undefined;
}

const unitMs = { second: 1000, minute: 60_000, hour: 3_600_000 };
const months = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const validDate = (d: Date) => (Number.isNaN(d.getTime()) ? undefined : d);

/** A wall-clock time in the workstation's zone: the next one from now unless a date is given. */
function clockTime(m: RegExpExecArray, now: Date): Date | undefined {
  const [, month, day, year, hourText, minuteText, meridiem] = m;
  let hour = Number(hourText);
  if (meridiem) hour = (hour % 12) + (meridiem.toUpperCase() === 'PM' ? 12 : 0);
  if (hour > 23) return undefined;
  const at = new Date(now);
  at.setHours(hour, Number(minuteText ?? 0), 0, 0);
  if (month && day && year) {
    const index = months.indexOf(month.toLowerCase());
    if (index < 0) return undefined;
    at.setFullYear(Number(year), index, Number(day));
    return validDate(at);
  }
  if (at.getTime() <= now.getTime()) at.setDate(at.getDate() + 1);
  return at;
}
