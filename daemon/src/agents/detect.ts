import { execFile } from 'node:child_process';
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { type AgentInfo, type AgentPermissionPolicy, clipText } from '@solo-unicorn/shared';
import type { DaemonConfig } from '../config.ts';

/**
 * The oldest CLI versions the built-in adapters can drive. The flags they pass (Claude Code: `-p
 * --output-format stream-json --verbose`, `--permission-mode`, `--allowedTools=…`,
 * `--dangerously-skip-permissions`, `--resume`; Codex: `exec --json`, `--sandbox`, `-c key=value`,
 * `--skip-git-repo-check`, `--dangerously-bypass-approvals-and-sandbox`, `exec resume`) were
 * checked against the pinned CLIs' --help (claude 2.1.332, codex 0.171.0), which the test lane runs.
 * Older lines are refused rather than guessed at: `codex exec --json` printed `{id, msg}` events
 * without a `thread.started` id to resume until late in the 0.4x line (openai/codex#4525), and no
 * Claude Code 1.x was ever run against the adapter. Codex's thinking stages need permission profiles
 * (`default_permissions`, Codex 0.133). Gemini CLI: only 0.61.0 was checked. Versions between a minimum and the pinned one
 * are accepted but not run in CI.
 */
export const minimumVersions: Readonly<Record<string, string>> = { 'claude-code': '2.0.0', codex: '0.133.0', gemini: '0.61.0' };

/** Compares dotted versions numerically (`0.171.0` > `0.50.0`); a pre-release tail is ignored. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => (v.match(/^\d+(?:\.\d+)*/)?.[0] ?? '0').split('.').map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** Whether the daemon may run this version of a built-in; an unreadable version is given the benefit of the doubt. */
export function supportOf(type: string, version: string | null): Pick<AgentInfo, 'status' | 'detail'> {
  const minimum = minimumVersions[type];
  if (!minimum) return { status: 'ok' };
  if (version === null) return { status: 'ok', detail: 'version unknown' };
  if (compareVersions(version, minimum) < 0) return { status: 'unsupported', detail: `version ${version} < ${minimum} (the oldest supported)` };
  return { status: 'ok' };
}

export interface DetectedAgent extends AgentInfo {
  command: string[];
  env?: Record<string, string>;
  /** The executable `command[0]` names, resolved on PATH; null when it is not there. */
  executable?: string | null;
  /** Why `--version` gave nothing (built-ins only). */
  versionError?: string;
}

/** The CLIs the daemon has adapters for, and the command it runs when config.json names none. */
export const builtIns = [
  { type: 'claude-code', binary: 'claude', command: ['claude', '-p', '--output-format', 'stream-json', '--verbose'] },
  { type: 'codex', binary: 'codex', command: ['codex', 'exec', '--json'] },
  { type: 'gemini', binary: 'gemini', command: ['gemini', '--output-format', 'stream-json'] },
] as const;
const isBuiltIn = (type: string) => builtIns.some((b) => b.type === type);

export function onPath(binary: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, binary);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `command[0]` as the launcher will find it: a path is taken as is, a bare name is looked up on PATH. */
export function resolveExecutable(program: string, path: string): string | null {
  if (isAbsolute(program) || program.includes('/')) return isExecutable(program) ? program : null;
  return onPath(program, path) ?? null;
}

export interface VersionProbe {
  version: string | null;
  error?: string;
}

/**
 * How long `--version` may take. Gemini CLI is a large node bundle (seconds to start on a loaded
 * 2-core machine); a kill makes it exit 0 with nothing printed.
 */
const VERSION_TIMEOUT_MS = 30_000;

/**
 * Versions read in this process, by the executable's real file, size and mtime and the probe's env:
 * the daemon, `agent list` and `agent check` detect again and again, and a CLI such as Gemini takes
 * seconds to answer. An updated CLI is a changed file, so it is probed afresh; failures are not kept.
 */
const probed = new Map<string, VersionProbe>();

function probeKey(executable: string, env?: Record<string, string>): string | undefined {
  try {
    const file = realpathSync(executable);
    const { size, mtimeMs } = statSync(file);
    return JSON.stringify([file, size, mtimeMs, env ?? null]);
  } catch {
    return undefined;
  }
}

