// A scripted OpenAI Responses API on loopback, for the real Codex CLI: `POST /v1/responses`
// streams server-sent events the way api.openai.com does (response.created, output items added /
// done, output_text deltas, response.completed with usage). Each request is answered by the
// test's script and recorded; the script can also play the failures: a 429 with a reset time,
// 5xx, 401, a stream cut mid-message.
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';

/** One output item of a model turn. Codex 0.171 offers `exec_command` (a PTY shell) as its tool. */
export type OutputItem =
  | { type: 'message'; text: string }
  /** `namespace`: a tool of an MCP server (Codex offers `mcp__<server>` as a namespace tool holding its tools). */
  | { type: 'function_call'; name: string; arguments: Record<string, unknown> | string; callId?: string; namespace?: string };

export type Turn =
  | { kind: 'reply'; items: OutputItem[]; usage?: Partial<Usage> }
  /** An HTTP error before any event; `resetsInSeconds` fills a usage-limit body and `retry-after`. */
  | { kind: 'fail'; status: number; body?: unknown; headers?: Record<string, string>; resetsInSeconds?: number }
  /** 200 and a stream that stops in the middle of a message (the socket is destroyed). */
  | { kind: 'cut'; partialText?: string };

export interface Usage {
  input_tokens: number;
  cached_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
}

export interface RecordedRequest {
  /** 0-based, in arrival order. */
  index: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
  /** The text of every user message in `input`, in order (the prompt is the last one of a new thread). */
  userTexts: string[];
  /** `function_call_output` items in `input`: what the agent's tools returned so far in this conversation. */
  toolOutputs: { callId: string; output: string }[];
  /** Tool names offered in `tools`. */
  tools: string[];
}

export type Script = (req: RecordedRequest) => Turn;

export interface OpenAiServer {
  /** `http://127.0.0.1:<port>/v1`: a Codex model provider's `base_url`. */
  baseUrl: string;
  requests: RecordedRequest[];
  /** Replaces the script (one server can serve several tests). */
  setScript(script: Script): void;
  close(): Promise<void>;
}

export const reply = (...items: OutputItem[]): Turn => ({ kind: 'reply', items });
export const message = (text: string): OutputItem => ({ type: 'message', text });
/** A call of Codex's shell tool (`exec_command`, `cmd` run by the user's shell in the turn's cwd). */
export const shell = (cmd: string, callId?: string): OutputItem =>
  ({ type: 'function_call', name: 'exec_command', arguments: { cmd, yield_time_ms: 10_000 }, ...(callId ? { callId } : {}) });

/**
 * An edit the way Codex models make them: `apply_patch` through the shell tool, which Codex
 * intercepts and applies itself (a `file_change` item), inside the sandbox's writable roots.
 */
export const applyPatch = (patch: string, callId?: string): OutputItem =>
  shell(`apply_patch <<'PATCH'\n*** Begin Patch\n${patch.replace(/\n$/, '')}\n*** End Patch\nPATCH`, callId);
/** The patch body that creates `path` holding `content`. */
export const addFile = (path: string, content: string) =>
  `*** Add File: ${path}\n${content.replace(/\n$/, '').split('\n').map((l) => `+${l}`).join('\n')}`;

/**
 * Plays `turns` in order within one conversation: the turn is chosen by how many tool outputs the
 * request already carries, so each tool call advances the script by one and a retried request
 * replays the same turn. Past the end it answers with a short final message.
 */
export function conversation(...turns: Turn[]): Script {
  return (req) => turns[req.toolOutputs.length] ?? reply(message('(script finished)'));
}

export async function startOpenAiServer(t: Test, script: Script = conversation()): Promise<OpenAiServer> {
  const requests: RecordedRequest[] = [];
  let current = script;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      if (req.method !== 'POST' || path !== '/v1/responses') {
        sendJson(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' } });
        return;
      }
      let body: any;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        sendJson(res, 400, { error: { message: 'body is not JSON', type: 'invalid_request_error' } });
        return;
      }
      const recorded = record(requests.length, req.method, path, req.headers, body);
      requests.push(recorded);
      let turn: Turn;
      try {
        turn = current(recorded);
      } catch (error) {
        turn = { kind: 'fail', status: 500, body: { error: { message: `script threw: ${(error as Error).message}`, type: 'server_error' } } };
      }
      play(res, turn, recorded);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  t.teardown(close);
  return { baseUrl: `http://127.0.0.1:${port}/v1`, requests, setScript: (s) => { current = s; }, close };
}

