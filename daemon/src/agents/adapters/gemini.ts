import type { AgentPermissionPolicy } from '@solo-unicorn/shared';
import { editsAllowedPrograms } from './claude-code.ts';
import { geminiToolsHome } from './gemini-home.ts';
import { geminiMcpFlags } from './mcp-flags.ts';
import {
  type AgentAdapter, type AgentEvent, type RunState, apiTrouble, asNumber, asRecord, asString, clip, clipJson, compact, outputEvent,
  parseJsonObject, promptFitsArgv, substitutePromptFile,
} from './types.ts';

/**
 * The approval flags for a permission policy (checked against Gemini CLI 0.61; headless mode
 * cannot ask, so a tool that would need approval is not offered or is refused by policy):
 * - `edits`    → `--approval-mode auto_edit` (file edits) plus the build-and-test programs that
 *                Claude Code's `edits` allows, as `run_shell_command(prog)` rules; any other
 *                command is refused ("Tool execution denied by policy.");
 * - `readonly` → `--approval-mode default`: headless mode then offers no write or shell tool at
 *                all (not `plan`, which answers a write with success and puts the file elsewhere);
 * - `full`     → `--approval-mode yolo`; the runner passes `full` only when the workstation opted in.
 */
export function approvalFlags(policy: AgentPermissionPolicy): string[] {
  switch (policy) {
    case 'full':
      return ['--approval-mode', 'yolo'];
    case 'readonly':
      return ['--approval-mode', 'default'];
    case 'edits':
      return ['--approval-mode', 'auto_edit', `--allowed-tools=${editsAllowedPrograms.map((p) => `run_shell_command(${p})`).join(',')}`];
  }
}

const hasFlag = (argv: readonly string[], ...names: string[]) => argv.some((a) => names.some((n) => a === n || a.startsWith(`${n}=`)));

/**
 * Gemini CLI headless: `gemini --output-format stream-json --skip-trust <policy flags> -p <prompt>`.
 * Missing flags are added to the configured command; an approval choice the command already makes
 * (`--approval-mode`, `--yolo`, `--allowed-tools`) is the workstation owner's and wins. `--skip-trust`:
 * the daemon chooses the worktree, and an untrusted folder would silently drop the approval mode to
 * `default`. A session to continue is `--resume <session id>`; the CLI keeps sessions per working
 * directory, so only a run in the same worktree finds it ("Error resuming session: …" otherwise).
 * A prompt too long for argv goes to stdin; `-p ' '` still marks the run headless (the CLI appends
 * `-p`'s text to what stdin holds). The mission tools (#14): `--allowed-mcp-server-names` and a
 * per-run GEMINI_CLI_HOME whose settings name our server (gemini-home.ts, removed after the run).
 */
export const geminiAdapter: AgentAdapter = {
  name: 'gemini',
  canResume: () => true,
  invocation(command, { prompt, promptFile, policy = 'edits', resumeSessionId, mcp, env = process.env }) {
    const argv = substitutePromptFile(command, promptFile);
    const home = mcp ? geminiToolsHome(env, mcp.url) : undefined;
    if (home) argv.push(...geminiMcpFlags());
    if (resumeSessionId && !hasFlag(argv, '--resume', '-r')) argv.push('--resume', resumeSessionId);
    if (!hasFlag(argv, '--output-format', '-o')) argv.push('--output-format', 'stream-json');
    if (!argv.includes('--skip-trust')) argv.push('--skip-trust');
    const [modeFlag, mode, tools] = approvalFlags(policy);
    if (!hasFlag(argv, '--approval-mode', '--yolo', '-y')) argv.push(modeFlag!, mode!);
    if (tools && !hasFlag(argv, '--allowed-tools')) argv.push(tools);
    const extra = home ? { env: home.env, cleanup: home.cleanup } : {};
    if (command.some((a) => a.includes('{promptFile}'))) return { argv, ...extra };
    return promptFitsArgv(prompt) ? { argv: [...argv, '-p', prompt], ...extra } : { argv: [...argv, '-p', ' '], input: prompt, ...extra };
  },
  // Gemini runs on without tools when an MCP server fails to connect, and says so only on stderr
  // (its stream-json has no server status): the timeline gets a warning naming the mission tools.
  stderrEvents(line) {
    return /MCP issues detected/.test(line)
      ? [{ kind: 'agent.warning', data: { message: 'Gemini CLI could not connect an MCP server (the mission tools may be missing from this run)' } }]
      : [];
  },
  parseLine(line, run) {
    const ev = parseJsonObject(line);
    if (!ev) return line.trim() ? [outputEvent(line)] : [];
    switch (ev.type) {
      case 'init': {
        const sessionId = asString(ev.session_id);
        return [
          { kind: 'agent.system', data: compact({ subtype: 'init', sessionId, model: asString(ev.model) }) },
          ...(sessionId ? [{ kind: 'agent.session', data: { agentSessionId: sessionId } }] : []),
        ];
      }
      case 'message': // the user's own prompt comes back first; assistant text streams in chunks
        return ev.role === 'assistant' ? [{ kind: 'agent.message', data: compact({ text: clip(ev.content) ?? '', delta: ev.delta === true ? true : undefined }) }] : [];
      case 'tool_use':
        remember(toolUsesOf(run), ev);
        return [{ kind: 'agent.tool_call', data: compact({ id: asString(ev.tool_id), name: asString(ev.tool_name), input: clipJson(ev.parameters) }) }];
      case 'tool_result':
        return toolResult(toolUsesOf(run), ev);
      case 'error':
        return ev.severity === 'warning' ? [{ kind: 'agent.warning', data: { message: clip(ev.message) ?? 'warning' } }] : errorEvents(ev.message);
      case 'result':
        return resultEvents(ev);
      default:
        return [outputEvent(line)];
    }
  },
};

