import {
  type AgentAdapter, type AgentEvent, asRecord, asString, clip, clipJson, compact, outputEvent, parseJsonObject,
  promptFitsArgv, substitutePromptFile,
} from './types.ts';

/**
 * Codex CLI: `codex exec --json <prompt>` (`-` reads the prompt from stdin). Parses the JSONL
 * thread events (`thread.started`, `item.*`, `turn.*`, `error`) and the older `{ id, msg }` form.
 */
export const codexAdapter: AgentAdapter = {
  name: 'codex',
  invocation(command, { prompt, promptFile }) {
    const argv = substitutePromptFile(command, promptFile);
    if (argv.length === 1) argv.push('exec'); // a bare binary path from config
    if (!argv.includes('--json')) argv.push('--json');
    if (command.some((a) => a.includes('{promptFile}'))) return { argv };
    return promptFitsArgv(prompt) ? { argv: [...argv, prompt] } : { argv: [...argv, '-'], input: prompt };
  },
  parseLine(line) {
    const ev = parseJsonObject(line);
    if (!ev) return line.trim() ? [outputEvent(line)] : [];
    if (typeof ev.type === 'string') return threadEvent(ev, line);
    const legacy = asRecord(ev.msg);
    if (legacy && typeof legacy.type === 'string') return legacyEvent(legacy, line);
    return [outputEvent(line)];
  },
};

function threadEvent(ev: Record<string, unknown>, line: string): AgentEvent[] {
  switch (ev.type) {
    case 'thread.started':
      return [{ kind: 'agent.system', data: compact({ subtype: 'thread.started', sessionId: asString(ev.thread_id) }) }];
    case 'turn.started':
    case 'item.updated':
      return [];
    case 'turn.completed':
      return [{ kind: 'agent.result', data: compact({ isError: false, usage: clipJson(ev.usage, 2000) }) }];
    case 'turn.failed':
      return [{ kind: 'agent.error', data: { message: clip(asRecord(ev.error)?.message ?? ev.error) ?? 'turn failed' } }];
    case 'error':
      return [{ kind: 'agent.error', data: { message: clip(ev.message) ?? 'error' } }];
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
    case 'error':
      return [{ kind: 'agent.error', data: { message: clip(item.message) ?? 'error' } }];
    default:
      return completed ? [{ kind: 'agent.output', data: { text: clip(item) } }] : [];
  }
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
