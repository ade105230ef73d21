import {
  type AgentAdapter, type AgentEvent, asNumber, asRecord, asString, clip, clipJson, compact, outputEvent, parseJsonObject,
  promptFitsArgv, substitutePromptFile,
} from './types.ts';

/**
 * Claude Code in print mode: `claude -p --output-format stream-json --verbose <prompt>`.
 * Missing flags are added to the configured command; the prompt is the last argument, or stdin
 * when it is too long for argv. A command that names `{promptFile}` takes the prompt from there.
 */
export const claudeCodeAdapter: AgentAdapter = {
  name: 'claude-code',
  invocation(command, { prompt, promptFile }) {
    const argv = substitutePromptFile(command, promptFile);
    if (!argv.includes('-p') && !argv.includes('--print')) argv.push('-p');
    if (!argv.some((a) => a === '--output-format' || a.startsWith('--output-format='))) argv.push('--output-format', 'stream-json');
    if (!argv.includes('--verbose')) argv.push('--verbose'); // stream-json in print mode requires it
    if (command.some((a) => a.includes('{promptFile}'))) return { argv };
    return promptFitsArgv(prompt) ? { argv: [...argv, prompt] } : { argv, input: prompt };
  },
  parseLine(line) {
    const msg = parseJsonObject(line);
    if (!msg) return line.trim() ? [outputEvent(line)] : [];
    switch (msg.type) {
      case 'system':
        return [{ kind: 'agent.system', data: compact({
          subtype: asString(msg.subtype), sessionId: asString(msg.session_id), model: asString(msg.model),
          cwd: asString(msg.cwd), tools: Array.isArray(msg.tools) ? msg.tools.length : undefined,
        }) }];
      case 'assistant':
        return contentBlocks(msg).flatMap(assistantBlock);
      case 'user':
        return contentBlocks(msg).flatMap(userBlock);
      case 'result':
        return [{ kind: 'agent.result', data: compact({
          subtype: asString(msg.subtype), isError: typeof msg.is_error === 'boolean' ? msg.is_error : undefined,
          result: clip(msg.result), costUsd: asNumber(msg.total_cost_usd ?? msg.cost_usd), durationMs: asNumber(msg.duration_ms),
          durationApiMs: asNumber(msg.duration_api_ms), numTurns: asNumber(msg.num_turns), sessionId: asString(msg.session_id),
          usage: clipJson(msg.usage, 2000),
        }) }];
      default:
        return [outputEvent(line)];
    }
  },
};

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
  return [{ kind: 'agent.tool_result', data: compact({
    toolUseId: asString(block.tool_use_id), isError: block.is_error === true, content: clip(content),
  }) }];
}
