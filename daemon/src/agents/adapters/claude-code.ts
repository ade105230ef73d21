import { type AgentPermissionPolicy, mcpServerName } from '@solo-unicorn/shared';
import { missionDocsDir } from '../prompt.ts';
import { parseResetTime } from '../reset-time.ts';
import { claudeMcpFlags } from './mcp-flags.ts';
import {
  type AgentAdapter, type AgentEvent, apiTrouble, asNumber, asRecord, asString, clip, clipJson, compact, outputEvent, parseJsonObject,
  promptFitsArgv, substitutePromptFile,
} from './types.ts';

/**
 * Programs an `edits` mission may run through the Bash tool without a prompt (print mode cannot
 * ask): version control, package managers, runtimes, compilers and test runners — what it takes to
 * build and test a project. Anything else (curl, rm -rf outside the tree, sudo) stays denied and
 * shows on the timeline as `agent.permission_denied`. Read-only commands (ls, cat, grep,
 * `git status`) Claude Code allows on its own. The daemon pushes; the agent is told not to.
 */
export const editsAllowedPrograms = [
  'git', 'npm', 'npx', 'node', 'pnpm', 'yarn', 'bun', 'deno', 'tsc', 'tsx', 'vitest', 'jest', 'tap', 'eslint', 'prettier',
  'make', 'cmake', 'cargo', 'rustc', 'go', 'python', 'python3', 'pip', 'pytest', 'uv', 'ruff', 'mvn', 'gradle', './gradlew',
  'dotnet', 'bundle', 'rake', 'rspec', 'mix', 'mkdir', 'cp', 'mv', 'touch',
] as const;

/**
 * The CLI flags for a permission policy (verified against Claude Code 2.1):
 * - `edits`: `--permission-mode acceptEdits` (file edits inside the working tree) plus the allowed
 *   programs above as `Bash(prog:*)` rules;
 * - `readonly`: `--permission-mode default` (print mode then denies every write and every command
 *   that is not read-only) with one exception, edits under the mission's docs folder, so a clarify
 *   or plan stage can still write solution.md and tasks (rules are relative to the working tree);
 * - `full`: `--dangerously-skip-permissions`; the runner only passes `full` when the workstation opted in.
 * List flags use the `--flag=a,b` form: the CLI's list options are variadic and would otherwise
 * swallow the prompt that follows them.
 */
export function permissionFlags(policy: AgentPermissionPolicy, missionId: string): string[] {
  switch (policy) {
    case 'full':
      return ['--dangerously-skip-permissions'];
    case 'readonly':
      return ['--permission-mode', 'default', `--allowedTools=Edit(${missionDocsDir(missionId)}/**)`];
    case 'edits':
      return ['--permission-mode', 'acceptEdits', `--allowedTools=${editsAllowedPrograms.map((p) => `Bash(${p}:*)`).join(',')}`];
  }
}

const hasFlag = (argv: readonly string[], ...names: string[]) => argv.some((a) => names.some((n) => a === n || a.startsWith(`${n}=`)));

/**
 * Claude Code in print mode: `claude -p --output-format stream-json --verbose <policy flags> <prompt>`.
 * Missing flags are added to the configured command; a permission flag the command already has
 * (`--permission-mode`, `--dangerously-skip-permissions`, `--allowedTools`) is the workstation
 * owner's choice and wins over the policy's. The prompt is the last argument, or stdin when it is
 * too long for argv. A command that names `{promptFile}` takes the prompt from there.
 */