type ToolUses = Map<string, { name?: string; input?: Record<string, unknown> }>;

/**
 * Tool calls seen lately, by id, so a refusal can name the command or path it was for: per run
 * (the CLI's ids are a tool name and a millisecond clock, so two runs could share one), or one
 * bounded map when lines are read alone.
 */
const sharedToolUses: ToolUses = new Map();
const toolUsesOf = (run: RunState | undefined): ToolUses => (run ? ((run.geminiToolUses ??= new Map()) as ToolUses) : sharedToolUses);
const maxRemembered = 500;
function remember(uses: ToolUses, ev: Record<string, unknown>) {
  const id = asString(ev.tool_id);
  if (!id) return;
  uses.set(id, { name: asString(ev.tool_name), input: asRecord(ev.parameters) });
  if (uses.size > maxRemembered) uses.delete(uses.keys().next().value!);
}

/**
 * Refusals: `policy_violation` is a call the approval rules denied; `tool_not_registered` for a
 * write or shell tool is one the policy did not offer (readonly), so both count as denials.
 */
const policyWithheldTools = new Set(['write_file', 'replace', 'run_shell_command']);

function toolResult(uses: ToolUses, ev: Record<string, unknown>): AgentEvent[] {
  const toolUseId = asString(ev.tool_id);
  const error = asRecord(ev.error);
  const seen = toolUseId ? uses.get(toolUseId) : undefined;
  const events: AgentEvent[] = [{ kind: 'agent.tool_result', data: compact({
    toolUseId, name: seen?.name, isError: ev.status === 'error', content: clip(ev.output ?? error?.message),
  }) }];
  const denied = error?.type === 'policy_violation' || (error?.type === 'tool_not_registered' && policyWithheldTools.has(seen?.name ?? ''));
  if (denied) {
    events.push({ kind: 'agent.permission_denied', data: compact({
      tool: seen?.name, path: asString(seen?.input?.file_path) ?? asString(seen?.input?.dir_path),
      command: clip(seen?.input?.command, 2000), toolUseId, reason: asString(error?.type), message: clip(error?.message, 2000),
    }) });
  }
  return events;
}

/** The closing `result`: the outcome, and the run's tokens as one `agent.usage` delta. */
function resultEvents(ev: Record<string, unknown>): AgentEvent[] {
  const stats = asRecord(ev.stats);
  const error = asRecord(ev.error);
  const isError = ev.status !== 'success';
  const events: AgentEvent[] = [];
  if (error) events.push(...errorEvents(error.message));
  events.push({ kind: 'agent.result', data: compact({
    subtype: asString(ev.status), isError, durationMs: asNumber(stats?.duration_ms), toolCalls: asNumber(stats?.tool_calls),
    usage: clipJson(stats, 2000),
  }) });
  const usage = usageOf(stats);
  if (usage) events.push({ kind: 'agent.usage', data: usage });
  return events;
}

/** Gemini's `input_tokens` include the cached ones (`cached`); `input` is the rest. It reports no cache writes. */
function usageOf(stats: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!stats) return undefined;
  const cacheRead = asNumber(stats.cached);
  const total = asNumber(stats.input_tokens);
  const input = asNumber(stats.input) ?? (total === undefined ? undefined : Math.max(0, total - (cacheRead ?? 0)));
  const usage = compact({ inputTokens: input, outputTokens: asNumber(stats.output_tokens), cacheReadTokens: cacheRead });
  return Object.keys(usage).length > 0 ? usage : undefined;
}

const usageLimit = /quota|rate limit|RESOURCE_EXHAUSTED|\b429\b/i;
const retryAfter = /retry (?:in|after) (\d+(?:\.\d+)?)s/i;

/**
 * A fatal error: refused credentials or an overloaded API are marked as such (`reason`). A quota answer ("You exceeded your current quota. Please retry in 3600s.") is
 * marked `reason: 'usage_limit'` and followed by `agent.limited`, with the reset time the wait it
 * names gives (none named: no `until`, and the control plane applies its default back-off).
 */
function errorEvents(raw: unknown): AgentEvent[] {
  const message = clip(raw) ?? 'error';
  if (!usageLimit.test(message)) return [{ kind: 'agent.error', data: compact({ message, reason: apiTrouble(undefined, message) }) }];
  const seconds = retryAfter.exec(message)?.[1];
  const until = seconds === undefined ? undefined : new Date(Date.now() + Number(seconds) * 1000).toISOString();
  return [
    { kind: 'agent.error', data: { message, reason: 'usage_limit' } },
    { kind: 'agent.limited', data: compact({ until, message }) },
  ];
}
