import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Logger } from '../logger.ts';
import { createHandshake, type Handshake, plainPost, recordHandshake } from './handshake.ts';
import { recordRefusedCalls } from './refused-calls.ts';
import { buildToolServer, type ToolDeps } from './tools.ts';
import type { ToolSessions } from './sessions.ts';

/** An abuse cap only: the tools' own limits (docs ≤ 1 MiB) refuse oversize input as tool errors. */
const maxBodyBytes = 8 * 1024 * 1024;
/** Handshake steps are a few hundred bytes: bodies declared larger go to the SDK unread. */
const maxQuickBodyBytes = 64 * 1024;

/**
 * The loopback MCP endpoint every agent run of this daemon talks to: `POST /mcp`, stateless
 * (a fresh McpServer per request the handshake's quick path leaves to the SDK), the run chosen by
 * its bearer token. A browser page cannot
 * reach it (any Origin → 403; Host must be loopback, against DNS rebinding); an unknown token is
 * 401 at once. The handshake (initialize, tools/list, …) is answered from the SDK's recorded
 * answers without a server per request (see handshake.ts). Never logs the token.
 */
export async function startToolEndpoint(sessions: ToolSessions, deps: ToolDeps): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((err) => {
      deps.log.warn({ err: (err as Error).message }, 'agent tool request failed');
      if (!res.headersSent) res.writeHead(500).end();
      else res.end();
    });
  });
  let port = 0;
  // Recorded while the daemon starts; the first agent run is seconds away.
  let handshake: Handshake | undefined;
  const recording = recordHandshake(buildToolServer(null, deps)).then((answers) => {
    handshake = createHandshake(answers);
  }, (err) => deps.log.warn({ err: (err as Error).message }, 'MCP handshake not recorded; every request goes through the SDK'));

  async function handle(req: IncomingMessage, res: ServerResponse) {
    if (req.headers.origin !== undefined || !isLoopbackHost(req.headers.host, port)) return void res.writeHead(403).end();
    if ((req.url ?? '').split('?')[0] !== '/mcp') return void res.writeHead(404).end();
    const found = sessions.lookup(req.headers.authorization);
    if (found.kind === 'unknown') return void res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
    if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST' }).end();
    let parsed: unknown;
    if (handshake && plainPost(req.headers) && smallDeclaredBody(req)) {
      const body = await readBody(req);
      try {
        parsed = JSON.parse(body);
      } catch {
        return void res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error: Invalid JSON' }, id: null }));
      }
      const quick = handshake.answer(parsed, req.headers);
      if (quick?.status === 202) return void res.writeHead(202).end();
      if (quick) return void res.writeHead(200, { 'content-type': 'application/json' }).end(quick.body);
    }
    const mcp = buildToolServer(found.kind === 'live' ? found.session : null, deps);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true, maxRequestBodySize: maxBodyBytes });
    res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    await mcp.connect(transport);
    if (found.kind === 'live') recordRefusedCalls(transport, found.session, deps);
    await transport.handleRequest(req, res, parsed);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    close: () => recording.then(() => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    })),
  };
}

/** A declared length within the quick path's bound (chunked bodies go to the SDK). */
function smallDeclaredBody(req: IncomingMessage): boolean {
  const length = Number(req.headers['content-length']);
  return Number.isSafeInteger(length) && length >= 0 && length <= maxQuickBodyBytes;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function isLoopbackHost(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}
