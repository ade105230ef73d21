import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { missionToolEventKinds } from '@solo-unicorn/shared';
import type { ToolSession } from './sessions.ts';
import type { ToolDeps } from './tools.ts';

type Message = { id?: string | number; method?: string; params?: { name?: unknown }; result?: { isError?: boolean; content?: { text?: unknown }[] }; error?: unknown };

/**
 * Calls the SDK refuses before a tool runs (an unknown tool, input that fails its schema) never
 * reach the tools' own bookkeeping; they are tool calls all the same, so they go on the mission's
 * timeline as `mcp.tool_call {ok: false, code}`, like every call the tools answer. Wraps the
 * transport of one request: its incoming `tools/call` and the answer going out.
 */
export function recordRefusedCalls(transport: Transport, session: ToolSession, deps: ToolDeps): void {
  const calls = new Map<string | number, string>();
  const receive = transport.onmessage;
  transport.onmessage = (message, extra) => {
    const m = message as Message;
    if (m.method === 'tools/call' && m.id !== undefined) calls.set(m.id, typeof m.params?.name === 'string' ? m.params.name.slice(0, 64) : '(no name)');
    receive?.(message, extra);
  };
  const send = transport.send.bind(transport);
  transport.send = async (message, options) => {
    const m = message as Message;
    const tool = m.id !== undefined ? calls.get(m.id) : undefined;
    if (tool !== undefined) {
      calls.delete(m.id!);
      const text = typeof m.result?.content?.[0]?.text === 'string' ? m.result.content[0].text : '';
      // Answers starting with an SU_ERR code came from the tools, which recorded the call already.
      const refused = m.error !== undefined || (m.result?.isError === true && !text.startsWith('SU_ERR_'));
      if (refused) {
        const code = /not found/i.test(text) ? 'SU_ERR_UNKNOWN_TOOL' : 'SU_ERR_VALIDATION';
        void deps.emit(session.ref, missionToolEventKinds.call, { tool, ok: false, code, stage: session.stage }).catch(() => {});
      }
    }
    return send(message, options);
  };
}