export const claudeCodeAdapter: AgentAdapter = {
  name: 'claude-code',
  canResume: () => true,
  invocation(command, { prompt, promptFile, missionId, policy = 'edits', resumeSessionId, mcp }) {
    const argv = substitutePromptFile(command, promptFile);
    // Claude Code finds the session's transcript by id in any project folder (checked with 2.1.332),
    // so a new worktree path needs no copy of it.
    if (resumeSessionId && !hasFlag(argv, '--resume', '-r')) argv.push(`--resume=${resumeSessionId}`);
    if (!argv.includes('-p') && !argv.includes('--print')) argv.push('-p');
    if (!hasFlag(argv, '--output-format')) argv.push('--output-format', 'stream-json');
    if (!argv.includes('--verbose')) argv.push('--verbose'); // stream-json in print mode requires it
    const modeSet = hasFlag(argv, '--permission-mode', '--dangerously-skip-permissions');
    const toolsSet = hasFlag(argv, '--allowedTools', '--allowed-tools');
    const flags = permissionFlags(policy, missionId);
    for (let i = 0; i < flags.length; i++) {
      const flag = flags[i]!;
      if (flag === '--permission-mode') {
        if (!modeSet) argv.push(flag, flags[i + 1]!);
        i++;
      } else if (flag.startsWith('--allowedTools')) {
        if (!toolsSet) argv.push(flag);
      } else if (!modeSet) {
        argv.push(flag);
      }
    }
    if (mcp) argv.push(...claudeMcpFlags(argv, mcp.url));
    if (command.some((a) => a.includes('{promptFile}'))) return { argv };
    return promptFitsArgv(prompt) ? { argv: [...argv, prompt] } : { argv, input: prompt };
  },
  parseLine(line) {
    const msg = parseJsonObject(line);
    if (!msg) return line.trim() ? [outputEvent(line)] : [];
    switch (msg.type) {
      case 'system': {
        if (msg.subtype === 'permission_denied') return [permissionDenied(msg)];
        const sessionId = asString(msg.session_id);
        const session: AgentEvent[] = msg.subtype === 'init' && sessionId ? [{ kind: 'agent.session', data: { agentSessionId: sessionId, agent: 'claude-code' } }] : [];
        return [...session, ...mcpTrouble(msg), { kind: 'agent.system', data: compact({
          subtype: asString(msg.subtype), sessionId: asString(msg.session_id), model: asString(msg.model),
          cwd: asString(msg.cwd), tools: Array.isArray(msg.tools) ? msg.tools.length : undefined,
          ...(msg.subtype === 'api_retry' ? { attempt: asNumber(msg.attempt), maxRetries: asNumber(msg.max_retries), status: asNumber(msg.error_status), error: asString(msg.error) } : {}),
        }) }];
      }
      case 'assistant':
        return contentBlocks(msg).flatMap(assistantBlock);
      case 'user':
        return contentBlocks(msg).flatMap(userBlock);
      case 'result':
        return [{ kind: 'agent.result', data: compact({
          subtype: asString(msg.subtype), isError: typeof msg.is_error === 'boolean' ? msg.is_error : undefined,
          result: clip(msg.result), costUsd: asNumber(msg.total_cost_usd ?? msg.cost_usd), durationMs: asNumber(msg.duration_ms),
          durationApiMs: asNumber(msg.duration_api_ms), numTurns: asNumber(msg.num_turns), sessionId: asString(msg.session_id),
          apiErrorStatus: asNumber(msg.api_error_status), usage: clipJson(msg.usage, 2000),
        }) }, usageDelta(msg), ...resultTrouble(msg)];
      default:
        return [outputEvent(line)];
    }
  },
  seedSessionUsage(sessionId, usage) {
    if (usage.costUsd !== null && !costSeen.has(sessionId)) remember(costSeen, sessionId, usage.costUsd);
  },
};

/**
 * `agent.usage` from the `result` line. Its `usage` covers this run only, but `total_cost_usd` is
 * the session's running total (a resumed session reports the earlier runs' cost too), so the cost
 * is a delta against the last total this daemon saw for the session.
 */
function usageDelta(msg: Record<string, unknown>): AgentEvent {
  const u = asRecord(msg.usage) ?? {};
  const sessionId = asString(msg.session_id);
  const total = asNumber(msg.total_cost_usd ?? msg.cost_usd);
  const before = (sessionId && costSeen.get(sessionId)) || 0;
  if (sessionId && total !== undefined) remember(costSeen, sessionId, total);
  return { kind: 'agent.usage', data: compact({
    inputTokens: count(u.input_tokens), outputTokens: count(u.output_tokens),
    cacheReadTokens: count(u.cache_read_input_tokens), cacheWriteTokens: count(u.cache_creation_input_tokens),
    costUsd: total === undefined ? undefined : Math.max(0, total - before),
    numTurns: asNumber(msg.num_turns), apiMs: asNumber(msg.duration_api_ms),
  }) };
}
const count = (v: unknown) => Math.max(0, asNumber(v) ?? 0);
/** Each session's last reported total cost, so a resumed session's cost is not counted twice. */
const costSeen = new Map<string, number>();

/**
 * A failed model request the CLI gave up on, as the `result` line says (2.1.332 sets
 * `api_error_status`): 429 is the usage limit (the API's "usage limit reached|<epoch>" carries the
 * reset), 401/403 refused credentials, 5xx/529 and a lost connection an outage worth a relaunch.
 */
