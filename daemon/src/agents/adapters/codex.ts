import { type AgentPermissionPolicy, mcpServerName } from '@solo-unicorn/shared';
import { missionDocsDir } from '../prompt.ts';
import { parseResetTime } from '../reset-time.ts';
import { codexMcpFlags } from './mcp-flags.ts';
import {
  type AgentAdapter, type AgentEvent, apiTrouble, asNumber, asRecord, asString, clip, clipJson, compact, outputEvent, parseJsonObject,
  promptFitsArgv, type RunState, substitutePromptFile,
} from './types.ts';

/**
 * Codex CLI: `codex exec --json <prompt>` (`-` reads the prompt from stdin). Parses the JSONL
 * thread events (`thread.started`, `item.*`, `turn.*`, `error`) and the older `{ id, msg }` form.
 *
 * The permission policy becomes Codex's own sandbox (checked against codex-cli 0.171):
 * - `edits`    → `--sandbox workspace-write` and `-c approval_policy="never"`: writes inside the
 *                worktree (and temp dirs), commands run there, no network, never a prompt;
 * - `readonly` → a permission profile (Codex ≥ 0.133; selected with `default_permissions`) that
 *                reads everywhere and writes only the mission's docs folder, so a clarify or plan
 *                stage can still write solution.md and tasks; `-c approval_policy="never"`. The
 *                folder must exist before the launch (bubblewrap binds it; the runner creates it).
 *                The legacy `--sandbox read-only` cannot do this: it has no writable roots.
 * - `full`     → `--dangerously-bypass-approvals-and-sandbox` (the daemon passes it only when
 *                the workstation opted in).
 * A configured command that already picks a sandbox or an approval policy keeps its own choice:
 * the workstation owner wrote it. `exec resume` has no `--sandbox` flag, so there the sandbox is
 * set with `-c sandbox_mode=…`. `--skip-git-repo-check`: the daemon chooses the directory, and
 * Codex's trust check must not refuse a worktree it does not recognise.
 *
 * A session to continue runs as `codex exec resume … <thread_id> <prompt>` (Codex finds the thread
 * by id whatever the working directory; an unknown id exits 1 with "no rollout found").
 */
export const codexAdapter: AgentAdapter = {
  name: 'codex',
  // A {promptFile} command places the prompt itself, so the thread id has no place to go.
  canResume: (command) => !command.some((a) => a.includes('{promptFile}')),
  invocation(command, { prompt, promptFile, missionId, policy = 'edits', resumeSessionId, mcp }) {
    const argv = substitutePromptFile(command, promptFile);
    if (argv.length === 1) argv.push('exec'); // a bare binary path from config
    const fromFile = command.some((a) => a.includes('{promptFile}'));
    // A {promptFile} command places the prompt itself, so the thread id has no place to go.
    const resume = resumeSessionId && !fromFile && !argv.includes('resume') ? resumeSessionId : undefined;
    if (resume) argv.splice(argv.indexOf('exec') + 1, 0, 'resume');
    if (!argv.includes('--json')) argv.push('--json');
    argv.push(...policyFlags(argv, policy, missionId));
    if (mcp && !configKeys(argv).has(`mcp_servers.${mcpServerName}.url`)) argv.push(...codexMcpFlags(mcp.url));
    if (!argv.includes('--skip-git-repo-check')) argv.push('--skip-git-repo-check');
    if (fromFile) return { argv };
    if (resume) argv.push(resume);
    return promptFitsArgv(prompt) ? { argv: [...argv, prompt] } : { argv: [...argv, '-'], input: prompt };
  },
  parseLine(line, run = {}) {
    const ev = parseJsonObject(line);
    if (!ev) return line.trim() ? [outputEvent(line)] : [];
    if (typeof ev.type === 'string') return threadEvent(ev, line, run);
    const legacy = asRecord(ev.msg);
    if (legacy && typeof legacy.type === 'string') return legacyEvent(legacy, line);
    return [outputEvent(line)];
  },
  seedSessionUsage(threadId, usage) {
    // Codex counts cached input inside its input total; the control plane stores them apart.
    if (!threadTotals.has(threadId)) rememberTotals(threadId, {
      input: usage.inputTokens + usage.cacheReadTokens, cached: usage.cacheReadTokens, output: usage.outputTokens, cacheWrite: usage.cacheWriteTokens,
    });
  },
};

const sandboxByPolicy = { edits: 'workspace-write', readonly: 'read-only' } as const;

/** The `-c key=value` overrides in `argv` (`-c k=v`, `--config k=v`, `-ck=v`, `--config=k=v`), by key. */
function configKeys(argv: readonly string[]): Set<string> {
  const keys = new Set<string>();
  argv.forEach((a, i) => {
    const kv = a === '-c' || a === '--config' ? argv[i + 1] : a.startsWith('--config=') ? a.slice(9) : a.startsWith('-c') && a.length > 2 ? a.slice(2) : undefined;
    const key = kv?.split('=')[0]?.trim();
    if (key) keys.add(key);
  });
  return keys;
}

