/**
 * The daemon's log file holds pino's JSON lines. `daemon logs` shows them for people — time,
 * level, message, then the other fields as key=value — and `--json` leaves them as they are.
 */
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const SHOWN_APART = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v']);

export function formatLogLine(line: string): string {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return line; // not one of pino's lines (a crash's stderr, a truncated write): shown as is
  }
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) return line;
  const e = entry as Record<string, unknown>;
  const time = typeof e.time === 'number' ? new Date(e.time).toISOString().replace('T', ' ').slice(0, 19) : '';
  const level = LEVELS[e.level as number] ?? String(e.level ?? '');
  const rest = Object.entries(e).filter(([k]) => !SHOWN_APART.has(k)).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return [time, level.padEnd(5), typeof e.msg === 'string' ? e.msg : '', ...rest].filter(Boolean).join(' ');
}

/** Whole lines out of a stream of chunks (a follow may read half a line). */
export function lineSplitter(write: (line: string) => void) {
  let partial = '';
  return (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const line of lines) write(line);
  };
}