function record(index: number, method: string, path: string, headers: IncomingHttpHeaders, body: any): RecordedRequest {
  const input: any[] = Array.isArray(body?.input) ? body.input : [];
  const userTexts = input
    .filter((i) => i?.type === 'message' && i.role === 'user')
    .map((i) => (Array.isArray(i.content) ? i.content.map((c: any) => c?.text ?? '').join('') : String(i.content ?? '')));
  const toolOutputs = input
    .filter((i) => i?.type === 'function_call_output' || i?.type === 'custom_tool_call_output')
    .map((i) => ({ callId: String(i.call_id), output: typeof i.output === 'string' ? i.output : JSON.stringify(i.output) }));
  const tools = (Array.isArray(body?.tools) ? body.tools : []).map((t: any) => String(t?.name ?? t?.type));
  return { index, method, path, headers, body, userTexts, toolOutputs, tools };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function play(res: ServerResponse, turn: Turn, req: RecordedRequest) {
  if (turn.kind === 'fail') {
    const headers: Record<string, string> = { ...turn.headers };
    let body = turn.body;
    if (turn.resetsInSeconds !== undefined) {
      headers['retry-after'] ??= String(turn.resetsInSeconds);
      body ??= { error: {
        type: 'usage_limit_reached', message: 'The usage limit has been reached',
        resets_in_seconds: turn.resetsInSeconds, resets_at: Math.floor(Date.now() / 1000) + turn.resetsInSeconds,
      } };
    }
    sendJson(res, turn.status, body ?? { error: { message: `scripted ${turn.status}`, type: turn.status === 401 ? 'invalid_api_key' : 'server_error' } }, headers);
    return;
  }
  const id = `resp_${req.index}`;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let seq = 0;
  const send = (event: Record<string, unknown>, flushed?: () => void) =>
    res.write(`event: ${String(event.type)}\ndata: ${JSON.stringify({ ...event, sequence_number: seq++ })}\n\n`, flushed);
  send({ type: 'response.created', response: { id, object: 'response', status: 'in_progress', model: req.body?.model } });
  if (turn.kind === 'cut') {
    const item = { id: `msg_${req.index}_0`, type: 'message', role: 'assistant', status: 'in_progress', content: [] };
    send({ type: 'response.output_item.added', output_index: 0, item });
    // Cut once the client has the headers and the first half of the message.
    send({ type: 'response.output_text.delta', output_index: 0, item_id: item.id, content_index: 0, delta: turn.partialText ?? 'I was about to' },
      () => res.socket?.destroy());
    return;
  }
  const output = turn.items.map((item, i) => wireItem(item, req.index, i));
  output.forEach((item, i) => {
    send({ type: 'response.output_item.added', output_index: i, item: { ...item, status: 'in_progress', ...(item.type === 'message' ? { content: [] } : { arguments: '' }) } });
    if (item.type === 'message') {
      send({ type: 'response.output_text.delta', output_index: i, item_id: item.id, content_index: 0, delta: (item.content as any)[0].text });
    } else {
      send({ type: 'response.function_call_arguments.done', output_index: i, item_id: item.id, arguments: item.arguments });
    }
    send({ type: 'response.output_item.done', output_index: i, item });
  });
  const u = { input_tokens: 100, cached_tokens: 0, output_tokens: 20, reasoning_tokens: 0, ...turn.usage };
  send({ type: 'response.completed', response: {
    id, object: 'response', status: 'completed', model: req.body?.model, output,
    usage: {
      input_tokens: u.input_tokens, input_tokens_details: { cached_tokens: u.cached_tokens },
      output_tokens: u.output_tokens, output_tokens_details: { reasoning_tokens: u.reasoning_tokens },
      total_tokens: u.input_tokens + u.output_tokens,
    },
  } });
  res.end();
}

function wireItem(item: OutputItem, reqIndex: number, i: number): Record<string, unknown> {
  if (item.type === 'message') {
    return { id: `msg_${reqIndex}_${i}`, type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: item.text, annotations: [] }] };
  }
  return {
    id: `fc_${reqIndex}_${i}`, type: 'function_call', status: 'completed', name: item.name, ...(item.namespace ? { namespace: item.namespace } : {}),
    call_id: item.callId ?? `call_${reqIndex}_${i}`,
    arguments: typeof item.arguments === 'string' ? item.arguments : JSON.stringify(item.arguments),
  };
}

/**
 * The latest run of a resumed thread: its prompt (the last user message containing `marker`) and
 * the tool outputs after it. A resumed thread's request carries every earlier run's items too, so
 * a script that picks its turn by `toolOutputs.length` would count theirs.
 */
export function latestRun(req: RecordedRequest, marker: string): { prompt: string; toolOutputs: number } {
  const input: any[] = Array.isArray(req.body?.input) ? req.body.input : [];
  const text = (i: any) => (Array.isArray(i?.content) ? i.content.map((c: any) => c?.text ?? '').join('') : String(i?.content ?? ''));
  let at = -1;
  input.forEach((i, n) => {
    if (i?.type === 'message' && i.role === 'user' && text(i).includes(marker)) at = n;
  });
  const after = input.slice(at + 1).filter((i) => i?.type === 'function_call_output' || i?.type === 'custom_tool_call_output').length;
  return { prompt: at >= 0 ? text(input[at]) : '', toolOutputs: after };
}

/** The env var holding the (dummy) API key of the scripted provider. */
export const codexApiKeyEnv = 'SU_TEST_MODEL_API_KEY';

/**
 * Makes `dir` a CODEX_HOME whose config.toml points Codex at `baseUrl` (a model provider speaking
 * the Responses API, key from `SU_TEST_MODEL_API_KEY`), with one retry per request so failure plays
 * end fast, and nothing that would reach past loopback (analytics, feedback, update checks, web search).
 */
export function writeCodexHome(dir: string, baseUrl: string): string {
  writeFileSync(join(dir, 'config.toml'), [
    'model = "test-model"',
    'model_provider = "scripted"',
    'check_for_update_on_startup = false',
    'web_search = "disabled"',
    '[analytics]',
    'enabled = false',
    '[feedback]',
    'enabled = false',
    '[model_providers.scripted]',
    'name = "Scripted model server"',
    `base_url = "${baseUrl}"`,
    `env_key = "${codexApiKeyEnv}"`,
    'wire_api = "responses"',
    'request_max_retries = 1',
    'stream_max_retries = 1',
    '',
  ].join('\n'));
  return dir;
}
