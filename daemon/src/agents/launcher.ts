import { createWriteStream, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { type AgentPermissionPolicy, clipTextStart, sanitizeDeep, sanitizeText } from '@solo-unicorn/shared';
import { execa } from 'execa';
import { type AgentAdapter, clip } from './adapters/types.ts';
import { onBoundedLines } from './bounded-lines.ts';
import { isGroupAlive, signalGroup } from './process-group.ts';
import { type RunTrouble, watchRunTrouble } from './run-trouble.ts';

export type AgentOutcome = 'succeeded' | 'failed' | 'cancelled' | 'timed_out';

export interface AgentRunResult {
  outcome: AgentOutcome;
  exitCode: number | null;
  signal: string | null;
  reason?: string;
  /** The agent's own session id, when it said (Claude Code `session_id`, Codex `thread_id`). */
  sessionId?: string;
  /** A usage limit, refused credentials, an unknown session to resume, an outage the CLI gave up on. */
  trouble?: RunTrouble;
}

export interface AgentRun {
  /** The agent's pid, which is also its process group id; null when it could not be started. */
  pid: number | null;
  /** SIGTERM to the group, SIGKILL after `killGraceMs`; resolves with `done`. A no-op once it ended. */
  cancel(reason: string): Promise<void>;
  /** Resolves (never rejects) once the agent and every process of its group are gone. */
  done: Promise<AgentRunResult>;
}

export interface LaunchAgentOptions {
  adapter: AgentAdapter;
  agent: { name: string; command: string[]; env?: Record<string, string> };
  /** The worktree; must exist. */
  cwd: string;
  missionId: string;
  prompt: string;
  /** What the agent may do; the adapter turns it into the CLI's flags (its default: `edits`). */
  policy?: AgentPermissionPolicy;
  /** The agent session to continue (the adapter turns it into `--resume` / `exec resume`). */
  resumeSessionId?: string;
  /** Where the prompt is written (mode 0600) for `{promptFile}` and SU_MISSION_PROMPT_FILE. */
  promptFile: string;
  /** Raw stdout and stderr are appended here (`logs/{sessionId}.log`); the folder is created. */
  logFile: string;
  /** No output for this long → timed_out. */
  stallTimeoutMs: number;
  /** Running for this long in total → timed_out. */
  wallTimeoutMs: number;
  /** Between SIGTERM and SIGKILL of the group. */
  killGraceMs: number;
  /** Parsed stdout events, and `agent.stderr` per stderr line. Throwing here does not affect the run. */
  onEvent(kind: string, data: Record<string, unknown>): void | Promise<void>;
  /** The agent's base environment; the daemon's own by default, minus its token. */
  baseEnv?: NodeJS.ProcessEnv;
  /**
   * The mission tools for this run (MCP): the URL goes to the CLI's config, the token only into
   * the env (SU_MCP_TOKEN); it is revoked once the run's process group is gone.
   */
  tools?: { url: string; token: string; revoke(): void };
}

/** Env the daemon holds that no agent needs to see. */
const privateEnv = ['SU_WORKSTATION_TOKEN'];
const tailLines = 20;
const maxReasonChars = 4000;
const groupPollMs = 10;
/** After SIGKILL a process in uninterruptible sleep may linger; done does not wait forever. */
const afterKillCapMs = 5000;
/** Streams held open by a process that left the group (setsid) are cut after this. */
const streamDrainCapMs = 1000;

/** Starts a code agent in its own process group in `cwd`; never throws. */
export function launchAgent(opts: LaunchAgentOptions): AgentRun {
  const { adapter, agent, missionId, promptFile } = opts;
  const watch = watchRunTrouble();
  const emit = (kind: string, raw: Record<string, unknown>) => {
    watch.onEvent(kind, raw);
    try {
      const r = opts.onEvent(kind, storableData(raw));
      if (r && typeof r.catch === 'function') r.catch(() => {});
    } catch {
      // a failing consumer must not end the agent
    }
  };
  const failed = (reason: string): AgentRun => {
    opts.tools?.revoke();
    return { pid: null, cancel: async () => {}, done: Promise.resolve({ outcome: 'failed', exitCode: null, signal: null, reason }) };
  };

  let log;
  try {
    if (!statSync(opts.cwd).isDirectory()) return failed(`cannot start agent "${agent.name}": ${opts.cwd} is not a directory`);
    mkdirSync(dirname(promptFile), { recursive: true, mode: 0o700 });
    writeFileSync(promptFile, opts.prompt, { mode: 0o600 });
    mkdirSync(dirname(opts.logFile), { recursive: true, mode: 0o700 });
    log = createWriteStream(opts.logFile, { flags: 'a', mode: 0o600 });
    log.on('error', () => {}); // a full disk loses log lines, not the mission
  } catch (error) {
    return failed(`cannot start agent "${agent.name}": ${(error as Error).message}`);
  }

  const tools = opts.tools;
  const env: NodeJS.ProcessEnv = {
    ...(opts.baseEnv ?? process.env), ...agent.env, SU_MISSION_ID: missionId, SU_MISSION_PROMPT_FILE: promptFile,
    ...(tools ? { SU_MCP_URL: tools.url, SU_MCP_TOKEN: tools.token } : {}),
  };
  for (const key of privateEnv) delete env[key];
  let invocation;
  try {
    invocation = adapter.invocation(agent.command, {
      missionId, prompt: opts.prompt, promptFile, policy: opts.policy, resumeSessionId: opts.resumeSessionId, env, ...(tools ? { mcp: { url: tools.url } } : {}),
    });
  } catch (error) {
    log.end();
    return failed(`cannot start agent "${agent.name}": ${(error as Error).message}`);
  }
  const { argv, input, cleanup } = invocation;
  Object.assign(env, invocation.env);
  const finished = () => {
    tools?.revoke(); // the group is gone: nothing of this run may call the tools any more
    try {
      cleanup?.();
    } catch {
      // a leftover temp dir is not worth failing the run over
    }
  };

  const child = execa(argv[0]!, argv.slice(1), {
    cwd: opts.cwd, env, extendEnv: false, detached: true, reject: false, buffer: false, cleanup: false,
    stdout: 'pipe', stderr: 'pipe', ...(input === undefined ? { stdin: 'ignore' as const } : { input }),
  });
  const pid = child.pid;
  if (pid === undefined) {
    const done = child.then((r) => {
      log.end();
      const code = (r as { code?: string }).code;
      const why = code === 'ENOENT' ? `command not found: ${argv[0]}` : (r.originalMessage ?? r.shortMessage);
      return { outcome: 'failed' as const, exitCode: null, signal: null, reason: `cannot start agent "${agent.name}": ${why}` };
    });
    void done.finally(finished);
    return { pid: null, cancel: () => done.then(() => {}), done };
  }

  const lastStderr: string[] = [];
  const lastStdout: string[] = [];
  const remember = (lines: string[], line: string) => {
    lines.push(line.length > maxReasonChars ? line.slice(0, maxReasonChars) : line);
    if (lines.length > tailLines) lines.shift();
  };
  let ending: { outcome: AgentOutcome; reason: string } | undefined;
  let exited = false;
  let killTimer: NodeJS.Timeout | undefined;
  let termSentAt: number | undefined;

  const terminate = (outcome: AgentOutcome, reason: string) => {
    if (ending || exited) return;
    ending = { outcome, reason };
    clearTimeout(stallTimer);
    clearTimeout(wallTimer);
    killGroup();
  };
  const killGroup = () => {
    if (killTimer) return;
    termSentAt = Date.now();
    signalGroup(pid, 'SIGTERM');
    killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), opts.killGraceMs);
  };

  let stallTimer = setTimeout(() => terminate('timed_out', `no output for ${opts.stallTimeoutMs} ms (stall timeout)`), opts.stallTimeoutMs);
  const wallTimer = setTimeout(() => terminate('timed_out', `ran longer than ${opts.wallTimeoutMs} ms (wall-time cap)`), opts.wallTimeoutMs);
  const onOutput = (chunk: Buffer) => {
    log.write(chunk);
    if (ending || exited) return;
    stallTimer.refresh();
  };

  const streams = [child.stdout, child.stderr] as Readable[];
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  const parseState = {};
  onBoundedLines(child.stdout, (line) => {
    remember(lastStdout, line);
    let events;
    try {
      events = adapter.parseLine(line, parseState);
    } catch {
      events = [{ kind: 'agent.output', data: { text: clip(line) } }];
    }
    for (const e of events) emit(e.kind, e.data);
  });
  onBoundedLines(child.stderr, (line) => {
    remember(lastStderr, line);
    watch.onStderr(line);
    emit('agent.stderr', { text: clip(line) });
    for (const e of adapter.stderrEvents?.(line) ?? []) emit(e.kind, e.data);
  });
  const drained = Promise.all(streams.map((s) => new Promise<void>((resolve) => {
    if (s.closed || s.destroyed) resolve();
    else s.once('close', () => resolve());
  })));

  const leaderExit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  void child.catch(() => {}); // settled through 'exit'; reject is off, this guards stream errors

  const done = (async (): Promise<AgentRunResult> => {
    const { code, signal } = await leaderExit;
    exited = true;
    clearTimeout(stallTimer);
    clearTimeout(wallTimer);
    // Leftovers (a dev server the agent started, a child ignoring SIGTERM) end with their leader.
    while (isGroupAlive(pid)) {
      killGroup();
      if (Date.now() - termSentAt! > opts.killGraceMs + afterKillCapMs) break;
      await sleep(groupPollMs);
    }
    clearTimeout(killTimer);
    await Promise.race([drained, sleep(streamDrainCapMs)]);
    for (const s of streams) s.destroy();
    await new Promise<void>((resolve) => log.end(resolve));
    finished();
    const tail = (lastStderr.length ? lastStderr : lastStdout).join('\n');
    const told = compactResult({ sessionId: watch.sessionId, trouble: watch.trouble });
    if (ending) return { outcome: ending.outcome, exitCode: code, signal, reason: ending.reason, ...told };
    if (code === 0) return { outcome: 'succeeded', exitCode: 0, signal: null, ...told };
    const how = signal ? `agent was killed by ${signal}` : `agent exited with code ${code}`;
    return { outcome: 'failed', exitCode: code, signal, reason: tail ? `${how}: ${clipReason(tail, how.length + 2)}` : how, ...told };
  })();

  return {
    pid,
    cancel(reason) {
      terminate('cancelled', reason);
      return done.then(() => {});
    },
    done,
  };
}

const compactResult = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The end of the output says most about a failure (after `reserved` units of our own); agent text, so made storable too. */
const clipReason = (s: string, reserved: number) => clipTextStart(sanitizeText(s), maxReasonChars - reserved);

/**
 * Agent output as the control plane can store it: each NUL and lone surrogate (a binary tool
 * result, a line cut inside an emoji by the agent itself) becomes U+FFFD, and the event says so.
 */
export function storableData(data: Record<string, unknown>): Record<string, unknown> {
  const { value, changed } = sanitizeDeep(data);
  return changed ? { ...value, sanitized: true } : value;
}
