// A scripted Anthropic Messages API on 127.0.0.1, port 0: what the real Claude Code CLI talks to
// in tests. A script is a list of turns; turn n answers a conversation request that already holds
// n assistant messages, so a retried request gets the same turn again and the script needs no
// state of its own. Failures play before a turn's answer, each consuming one request.
// Requests without tools (titles, quota checks, topic detection) are the CLI's own chores: they
// get a one-word reply and are recorded as `auxiliary`, never served a scripted turn.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Block =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; name: string; input: Record<string, unknown>; id?: string };

/** What the turn's function sees: the request and the working directory the CLI named in it. */
export interface TurnContext {
  request: RecordedRequest;
  cwd?: string;
}

export type Failure =
  /** A 429 with `retry-after` and the rate-limit reset headers, body "usage limit reached". */
  | { status: 429; retryAfterSeconds?: number; resetAt?: Date; message?: string }
  | { status: 401 | 500 | 529; message?: string }
  /** The stream starts, one text delta is sent, then the socket is destroyed (no message_stop). */
  | { cut: 'mid-message' };

export interface Turn {
  /** The answer; a function when it needs the request (e.g. an absolute path in the worktree). */
  blocks: Block[] | ((ctx: TurnContext) => Block[]);
  /** Played in order, one per request for this turn, before the answer is served. */
  failures?: Failure[];
  usage?: { input_tokens?: number; output_tokens?: number; cache_read_input_tokens?: number; cache_creation_input_tokens?: number };
}

export interface RecordedRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  /** `turn` (a scripted answer), `failure`, `auxiliary`, `count_tokens`, `unscripted` (past the script's end), `unknown`. */
  served: 'turn' | 'failure' | 'auxiliary' | 'count_tokens' | 'unscripted' | 'unknown';
  turn?: number;
  /** The system prompt as one string. */
  system: string;
  /** The working directory the CLI named (system prompt or an environment message), if any. */
  cwd?: string;
  /** Names of the tools the request offered. */
  tools: string[];
  /** When its body had arrived (epoch ms). */
  receivedAt: number;
}

export interface AnthropicModelServer {
  /** `http://127.0.0.1:<port>` — ANTHROPIC_BASE_URL. */
  url: string;
  requests: RecordedRequest[];
  /** The conversation requests (scripted turns and their failures), in arrival order. */
  conversation(): RecordedRequest[];
  /** Resolves once a request matching `test` has arrived (past or future). */
  waitFor(test: (r: RecordedRequest) => boolean): Promise<RecordedRequest>;
  close(): Promise<void>;
}

export const text = (t: string): Block => ({ type: 'text', text: t });
export const toolUse = (name: string, input: Record<string, unknown>): Block => ({ type: 'tool_use', name, input });

/**
 * The working directory Claude Code names ("Primary working directory: /path"): 2.1 sends it in an
 * environment message inside `messages`, older versions in the system prompt.
 */
export function workingDirectory(body: any): string | undefined {
  const texts = [systemText(body?.system), ...(Array.isArray(body?.messages) ? body.messages.map((m: any) => contentText(m?.content)) : [])];
  for (const t of texts) {
    const found = t.match(/(?:Primary working directory|Working directory):\s*(\S+)/)?.[1];
    if (found) return found;
  }
  return undefined;
}

