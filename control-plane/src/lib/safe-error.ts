/**
 * An error as it may be logged: type, SQLSTATE, a message without the query parameters, and
 * the stack frames. Drizzle's query errors carry `params: …` (the row being written, i.e. the
 * user's or the agent's data) in their message and stack header; PostgreSQL's `detail` quotes
 * the offending value. Neither belongs in a log line.
 */
export function safeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { type: typeof err };
  const cause = err.cause instanceof Error ? err.cause : undefined;
  const frames = (err.stack ?? '').split('\n').filter((l) => l.startsWith('    at ')).slice(0, 12).join('\n');
  return {
    type: err.name,
    message: withoutParams(err.message),
    code: sqlState(err),
    ...(cause ? { cause: { type: cause.name, message: withoutParams(cause.message) } } : {}),
    stack: frames,
  };
}

/** The SQLSTATE of a database error, looking through drizzle's wrapper. */
export function sqlState(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

function withoutParams(message: string): string {
  const cut = message.indexOf('\nparams:');
  return (cut === -1 ? message : message.slice(0, cut)).slice(0, 2000);
}