function resultTrouble(msg: Record<string, unknown>): AgentEvent[] {
  if (msg.is_error !== true) return [];
  const message = clip(msg.result, 2000) ?? 'the agent reported an error';
  const status = asNumber(msg.api_error_status);
  if (status === 429 || /usage limit reached/i.test(message)) {
    const until = parseResetTime(message);
    return [{ kind: 'agent.limited', data: compact({ until: until?.toISOString(), message }) }];
  }
  const reason = apiTrouble(status, message);
  return reason ? [{ kind: 'agent.error', data: { message, reason, ...(status ? { status } : {}) } }] : [];
}

function contentBlocks(msg: Record<string, unknown>): Record<string, unknown>[] {
  const content = asRecord(msg.message)?.content;
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? content.map(asRecord).filter((b) => b !== undefined) : [];
}

function assistantBlock(block: Record<string, unknown>): AgentEvent[] {
  switch (block.type) {
    case 'text':
      return [{ kind: 'agent.message', data: { text: clip(block.text) ?? '' } }];
    case 'thinking':
      return [{ kind: 'agent.thinking', data: { text: clip(block.thinking) ?? '' } }];
    case 'tool_use':
      rememberToolUse(block);
      return [{ kind: 'agent.tool_call', data: compact({ id: asString(block.id), name: asString(block.name), input: clipJson(block.input) }) }];
    default:
      return [];
  }
}

function userBlock(block: Record<string, unknown>): AgentEvent[] {
  if (block.type !== 'tool_result') return [];
  const content = Array.isArray(block.content)
    ? block.content.map((c) => asString(asRecord(c)?.text) ?? '').join('\n')
    : block.content;
  const toolUseId = asString(block.tool_use_id);
  const events: AgentEvent[] = [{ kind: 'agent.tool_result', data: compact({ toolUseId, isError: block.is_error === true, content: clip(content) }) }];
  // CLIs that do not announce denials on their own: the tool result says so.
  const text = typeof content === 'string' ? content : '';
  const alreadyReported = toolUseId !== undefined && toolUses.get(toolUseId)?.denied;
  if (block.is_error === true && !alreadyReported && deniedPattern.test(text)) {
    events.push(permissionDenied({ tool_use_id: toolUseId, message: text, source: 'tool_result' }));
  }
  return events;
}

/**
 * Tool calls seen lately, by id, so a denial can name the tool's path or command (the CLI's
 * denial carries the id; its message is free text). Ids are unique across runs, so one bounded
 * map serves every agent the daemon runs.
 */
const toolUses = new Map<string, { name?: string; input?: Record<string, unknown>; denied?: boolean }>();
const maxRemembered = 500;
function rememberToolUse(block: Record<string, unknown>) {
  const id = asString(block.id);
  if (id) remember(toolUses, id, { name: asString(block.name), input: asRecord(block.input) });
}
function remember<V>(map: Map<string, V>, key: string, value: V) {
  map.delete(key);
  map.set(key, value);
  if (map.size > maxRemembered) map.delete(map.keys().next().value!);
}

/** What Claude Code says when a tool was not allowed (print mode cannot ask). */
const deniedPattern = /haven't granted it yet|permission to use .* has been denied|requires approval|while in plan mode|permission denied by/i;

/** `agent.permission_denied`: the tool, the path or command it wanted, and why it was refused. */
function permissionDenied(msg: Record<string, unknown>): AgentEvent {
  const toolUseId = asString(msg.tool_use_id);
  const seen = toolUseId ? toolUses.get(toolUseId) : undefined;
  if (seen) seen.denied = true;
  const input = seen?.input;
  const message = asString(msg.message);
  const path = asString(input?.file_path) ?? asString(input?.notebook_path) ?? asString(input?.path)
    ?? message?.match(/(?:write to|edit|read) (\/\S+?)(?:,| while|$)/)?.[1];
  return { kind: 'agent.permission_denied', data: compact({
    tool: asString(msg.tool_name) ?? seen?.name, path, command: clip(input?.command, 2000), toolUseId,
    reason: asString(msg.decision_reason) ?? asString(msg.decision_reason_type), message: clip(message, 2000), source: asString(msg.source),
  }) };
}

/** A `system/init` whose mission tools server did not connect: the run goes on without them, and says so. */
function mcpTrouble(msg: Record<string, unknown>): AgentEvent[] {
  if (msg.subtype !== 'init' || !Array.isArray(msg.mcp_servers)) return [];
  const ours = msg.mcp_servers.map(asRecord).find((s) => s?.name === mcpServerName);
  if (!ours || ours.status === 'connected') return [];
  return [{ kind: 'agent.warning', data: { message: 'mission tools unavailable', status: asString(ours.status) ?? 'unknown' } }];
}
