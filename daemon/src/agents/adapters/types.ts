import { type AgentPermissionPolicy, clipText } from '@solo-unicorn/shared';

/** What an adapter turns a mission into, and what it makes of the agent's stdout. */

/** A structured agent event; becomes a `mission.event` (`kind` matches the protocol's kind pattern). */
export interface AgentEvent {
  kind: string;
  data: Record<string, unknown>;
}

export interface MissionInvocationInput {
  missionId: string;
  /** The prompt text (built-ins pass it as an argument, or on stdin when too long for argv). */
  prompt: string;
  /** Absolute path of the file holding the prompt; replaces `{promptFile}` in any command. */
  promptFile: string;
  /** What the agent may do; built-in adapters turn it into the CLI's own flags (default `edits`). */
  policy?: AgentPermissionPolicy;
  /** The agent's own session to continue (Claude Code `session_id`, Codex `thread_id`); absent: a fresh session. */
  resumeSessionId?: string;
  /**
   * The daemon's agent tools (MCP over loopback HTTP) for this run. The bearer token is in the
   * agent's env as SU_MCP_TOKEN only: adapters name the variable, never the token.
   */
  mcp?: { url: string };
  /** The env the agent will get (before the invocation's own `env`): where its CLI keeps its home. */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface Invocation {
  /** argv[0] is the executable. */
  argv: string[];
  /** Written to the agent's stdin, which is otherwise closed. */
  input?: string;
  /** Added to the agent's env (Gemini CLI: the per-run home that holds the tools' settings). */
  env?: Record<string, string>;
  /** Called once the run's process group is gone (removes what `invocation` made on disk). */
  cleanup?(): void;
}

export interface AgentAdapter {
  /** The built-in's name (its `agentType`), or `custom` for a plain command. */
  readonly name: string;
  /** `command` is the configured command (built-in default or config.json / SU_AGENT_COMMAND). */
  invocation(command: readonly string[], mission: MissionInvocationInput): Invocation;
  /** Whether `invocation` continues `resumeSessionId` with this configured command (else it runs fresh). */
  canResume(command: readonly string[]): boolean;
  /**
   * One stdout line → zero or more events. Never throws: what it cannot read is `agent.output`.
   * `run` is one object per agent run, for what a line means only in context (the session a usage
   * total belongs to); omitted, each line is read alone.
   */
  parseLine(line: string, run?: RunState): AgentEvent[];
  /** Events a stderr line means beside its `agent.stderr` (a CLI that reports a problem only there). */
  stderrEvents?(line: string): AgentEvent[];
  /**
   * A resumed session's usage before this run, as the control plane recorded it. The CLIs report
   * running totals for a resumed session; an adapter that subtracts what it saw earlier learns the
   * earlier share from here when this daemon has not seen the session (it restarted since).
   */
  seedSessionUsage?(sessionId: string, usage: SessionUsage): void;
}

/** Usage totals of an agent session so far (tokens; cost where the agent reports it). */
export interface SessionUsage {
  inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number; costUsd: number | null;
}

/** Per-run parser state; each adapter keeps its own keys in it. */
export type RunState = Record<string, unknown>;

/** Mission event kinds, as the protocol's `mission.event` accepts them. */
export const eventKindPattern = /^[a-z][a-z0-9_.-]*$/;
export const isEventKind = (kind: unknown): kind is string => typeof kind === 'string' && kind.length <= 64 && eventKindPattern.test(kind);

/** Linux caps one argv string at 128 KiB (MAX_ARG_STRLEN); longer prompts go through stdin. */
export const maxPromptArgBytes = 100 * 1024;
export const promptFitsArgv = (prompt: string) => Buffer.byteLength(prompt) <= maxPromptArgBytes;

export function substitutePromptFile(command: readonly string[], promptFile: string): string[] {
  return command.map((part) => part.replaceAll('{promptFile}', promptFile));
}

/** Bounds what one event carries: agents print whole files in tool results. Units: UTF-16 code units. */
export const maxTextChars = 8000;
/** At most `max` code units of `text`, never ending inside a surrogate pair, and how much was cut. */
export function clip(text: unknown, max = maxTextChars): string | undefined {
  if (text === undefined || text === null) return undefined;
  const s = typeof text === 'string' ? text : (JSON.stringify(text) ?? String(text));
  if (s.length <= max) return s;
  const head = clipText(s, max, '');
  return `${head}… [${s.length - head.length} more chars]`;
}

/** A JSON value kept as is when small, else replaced by a clipped preview. */
export function clipJson(value: unknown, max = maxTextChars): unknown {
  if (value === undefined) return undefined;
  const s = JSON.stringify(value) ?? '';
  return s.length > max ? { truncated: true, preview: clip(s, max) } : value;
}

export const outputEvent = (line: string): AgentEvent => ({ kind: 'agent.output', data: { text: clip(line) } });

export function parseJsonObject(line: string): Record<string, unknown> | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Drops undefined fields so event data stays small and JSON-stable. */
export function compact(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined));
}

export const asRecord = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
export const asNumber = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
export const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Why a model request failed for good, from its HTTP status or the CLI's words: `auth` (the
 * credentials were refused: a relaunch cannot help), `overloaded` (5xx, 529, a lost connection:
 * worth a relaunch after a pause). Usage limits are told apart before this.
 */
export function apiTrouble(status: number | undefined, message: string): 'auth' | 'overloaded' | undefined {
  if (status === 401 || status === 403 || /\b401\b|unauthorized|invalid (?:x-)?api[ -]key|authentication/i.test(message)) return 'auth';
  if ((status !== undefined && (status >= 500 || status === 408)) || /\b5\d\d\b|overloaded|service unavailable|connection (?:to the api )?was lost|ECONNRESET|stream disconnected/i.test(message)) return 'overloaded';
  return undefined;
}
