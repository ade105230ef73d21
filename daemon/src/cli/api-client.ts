import { CliError } from './output.ts';

/** The control plane answered with an error status (kept so a caller can treat a 404 as "not there"). */
export class ApiError extends CliError {
  constructor(message: string, readonly status: number, readonly code?: string) {
    super(message);
  }
}

/**
 * The request never reached a control plane (refused, unknown host, no route, connect timeout):
 * another instance may take it, whatever the method, since this one did nothing.
 */
export class UnreachableError extends CliError {}
const connectFailures = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** Calls the control plane's REST API with an API key; errors become one readable line. */
export async function callApi<T>(baseUrl: string, apiKey: string, method: string, path: string, body?: unknown, timeoutMs = 15_000): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${baseUrl.replace(/\/+$/, '')}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as Error).cause as NodeJS.ErrnoException | undefined;
    const Failure = cause?.code && connectFailures.has(cause.code) ? UnreachableError : CliError;
    throw new Failure(`cannot reach ${baseUrl}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}; check --url and that the control plane runs`);
  }
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const message = json?.error?.message ?? `HTTP ${res.status}`;
    const code = typeof json?.error?.code === 'string' ? (json.error.code as string) : undefined;
    if (res.status === 401) throw new ApiError(`the API key was refused (${message}); check --api-key`, 401, code);
    throw new ApiError(`${method} ${path.split('?')[0]} failed: ${message}${code ? ` (${code})` : ''}`, res.status, code);
  }
  return json as T;
}
