import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { idSchema } from '@solo-unicorn/shared';
import { z } from 'zod';

/** One line for the user, printed as `solo-unicorn: …` with a non-zero exit. */
export class ConfigError extends Error {}

export const agentConfigSchema = z.object({
  command: z.array(z.string().min(1)).min(1),
  env: z.record(z.string(), z.string()).optional(),
});

const httpUrl = z.url({ protocol: /^https?$/ });
/** Parts of a comma-separated list of control-plane URLs (several instances on one database), trimmed. */
export const splitServerUrls = (value: string) => value.split(',').map((u) => u.trim().replace(/\/+$/, '')).filter(Boolean);
/** One control-plane URL, or a comma-separated list of them: the daemon fails over between them. */
const serverUrlList = z.string().refine(
  (v) => splitServerUrls(v).length > 0 && splitServerUrls(v).every((u) => httpUrl.safeParse(u).success),
  'must be an http(s) URL, or a comma-separated list of them',
);

/** `$SU_HOME/config.json` (mode 0600): written by `login` and `workstation register`. */
export const configFileSchema = z.object({
  serverUrl: serverUrlList.optional(),
  apiKey: z.string().min(1).optional(),
  workstationId: idSchema.optional(),
  workstationName: z.string().optional(),
  organizationId: idSchema.optional(),
  token: z.string().min(1).optional(),
  maxConcurrentMissions: z.number().int().min(0).max(64).default(2),
  agents: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/), agentConfigSchema).default({}),
  /** The workstation's opt-in to the `full` agent permission policy (no sandbox, no prompts); off by default. */
  allowFullAgentPermissions: z.boolean().default(false),
});
export type ConfigFile = z.infer<typeof configFileSchema>;

const envSchema = z.object({
  SU_HOME: z.string().min(1).optional(),
  HOME: z.string().optional(),
  SU_SERVER_URL: serverUrlList.optional(),
  SU_WORKSTATION_TOKEN: z.string().min(1).optional(),
  SU_AGENT_COMMAND: z.string().optional(),
  /** `1` opts this workstation in to the `full` agent permission policy, like config.json `allowFullAgentPermissions`. */
  SU_AGENT_ALLOW_FULL: z.enum(['0', '1']).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PATH: z.string().default(''),
  /** Reconnect backoff bounds (ms): full jitter between 0 and min(max, base·2^n). */
  SU_RECONNECT_BASE_MS: z.coerce.number().int().min(1).default(1000),
  SU_RECONNECT_MAX_MS: z.coerce.number().int().min(1).default(30_000),
  /** Agent watchdogs (ms): no output for this long, or running this long in all, ends the attempt. */
  SU_AGENT_STALL_TIMEOUT_MS: z.coerce.number().int().min(100).default(10 * 60_000),
  SU_AGENT_WALL_TIMEOUT_MS: z.coerce.number().int().min(100).default(2 * 60 * 60_000),
  /** Between SIGTERM and SIGKILL of an agent's process group (ms). */
  SU_AGENT_KILL_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  /** Worktree pool bounds: per repository, and total disk (bytes). */
  SU_WORKTREES_PER_REPO: z.coerce.number().int().min(1).max(64).default(4),
  SU_WORKTREE_DISK_CAP_BYTES: z.coerce.number().int().min(1).default(20 * 1024 ** 3),
});

export interface Env {
  home: string;
  configPath: string;
  /** The first of SU_SERVER_URL's URLs (what the CLI's API commands call). */
  serverUrl?: string;
  /** All of SU_SERVER_URL's URLs, in order. */
  serverUrls?: string[];
  token?: string;
  agentCommand?: string[];
  /** Undefined when the environment does not say; then config.json decides. */
  allowFullAgentPermissions?: boolean;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  path: string;
  reconnect: { baseMs: number; maxMs: number };
  agentTimeouts: { stallMs: number; wallMs: number; killGraceMs: number };
  worktrees: { perRepo: number; diskCapBytes: number };
}

