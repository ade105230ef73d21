/**
 * An error as it may be logged: type, SQLSTATE, a message without the user's data, and the
 * stack frames. Drizzle's query errors carry `params: …` (the row being written: a title, agent
 * output) in their message and stack header, and PostgreSQL's own messages quote the offending
 * value (`invalid input syntax for type integer: "…"`), as does its `detail`. None of that
 * belongs in a log line; the SQLSTATE, the table and the constraint are what an operator needs.
 */
export function safeError(err: unknown): { [key: string]: unknown; type: string; message: string; stack: string } {
  if (!(err instanceof Error)) return { type: typeof err, message: '', stack: '' };
  const frames = (err.stack ?? '').split('\n').filter((l) => l.startsWith('    at ')).slice(0, 12).join('\n');
  const cause = err.cause instanceof Error ? err.cause : undefined;
  return {
    type: err.name,
    message: messageOf(err),
    code: sqlState(err),
    ...(cause ? { cause: { type: cause.name, message: messageOf(cause), ...where(cause) } } : {}),
    ...where(err),
    stack: frames,
  };
}

/** The SQLSTATE of a database error, looking through drizzle's wrapper. */
export function sqlState(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = ownSqlState(e);
    if (code) return code;
  }
  return undefined;
}

function ownSqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

function messageOf(e: Error): string {
  const state = ownSqlState(e);
  if (state) return `database error (SQLSTATE ${state})`;
  const cut = e.message.indexOf('\nparams:');
  return (cut === -1 ? e.message : e.message.slice(0, cut)).slice(0, 2000);
}

/** Names (never values) PostgreSQL attaches to an error. */
function where(e: Error): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['table', 'column', 'constraint', 'routine'] as const) {
    const v = (e as unknown as Record<string, unknown>)[k];
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}
