import type { IncomingHttpHeaders } from 'node:http';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** A reply written straight to the HTTP response: a JSON-RPC message, or 202 with no body. */
export type QuickReply = { status: 200; body: string } | { status: 202 };

type Id = string | number;

/**
 * The handshake every agent run opens with, answered without building an McpServer: Claude Code
 * waits for it before its first model request (our server is `alwaysLoad`), and the SDK's
 * per-request server and transport cost 10–20 ms a request on a busy machine, five requests in a
 * row. The answers are the SDK's own (`record`), taken once from a server with the same tools; a
 * request that is anything but a plain, well-formed handshake step returns undefined and goes
 * through the SDK, which validates and answers it as before.
 */
export function createHandshake(answers: { initialize: Record<string, unknown>; toolsList: Record<string, unknown> }) {
  const toolsListJson = JSON.stringify(answers.toolsList);
  const result = (id: Id, json: string): QuickReply => ({ status: 200, body: `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${json}}` });

  return {
    answer(message: unknown, headers: IncomingHttpHeaders): QuickReply | undefined {
      if (!plainPost(headers) || !isObject(message) || message.jsonrpc !== '2.0' || typeof message.method !== 'string') return undefined;
      const id = message.id;
      const hasId = typeof id === 'string' || (typeof id === 'number' && Number.isSafeInteger(id));
      switch (message.method) {
        // The probe of MCP's 2026-07-28 revision, sent before `initialize`: this server speaks the
        // revisions before it, and "method not found" is how a client learns that (the SDK's 400
        // for the probe's version header tells it the same, more slowly).
        case 'server/discover':
          if (!hasId) return undefined;
          return { status: 200, body: JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32601, message: 'Method not found' } }) };
        case 'initialize': {
          const p = message.params;
          if (!hasId || !isObject(p) || typeof p.protocolVersion !== 'string' || !isObject(p.capabilities) || !isObject(p.clientInfo)) return undefined;
          if (typeof p.clientInfo.name !== 'string' || typeof p.clientInfo.version !== 'string') return undefined;
          // As the SDK's server negotiates: the client's revision when supported, else the latest.
          const version = SUPPORTED_PROTOCOL_VERSIONS.includes(p.protocolVersion) ? p.protocolVersion : LATEST_PROTOCOL_VERSION;
          return result(id, JSON.stringify({ ...answers.initialize, protocolVersion: version }));
        }
        case 'notifications/initialized':
          if (id !== undefined || !knownVersionHeader(headers)) return undefined;
          return { status: 202 };
        case 'tools/list':
          if (!hasId || !knownVersionHeader(headers) || (message.params !== undefined && !emptyParams(message.params))) return undefined;
          return result(id, toolsListJson);
        default:
          return undefined;
      }
    },
  };
}
export type Handshake = ReturnType<typeof createHandshake>;

/**
 * The SDK's answers to `initialize` and `tools/list` from `server` (built for no run: the tools
 * list the same for every run), over an in-memory pair, so the quick path says what it would.
 */
export async function recordHandshake(server: McpServer): Promise<{ initialize: Record<string, unknown>; toolsList: Record<string, unknown> }> {
  const [ours, theirs] = InMemoryTransport.createLinkedPair();
  const replies = new Map<Id, (m: JSONRPCMessage) => void>();
  ours.onmessage = (m) => {
    if ('id' in m && m.id !== undefined) replies.get(m.id)?.(m);
  };
  await server.connect(theirs);
  const ask = (id: number, method: string, params?: Record<string, unknown>) => new Promise<Record<string, unknown>>((resolve, reject) => {
    replies.set(id, (m) => ('result' in m ? resolve(m.result as Record<string, unknown>) : reject(new Error(`${method}: ${JSON.stringify(m)}`))));
    void ours.send({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) });
  });
  try {
    const initialize = await ask(1, 'initialize', { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'solo-unicorn', version: '0' } });
    const toolsList = await ask(2, 'tools/list');
    return { initialize, toolsList };
  } finally {
    await server.close();
  }
}

/** The headers the SDK's transport requires of a POST; anything else goes to it for its error. */
export function plainPost(headers: IncomingHttpHeaders): boolean {
  const accept = headers.accept ?? '';
  const type = (headers['content-type'] ?? '').toLowerCase();
  return accept.includes('application/json') && accept.includes('text/event-stream')
    && (type === 'application/json' || type.startsWith('application/json;')) && !type.includes(',');
}

/** After `initialize` the version header is optional, but one the SDK does not know is its 400. */
function knownVersionHeader(headers: IncomingHttpHeaders): boolean {
  const v = headers['mcp-protocol-version'];
  return v === undefined || SUPPORTED_PROTOCOL_VERSIONS.includes(v as string);
}

function emptyParams(params: unknown): boolean {
  return isObject(params) && Object.keys(params).every((k) => k === '_meta');
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