export async function startAnthropicModelServer(script: { turns: Turn[] }): Promise<AnthropicModelServer> {
  const requests: RecordedRequest[] = [];
  const failuresPlayed = new Map<number, number>();
  const waiters: { test: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void }[] = [];
  let ids = 0;
  const nextId = (prefix: string) => `${prefix}_${String(++ids).padStart(24, '0')}`;

  const record = (r: RecordedRequest) => {
    requests.push(r);
    for (const w of [...waiters]) if (w.test(r)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(r);
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: any = {};
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
      } catch {
        body = { unparsable: true };
      }
      handle(req, res, body);
    });
  });

  function handle(req: IncomingMessage, res: ServerResponse, body: any) {
    const path = (req.url ?? '/').split('?')[0]!;
    const base = {
      path, headers: req.headers, body, receivedAt: Date.now(),
      system: systemText(body.system), cwd: workingDirectory(body), tools: Array.isArray(body.tools) ? body.tools.map((t: any) => String(t?.name)) : [],
    };
    if (req.method === 'POST' && path === '/v1/messages/count_tokens') {
      record({ ...base, served: 'count_tokens' });
      return json(res, 200, { input_tokens: Math.ceil(JSON.stringify(body).length / 4) });
    }
    if (req.method !== 'POST' || path !== '/v1/messages') {
      record({ ...base, served: 'unknown' });
      return json(res, 404, { type: 'error', error: { type: 'not_found_error', message: `no route ${req.method} ${path}` } });
    }
    if (base.tools.length === 0) {
      record({ ...base, served: 'auxiliary' });
      return answer(res, body, [text('OK')], 'end_turn', {});
    }
    const messages: any[] = Array.isArray(body.messages) ? body.messages : [];
    const n = messages.filter((m) => m?.role === 'assistant').length;
    const turn = script.turns[n];
    if (!turn) {
      record({ ...base, served: 'unscripted', turn: n });
      return answer(res, body, [text('Done.')], 'end_turn', {});
    }
    const played = failuresPlayed.get(n) ?? 0;
    const failure = turn.failures?.[played];
    if (failure) {
      failuresPlayed.set(n, played + 1);
      record({ ...base, served: 'failure', turn: n });
      return fail(res, body, failure);
    }
    const recorded: RecordedRequest = { ...base, served: 'turn', turn: n };
    record(recorded);
    const blocks = typeof turn.blocks === 'function' ? turn.blocks({ request: recorded, cwd: recorded.cwd }) : turn.blocks;
    const stop = blocks.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
    return answer(res, body, blocks, stop, turn.usage ?? {});
  }

  function answer(res: ServerResponse, body: any, blocks: Block[], stopReason: string, usage: Turn['usage'] & object) {
    const content = blocks.map((b) => (b.type === 'text' ? b : { type: 'tool_use', id: b.id ?? nextId('toolu'), name: b.name, input: b.input }));
    const message = {
      id: nextId('msg'), type: 'message', role: 'assistant', model: String(body.model ?? 'claude-scripted'), content: [] as unknown[],
      stop_reason: null, stop_sequence: null,
      usage: { input_tokens: usage.input_tokens ?? 10, output_tokens: 1, cache_read_input_tokens: usage.cache_read_input_tokens ?? 0, cache_creation_input_tokens: usage.cache_creation_input_tokens ?? 0 },
    };
    const outputTokens = usage.output_tokens ?? 5;
    if (body.stream !== true) {
      return json(res, 200, { ...message, content, stop_reason: stopReason, usage: { ...message.usage, output_tokens: outputTokens } });
    }
    const sse = startSse(res);
    sse('message_start', { type: 'message_start', message });
    sse('ping', { type: 'ping' });
    content.forEach((block: any, index) => {
      if (block.type === 'text') {
        sse('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
        sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } });
      } else {
        sse('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
        // The input arrives as partial JSON, split in two to exercise the client's accumulation.
        const json = JSON.stringify(block.input);
        const half = Math.floor(json.length / 2);
        for (const part of [json.slice(0, half), json.slice(half)]) {
          sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: part } });
        }
      }
      sse('content_block_stop', { type: 'content_block_stop', index });
    });
    sse('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } });
    sse('message_stop', { type: 'message_stop' });
    res.end();
  }

  function fail(res: ServerResponse, body: any, failure: Failure) {
    if ('cut' in failure) {
      const sse = startSse(res);
      sse('message_start', { type: 'message_start', message: { id: nextId('msg'), type: 'message', role: 'assistant', model: String(body.model ?? ''), content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1 } } });
      sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
      // Flushed, then the connection dies: no content_block_stop, no message_stop.
      sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'I will start by' } }, () => res.socket?.destroy());
      return;
    }
    if (failure.status === 429) {
      const retryAfter = failure.retryAfterSeconds ?? 60;
      const reset = failure.resetAt ?? new Date(Date.now() + retryAfter * 1000);
      return json(res, 429, {
        type: 'error', error: { type: 'rate_limit_error', message: failure.message ?? `Claude AI usage limit reached|${Math.floor(reset.getTime() / 1000)}` },
      }, {
        'retry-after': String(retryAfter),
        'anthropic-ratelimit-requests-reset': reset.toISOString(),
        'anthropic-ratelimit-tokens-reset': reset.toISOString(),
        'anthropic-ratelimit-unified-status': 'rejected',
        'anthropic-ratelimit-unified-reset': String(Math.floor(reset.getTime() / 1000)),
      });
    }
    const type = failure.status === 401 ? 'authentication_error' : failure.status === 529 ? 'overloaded_error' : 'api_error';
    const message = failure.message ?? (failure.status === 401 ? 'invalid x-api-key' : failure.status === 529 ? 'Overloaded' : 'Internal server error');
    return json(res, failure.status, { type: 'error', error: { type, message } });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    conversation: () => requests.filter((r) => r.served === 'turn' || r.served === 'failure'),
    waitFor(test) {
      const seen = requests.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ test, resolve }));
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function startSse(res: ServerResponse) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'request-id': 'req_scripted' });
  return (event: string, data: unknown, written?: () => void) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`, written);
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_scripted', ...headers });
  res.end(JSON.stringify(body));
}

const systemText = (system: unknown) => contentText(system);

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((b) => (typeof b?.text === 'string' ? b.text : '')).join('\n');
  return '';
}

/** The tool_result blocks of a request's last user message (what the CLI sent back after a tool ran). */
export function toolResults(r: RecordedRequest): { tool_use_id: string; content: unknown; is_error?: boolean }[] {
  const messages: any[] = Array.isArray(r.body?.messages) ? r.body.messages : [];
  const last = messages.at(-1);
  return Array.isArray(last?.content) ? last.content.filter((b: any) => b?.type === 'tool_result') : [];
}

/** A tool_result's content as text. */
export const resultText = (content: unknown) => contentText(content);