/** The profile a `readonly` stage runs under: read anything, write the mission docs folder only. */
export const readonlyProfile = 'solo_unicorn_readonly';
const readonlyProfileFlags = (missionId: string) => [
  '-c', `default_permissions="${readonlyProfile}"`,
  '-c', `permissions.${readonlyProfile}.filesystem={":root"="read", ":project_roots"={"."="read", "${missionDocsDir(missionId)}"="write"}}`,
];

function policyFlags(argv: readonly string[], policy: AgentPermissionPolicy, missionId: string): string[] {
  const keys = configKeys(argv);
  const bypass = argv.includes('--dangerously-bypass-approvals-and-sandbox') || argv.includes('--yolo');
  const hasSandbox = bypass || keys.has('sandbox_mode') || argv.includes('--full-auto')
    || argv.some((a) => a === '-s' || a === '--sandbox' || a.startsWith('--sandbox='));
  const hasApproval = bypass || keys.has('approval_policy') || argv.includes('--full-auto')
    || argv.some((a) => a === '-a' || a === '--ask-for-approval' || a.startsWith('--ask-for-approval='));
  if (policy === 'full') return hasSandbox || hasApproval ? [] : ['--dangerously-bypass-approvals-and-sandbox'];
  const flags: string[] = [];
  const ownProfile = keys.has('default_permissions');
  if (policy === 'readonly' && !hasSandbox && !ownProfile) {
    flags.push(...readonlyProfileFlags(missionId));
  } else if (!hasSandbox && !ownProfile) {
    const mode = sandboxByPolicy[policy];
    flags.push(...(argv.includes('resume') ? ['-c', `sandbox_mode="${mode}"`] : ['--sandbox', mode]));
  }
  if (!hasApproval) flags.push('-c', 'approval_policy="never"');
  return flags;
}

function threadEvent(ev: Record<string, unknown>, line: string, run: RunState): AgentEvent[] {
  switch (ev.type) {
    case 'thread.started': {
      const threadId = asString(ev.thread_id);
      run.threadId = threadId;
      const session: AgentEvent[] = threadId ? [{ kind: 'agent.session', data: { agentSessionId: threadId, agent: 'codex' } }] : [];
      return [...session, { kind: 'agent.system', data: compact({ subtype: 'thread.started', sessionId: threadId }) }];
    }
    case 'turn.started':
    case 'item.updated':
      return [];
    case 'turn.completed':
      return [
        { kind: 'agent.result', data: compact({ isError: false, tokens: tokensOf(ev.usage), usage: clipJson(ev.usage, 2000) }) },
        usageDelta(ev.usage, asString(run.threadId)),
      ];
    case 'turn.failed':
      return limitedOnce(errorEvent(asRecord(ev.error)?.message ?? ev.error, 'turn failed'), run);
    case 'error':
      return limitedOnce(errorEvent(ev.message, 'error'), run);
    case 'item.started':
    case 'item.completed': {
      const item = asRecord(ev.item);
      return item ? itemEvent(item, ev.type === 'item.completed') : [outputEvent(line)];
    }
    default:
      return [outputEvent(line)];
  }
}

function itemEvent(item: Record<string, unknown>, completed: boolean): AgentEvent[] {
  const id = asString(item.id);
  switch (item.type) {
    case 'agent_message':
      return completed ? [{ kind: 'agent.message', data: { text: clip(item.text) ?? '' } }] : [];
    case 'reasoning':
      return completed ? [{ kind: 'agent.thinking', data: { text: clip(item.text) ?? '' } }] : [];
    case 'command_execution':
      return completed
        ? [{ kind: 'agent.tool_result', data: compact({ toolUseId: id, name: 'command', isError: item.status === 'failed' || (typeof item.exit_code === 'number' && item.exit_code !== 0), exitCode: item.exit_code, content: clip(item.aggregated_output) }) }]
        : [{ kind: 'agent.tool_call', data: compact({ id, name: 'command', input: { command: clip(item.command) } }) }];
    case 'mcp_tool_call': {
      const name = [asString(item.server), asString(item.tool)].filter(Boolean).join('.');
      return completed
        ? [{ kind: 'agent.tool_result', data: compact({ toolUseId: id, name, isError: item.status === 'failed', content: clip(item.result ?? item.error) }) }]
        : [{ kind: 'agent.tool_call', data: compact({ id, name, input: clipJson(item.arguments) }) }];
    }
    case 'web_search':
      return completed ? [] : [{ kind: 'agent.tool_call', data: compact({ id, name: 'web_search', input: { query: clip(item.query) } }) }];
    case 'file_change':
      return completed ? [{ kind: 'agent.file_change', data: compact({ id, status: asString(item.status), changes: clipJson(item.changes) }) }] : [];
    case 'todo_list':
      return [{ kind: 'agent.plan', data: compact({ id, items: clipJson(item.items) }) }];
    case 'error': // a non-fatal notice inside the turn (e.g. unknown model metadata); fatal ones are `error` / `turn.failed`
      return completed ? [{ kind: 'agent.warning', data: { message: clip(item.message) ?? 'error' } }] : [];
    default:
      return completed ? [{ kind: 'agent.output', data: { text: clip(item) } }] : [];
  }
}

