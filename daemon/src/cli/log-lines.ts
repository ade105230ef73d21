import { StringDecoder } from 'node:string_decoder';

/**
 * The daemon's log file holds pino's JSON lines. `daemon logs` shows them for people — time,
 * level, message, then the other fields as key=value — and `--json` leaves them as they are.
 */
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const SHOWN_APART = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v']);

/**
 * Control characters escaped: values in the log come from agents and repositories (paths, agent
 * output), and a terminal must not run their escape sequences or show a forged extra line.
 */
const printable = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export function formatLogLine(line: string): string {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return printable(line); // not one of pino's lines (a crash's stderr, a truncated write)
  }
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) return printable(line);
  const e = entry as Record<string, unknown>;
  const time = typeof e.time === 'number' ? new Date(e.time).toISOString().replace('T', ' ').slice(0, 19) : '';
  const level = LEVELS[e.level as number] ?? String(e.level ?? '');
  const rest = Object.entries(e).filter(([k]) => !SHOWN_APART.has(k)).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return printable([time, level.padEnd(5), typeof e.msg === 'string' ? e.msg : '', ...rest].filter(Boolean).join(' '));
}

/** Whole lines out of a stream of chunks (a follow may read half a line, or half a character). */
export function lineSplitter(write: (line: string) => void) {
  let partial = '';
  const decoder = new StringDecoder('utf8');
  return (chunk: string | Buffer) => {
    const lines = (partial + (typeof chunk === 'string' ? chunk : decoder.write(chunk))).split('\n');
    partial = lines.pop()!;
    for (const line of lines) write(line);
  };
}
