// The MCP handshake's quick path (#13): initialize, notifications/initialized and tools/list are
// answered without an McpServer per request, and must say exactly what the SDK says. Each step
// is sent twice over real loopback HTTP: with a Content-Length (the quick path) and chunked
// (no declared length: the SDK's transport, as before). Anything unusual still gets the SDK's
// answers and errors; the 2026-07-28 probe gets "method not found".
import { request } from 'node:http';
import { PassThrough } from 'node:stream';
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import t from 'tap';
import { createLogger } from '../../src/logger.ts';
import { createAgentTools } from '../../src/mcp/index.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

const tools = await createAgentTools({
  version: 'test', log: createLogger('warn', new PassThrough()), emit: async () => {},
  send: () => false, connected: () => false,
});
t.teardown(() => tools.close());
const grant = tools.open({ ref: { attemptId: '01J0000000000000000000000A', missionId: '01J0000000000000000000000M', leaseVersion: 1 }, stage: 'execute', stages: [{ name: 'execute' }], worktree: '/nonexistent' });
const url = new URL(tools.url);
const mcpHeaders = { accept: 'application/json, text/event-stream', 'content-type': 'application/json' };

type Reply = { status: number; type?: string; body: string };
/** One POST; `chunked` sends no Content-Length, which keeps the request off the quick path. */
function post(body: string, opts: { chunked?: boolean; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: url.host, authorization: `Bearer ${grant.token}`, ...mcpHeaders, ...opts.headers };
    if (!opts.chunked) headers['content-length'] = String(Buffer.byteLength(body));
    const req = request({ host: url.hostname, port: url.port, path: '/mcp', method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body: text }));
    });
    req.on('error', reject);
    if (opts.chunked) req.write(body.slice(0, 5));
    req.end(opts.chunked ? body.slice(5) : body);
  });
}
const json = (r: Reply) => (r.body ? JSON.parse(r.body) : undefined);

/** The quick answer and the SDK's answer to the same request. */
async function both(message: unknown, headers?: Record<string, string>) {
  const body = JSON.stringify(message);
  return { quick: await post(body, { headers }), sdk: await post(body, { headers, chunked: true }) };
}

t.test('each handshake step is answered as the SDK answers it', async (t) => {
  const clientInfo = { name: 'claude-code', version: '2.1.332' };
  for (const version of [...SUPPORTED_PROTOCOL_VERSIONS, '2099-01-01']) {
    const { quick, sdk } = await both({ jsonrpc: '2.0', id: 7, method: 'initialize', params: { protocolVersion: version, capabilities: { roots: { listChanged: true } }, clientInfo } });
    t.equal(quick.status, 200);
    t.same(json(quick), json(sdk), `initialize asking for ${version}`);
    t.equal(json(quick).result.protocolVersion, SUPPORTED_PROTOCOL_VERSIONS.includes(version) ? version : LATEST_PROTOCOL_VERSION, 'negotiated as the SDK does');
  }
  const initialized = await both({ jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-protocol-version': LATEST_PROTOCOL_VERSION });
  t.same([initialized.quick.status, initialized.quick.body], [202, ''], 'a notification: 202, no body');
  t.same([initialized.sdk.status, initialized.sdk.body], [202, '']);
  for (const id of [1, 'list-1']) {
    const { quick, sdk } = await both({ jsonrpc: '2.0', id, method: 'tools/list' }, { 'mcp-protocol-version': LATEST_PROTOCOL_VERSION });
    t.equal(quick.type, 'application/json');
    // Which path answered shows in the key order: the quick path writes `jsonrpc` first, the SDK `result`.
    t.ok(quick.body.startsWith('{"jsonrpc"') && sdk.body.startsWith('{"result"'), 'one answer from each path');
    t.same(json(quick), json(sdk), `tools/list with id ${JSON.stringify(id)}`);
    t.equal(json(quick).result.tools.length, 7, 'all seven tools, with their schemas');
  }
});

t.test('the 2026-07-28 probe learns that this server predates it', async (t) => {
  const probe = { jsonrpc: '2.0', id: 'server-discover-probe-1', method: 'server/discover', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } } };
  const r = await post(JSON.stringify(probe), { headers: { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'server/discover' } });
  t.equal(r.status, 200);
  t.same(json(r), { jsonrpc: '2.0', id: 'server-discover-probe-1', error: { code: -32601, message: 'Method not found' } });
});

t.test('anything but a plain handshake step still gets the SDK’s answer or error', async (t) => {
  const list = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
  const badJson = await post('{"jsonrpc":');
  t.same([badJson.status, json(badJson).error.code], [400, -32700], 'invalid JSON');
  t.equal((await post(list, { headers: { 'content-type': 'text/plain' } })).status, 415, 'not JSON');
  t.equal((await post(list, { headers: { accept: 'application/json' } })).status, 406, 'cannot take an event stream');
  const oldHeader = await post(list, { headers: { 'mcp-protocol-version': '1999-01-01' } });
  t.same([oldHeader.status, json(oldHeader).error.message], [400, `Bad Request: Unsupported protocol version: 1999-01-01 (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`], 'an unknown version header');
  const noClientInfo = await both({ jsonrpc: '2.0', id: 2, method: 'initialize', params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {} } });
  t.ok(json(noClientInfo.quick).error, 'an initialize without clientInfo is an error…');
  t.same(json(noClientInfo.quick), json(noClientInfo.sdk), '…the SDK’s own');
  const batch = await post(JSON.stringify([{ jsonrpc: '2.0', id: 3, method: 'tools/list' }, { jsonrpc: '2.0', id: 4, method: 'ping' }]));
  t.same(json(batch).map((m: { id: number }) => m.id), [3, 4], 'a batch: the SDK answers each');
  const call = await post(JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'mission_progress', arguments: { line: 'x' } } }));
  t.match(json(call).result.content[0].text, /SU_ERR_UNAVAILABLE|progress recorded/, 'a tool call runs the tool (its body was read once, then handed on)');
  const stranger = await post(list, { headers: { authorization: `Bearer ${'x'.repeat(43)}` } });
  t.equal(stranger.status, 401, 'an unknown token never reaches the quick path');
});
