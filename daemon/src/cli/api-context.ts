import type { z } from 'zod';
import { readConfigFile, type Env } from '../config.ts';
import { callApi } from './api-client.ts';
import { CliError } from './output.ts';

export interface ApiOptions {
  url?: string;
  apiKey?: string;
}

/** The control plane and API key for a command: flags, else what `login` saved. */
export function apiContext(env: Env, opts: ApiOptions) {
  const file = readConfigFile(env.configPath);
  const url = opts.url ?? env.serverUrl ?? file.serverUrl;
  const key = opts.apiKey ?? file.apiKey;
  if (!url || !key) throw new CliError('no control plane or API key: run `solo-unicorn login --url URL --api-key KEY` or pass --url and --api-key');
  return <T>(method: string, path: string, body?: unknown) => callApi<T>(url, key, method, path, body);
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