/** `turn.completed` usage in the shape shared by the adapters; `input` excludes cached input (OpenAI counts it in). */
function tokensOf(usage: unknown): Record<string, unknown> | undefined {
  const u = asRecord(usage);
  if (!u) return undefined;
  const input = asNumber(u.input_tokens);
  const cacheRead = asNumber(u.cached_input_tokens);
  return compact({
    input: input === undefined ? undefined : Math.max(0, input - (cacheRead ?? 0)),
    output: asNumber(u.output_tokens), cacheRead, cacheWrite: asNumber(u.cache_write_input_tokens),
    reasoning: asNumber(u.reasoning_output_tokens),
  });
}

/**
 * `agent.usage` from `turn.completed`. Codex 0.171 reports the thread's running totals (a resumed
 * thread's first turn includes every earlier run), so the delta is against the last totals this
 * daemon saw for the thread. Its input counts the cached input in; we report them apart.
 */
function usageDelta(usage: unknown, threadId: string | undefined): AgentEvent {
  const u = asRecord(usage) ?? {};
  const now = {
    input: asNumber(u.input_tokens) ?? 0, cached: asNumber(u.cached_input_tokens) ?? 0,
    output: asNumber(u.output_tokens) ?? 0, cacheWrite: asNumber(u.cache_write_input_tokens) ?? 0,
  };
  const before = (threadId && threadTotals.get(threadId)) || { input: 0, cached: 0, output: 0, cacheWrite: 0 };
  if (threadId) rememberTotals(threadId, now);
  const d = (k: keyof typeof now) => Math.max(0, now[k] - before[k]);
  return { kind: 'agent.usage', data: {
    inputTokens: Math.max(0, d('input') - d('cached')), outputTokens: d('output'), cacheReadTokens: d('cached'), cacheWriteTokens: d('cacheWrite'),
  } };
}
type ThreadTotals = { input: number; cached: number; output: number; cacheWrite: number };
const threadTotals = new Map<string, ThreadTotals>();
function rememberTotals(threadId: string, totals: ThreadTotals) {
  threadTotals.delete(threadId);
  threadTotals.set(threadId, totals);
  if (threadTotals.size > 500) threadTotals.delete(threadTotals.keys().next().value!);
}

const reconnecting = /^Reconnecting\.\.\.\s*(\d+)\/(\d+)/;
const usageLimit = /usage limit|rate limit|quota/i;

/**
 * A stream `error`: Codex reports its own retries of the model request as errors
 * ("Reconnecting... 2/5 (…)") before the final one; those become `agent.api_retry`. A usage limit
 * ("You've hit your usage limit. Try again at 10:08 AM.") is marked `reason: 'usage_limit'`.
 */
function errorEvent(raw: unknown, fallback: string): AgentEvent {
  const message = clip(raw) ?? fallback;
  const retry = reconnecting.exec(message);
  if (retry) return { kind: 'agent.api_retry', data: { message, attempt: Number(retry[1]), maxAttempts: Number(retry[2]) } };
  return { kind: 'agent.error', data: compact({ message, reason: usageLimit.test(message) ? 'usage_limit' : apiTrouble(undefined, message) }) };
}

/**
 * Codex prints a usage limit twice (`error`, then `turn.failed`); the first becomes `agent.limited`
 * with the reset time it names ("Try again at 1:56 PM."), once per run.
 */
function limitedOnce(event: AgentEvent, run: RunState): AgentEvent[] {
  if (event.data.reason !== 'usage_limit') return [event];
  if (run.limited) return [event];
  run.limited = true;
  const message = String(event.data.message);
  const until = parseResetTime(message);
  return [event, { kind: 'agent.limited', data: compact({ until: until?.toISOString(), message }) }];
}

function legacyEvent(msg: Record<string, unknown>, line: string): AgentEvent[] {
  switch (msg.type) {
    case 'agent_message':
      return [{ kind: 'agent.message', data: { text: clip(msg.message) ?? '' } }];
    case 'agent_reasoning':
      return [{ kind: 'agent.thinking', data: { text: clip(msg.text) ?? '' } }];
    case 'exec_command_begin':
      return [{ kind: 'agent.tool_call', data: compact({ id: asString(msg.call_id), name: 'command', input: clipJson({ command: msg.command }) }) }];
    case 'exec_command_end':
      return [{ kind: 'agent.tool_result', data: compact({ toolUseId: asString(msg.call_id), name: 'command', isError: msg.exit_code !== 0, exitCode: msg.exit_code, content: clip([msg.stdout, msg.stderr].filter(Boolean).join('\n')) }) }];
    case 'task_complete':
      return [{ kind: 'agent.result', data: compact({ isError: false, result: clip(msg.last_agent_message) }) }];
    case 'error':
      return [{ kind: 'agent.error', data: { message: clip(msg.message) ?? 'error' } }];
    case 'token_count':
    case 'task_started':
    case 'agent_message_delta':
    case 'agent_reasoning_delta':
      return [];
    default:
      return [outputEvent(line)];
  }
}