/** Parses the environment once (main.ts); nothing else reads process.env. */
export function loadEnv(env: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new ConfigError(`invalid environment: ${i.path.join('.')}: ${i.message}`);
  }
  const e = parsed.data;
  const home = resolve(e.SU_HOME ?? join(e.HOME ?? homedir(), '.config', 'solo-unicorn'));
  const serverUrls = e.SU_SERVER_URL === undefined ? undefined : splitServerUrls(e.SU_SERVER_URL);
  let agentCommand: string[] | undefined;
  if (e.SU_AGENT_COMMAND) {
    const cmd = z.array(z.string().min(1)).min(1).safeParse(safeJson(e.SU_AGENT_COMMAND));
    if (!cmd.success) throw new ConfigError('SU_AGENT_COMMAND must be a JSON array of strings, e.g. ["node","agent.mjs","{promptFile}"]');
    agentCommand = cmd.data;
  }
  return {
    home, configPath: join(home, 'config.json'), serverUrl: serverUrls?.[0], serverUrls, token: e.SU_WORKSTATION_TOKEN, agentCommand,
    allowFullAgentPermissions: e.SU_AGENT_ALLOW_FULL === undefined ? undefined : e.SU_AGENT_ALLOW_FULL === '1',
    logLevel: e.LOG_LEVEL, path: e.PATH, reconnect: { baseMs: e.SU_RECONNECT_BASE_MS, maxMs: e.SU_RECONNECT_MAX_MS },
    agentTimeouts: { stallMs: e.SU_AGENT_STALL_TIMEOUT_MS, wallMs: e.SU_AGENT_WALL_TIMEOUT_MS, killGraceMs: e.SU_AGENT_KILL_GRACE_MS },
    worktrees: { perRepo: e.SU_WORKTREES_PER_REPO, diskCapBytes: e.SU_WORKTREE_DISK_CAP_BYTES },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The config file, or defaults when there is none yet. */
export function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return configFileSchema.parse({});
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`);
  }
  const parsed = configFileSchema.safeParse(safeJson(text));
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new ConfigError(`${path} is invalid at ${i.path.join('.') || '(root)'}: ${i.message}; fix it or register again`);
  }
  return parsed.data;
}

export interface DaemonConfig {
  home: string;
  /** The first control-plane URL (shown in status). */
  serverUrl: string;
  /** Every control-plane URL the connection may use, in order (several instances); just serverUrl when absent. */
  serverUrls?: string[];
  workstationId: string;
  token: string;
  maxConcurrentMissions: number;
  agents: ConfigFile['agents'];
  agentCommand?: string[];
  /** Whether a mission may run its agent with the `full` policy; otherwise `full` becomes `edits`. */
  allowFullAgentPermissions: boolean;
  path: string;
  logLevel: Env['logLevel'];
  reconnect: Env['reconnect'];
  agentTimeouts: Env['agentTimeouts'];
  worktrees: Env['worktrees'];
  version: string;
}

/** Everything `solo-unicorn daemon` needs; env overrides the file. */
export function loadDaemonConfig(env: Env): DaemonConfig {
  const file = readConfigFile(env.configPath);
  const serverUrls = env.serverUrls ?? (file.serverUrl ? splitServerUrls(file.serverUrl) : undefined);
  const serverUrl = serverUrls?.[0];
  const token = env.token ?? file.token;
  const hint = 'run `solo-unicorn workstation register --url URL --api-key KEY --organization ORG_ID --name NAME` first';
  if (!serverUrl) throw new ConfigError(`no server URL in ${env.configPath} or SU_SERVER_URL; ${hint}`);
  if (!token) throw new ConfigError(`no workstation token in ${env.configPath} or SU_WORKSTATION_TOKEN; ${hint}`);
  if (!file.workstationId) throw new ConfigError(`no workstation id in ${env.configPath}; ${hint}`);
  return {
    home: env.home, serverUrl, serverUrls: serverUrls!, workstationId: file.workstationId, token,
    maxConcurrentMissions: file.maxConcurrentMissions, agents: file.agents, agentCommand: env.agentCommand,
    allowFullAgentPermissions: env.allowFullAgentPermissions ?? file.allowFullAgentPermissions,
    path: env.path, logLevel: env.logLevel, reconnect: env.reconnect, agentTimeouts: env.agentTimeouts, worktrees: env.worktrees, version: daemonVersion(),
  };
}

/** What agent detection needs (`agent list|check`): no server or token required, env overriding the file. */
export function loadAgentConfig(env: Env) {
  const file = readConfigFile(env.configPath);
  return {
    path: env.path, agents: file.agents, agentCommand: env.agentCommand,
    allowFullAgentPermissions: env.allowFullAgentPermissions ?? file.allowFullAgentPermissions,
  };
}

export function daemonVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
