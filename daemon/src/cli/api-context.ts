import type { z } from 'zod';
import { readConfigFile, splitServerUrls, type Env } from '../config.ts';
import { ApiError, callApi, UnreachableError } from './api-client.ts';
import { CliError } from './output.ts';

export interface ApiOptions {
  url?: string;
  apiKey?: string;
}

/**
 * The control-plane URLs and API key for a command: flags, else SU_SERVER_URL, else what `login`
 * or `workstation register` saved. Each URL source may be a comma-separated list (several
 * instances on one database), parsed as the daemon parses it; undefined parts when none is known.
 */
export function apiTarget(env: Env, opts: ApiOptions): { urls: string[]; key?: string } {
  const file = readConfigFile(env.configPath);
  const listed = opts.url ?? env.serverUrls?.join(',') ?? file.serverUrl;
  return { urls: listed ? splitServerUrls(listed) : [], key: opts.apiKey ?? file.apiKey };
}

/**
 * Calls the first control plane that takes the request, in the listed order. Only a request no
 * instance did anything with moves on — never reached (refused, unknown host), or answered 503 by
 * an instance shutting down — so a POST is never sent twice to instances that both acted on it.
 */
export async function callFirstReachable<T>(urls: string[], key: string, method: string, path: string, body?: unknown, timeoutMs?: number): Promise<T> {
  for (const [i, url] of urls.entries()) {
    const last = i === urls.length - 1;
    try {
      return await callApi<T>(url, key, method, path, body, timeoutMs);
    } catch (error) {
      const untouched = error instanceof UnreachableError || (error instanceof ApiError && error.status === 503);
      if (last || !untouched) throw error;
    }
  }
  throw new CliError('no control-plane URL'); // unreachable: callers pass at least one
}

/** The API caller for a command (see apiTarget, callFirstReachable). */
export function apiContext(env: Env, opts: ApiOptions) {
  const { urls, key } = apiTarget(env, opts);
  if (!urls.length || !key) throw new CliError('no control plane or API key: run `solo-unicorn login --url URL --api-key KEY` or pass --url and --api-key');
  return <T>(method: string, path: string, body?: unknown) => callFirstReachable<T>(urls, key, method, path, body);
}

/** Validates a request body with the API's own schema, naming the flag that is wrong. */
export function validBody<S extends z.ZodType>(schema: S, body: unknown, flagOf: (field: string) => string = (f) => `--${f}`): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CliError(`${flagOf(String(issue.path[0] ?? ''))}: ${issue.message}`);
  }
  return parsed.data;
}

/** Parses an integer flag; commander hands us strings. */
export function intFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new CliError(`--${name}: expected a whole number, got "${value}"`);
  return Number(value);
}

export const commonApiOptions = (cmd: import('commander').Command) =>
  cmd.option('--url <url>', 'control-plane URL (default: from `login`)').option('--api-key <key>', 'API key (default: from `login`)').option('--json', 'print JSON');