async function probeVersionOnce(executable: string, env?: Record<string, string>): Promise<VersionProbe> {
  const key = probeKey(executable, env);
  const known = key ? probed.get(key) : undefined;
  if (known) return known;
  const probe = await probeVersion(executable, env);
  if (key && probe.version) probed.set(key, probe);
  return probe;
}

/** `<executable> --version`: the first dotted number it prints (`2.1.3 (Claude Code)`, `codex-cli 0.171.0`). */
export function probeVersion(executable: string, env?: Record<string, string>): Promise<VersionProbe> {
  return new Promise((resolve) => {
    // Gemini CLI otherwise starts a second node process of itself (to raise its heap) before it
    // answers, doubling the probe; other CLIs ignore the variable. The agent's own config wins.
    const options = { timeout: VERSION_TIMEOUT_MS, env: { ...process.env, GEMINI_CLI_NO_RELAUNCH: 'true', ...env } };
    const started = Date.now();
    execFile(executable, ['--version'], options, (error, stdout) => {
      if (Date.now() - started >= VERSION_TIMEOUT_MS) return resolve({ version: null, error: `no answer to --version within ${VERSION_TIMEOUT_MS / 1000} s` });
      if (error) return resolve({ version: null, error: clipText(error.message.split('\n')[0] ?? 'failed', 200, '') });
      const text = stdout.trim();
      const version = text.match(/\d+\.\d+[\w.+-]*/)?.[0] ?? null;
      resolve(version ? { version } : { version: null, error: `no version in its output: ${clipText(text, 64, '') || '(nothing)'}` });
    });
  });
}

type DetectConfig = Pick<DaemonConfig, 'path' | 'agents' | 'agentCommand'> & Partial<Pick<DaemonConfig, 'allowFullAgentPermissions'>>;

/**
 * Code agents this machine can run, in the order one is picked when a project names none:
 * SU_AGENT_COMMAND as `custom`, config.json `agents`, then the built-ins on PATH. A name appears once;
 * the first wins, so config.json can point `claude-code` or `codex` at another command.
 * Built-ins (found on PATH or configured) have their version read and checked against the minimum
 * the adapters need: `status` says whether the daemon may run them at all.
 */
export async function detectAgents(config: DetectConfig): Promise<DetectedAgent[]> {
  const maxPolicy: AgentPermissionPolicy = config.allowFullAgentPermissions ? 'full' : 'edits';
  const found: Omit<DetectedAgent, 'version'>[] = [];
  const has = (type: string) => found.some((a) => a.type === type);
  if (config.agentCommand) found.push({ type: 'custom', command: config.agentCommand });
  for (const [name, agent] of Object.entries(config.agents)) {
    if (!has(name)) found.push({ type: name, command: agent.command, ...(agent.env ? { env: agent.env } : {}) });
  }
  for (const b of builtIns) {
    if (!has(b.type) && onPath(b.binary, config.path)) found.push({ type: b.type, command: [...b.command] });
  }
  // Probed side by side: each `--version` is a process start, and the daemon waits for all of them.
  return Promise.all(found.map(async (agent): Promise<DetectedAgent> => {
    const executable = resolveExecutable(agent.command[0]!, config.path);
    if (!isBuiltIn(agent.type)) return { ...agent, version: null, executable, status: 'ok', maxPolicy };
    const probe = executable ? await probeVersionOnce(executable, agent.env) : { version: null, error: `${agent.command[0]} not found` };
    return { ...agent, version: probe.version, executable, ...(probe.error ? { versionError: probe.error } : {}), ...supportOf(agent.type, probe.version), maxPolicy };
  }));
}

/** What session.hello says of an agent (the protocol's fields only). */
export const agentInfo = ({ type, version, status, detail, maxPolicy }: DetectedAgent): AgentInfo =>
  ({ type, version, ...(status ? { status } : {}), ...(detail ? { detail } : {}), ...(maxPolicy ? { maxPolicy } : {}) });

/** Agents the daemon may launch: an `unsupported` version never runs. */
export const runnableAgents = (agents: readonly DetectedAgent[]) => agents.filter((a) => a.status !== 'unsupported');
