// A scripted Gemini API on loopback, for the real Gemini CLI: `POST /v1beta/models/<model>:
// streamGenerateContent?alt=sse` streams server-sent `GenerateContentResponse` chunks the way
// generativelanguage.googleapis.com does (candidates with text or functionCall parts, then
// usageMetadata). Each request is answered by the test's script and recorded; the script can also
// play the failures: a 429 quota answer with a retry delay, 5xx, 401, a stream cut mid-message.
// Non-streaming `:generateContent` calls are the CLI's own chores (routing, next-speaker checks):
// they get a one-word answer and are recorded as `auxiliary`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Test } from 'tap';
import { tempDir } from '../processes.ts';

/** One part of a model turn: text, or a call of one of the CLI's tools (`write_file`, `run_shell_command`, …). */
export type Part = { text: string } | { functionCall: { name: string; args: Record<string, unknown> } };

export type Turn =
  | { kind: 'reply'; parts: Part[]; usage?: Partial<Usage> }
  /** An HTTP error before any chunk; `retryDelaySeconds` adds the API's RetryInfo (a quota answer). */
  | { kind: 'fail'; status: number; message?: string; retryDelaySeconds?: number }
  /** 200 and a stream that stops after half a message (the socket is destroyed). */
  | { kind: 'cut'; partialText?: string };

export interface Usage {
  promptTokenCount: number;
  candidatesTokenCount: number;
  cachedContentTokenCount: number;
}

export interface RecordedRequest {
  /** 0-based, in arrival order. */
  index: number;
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
  served: 'turn' | 'auxiliary';
  /** The model named in the path. */
  model: string;
  /** The text of every user part in `contents`, in order (the prompt is among the first). */
  userTexts: string[];
  /** `functionResponse` parts in `contents`: what the CLI's tools returned so far in this conversation. */
  toolOutputs: { name: string; output: string }[];
  /** Tool names offered in `tools[].functionDeclarations`. */
  tools: string[];
}

export type Script = (req: RecordedRequest) => Turn;

export interface GeminiServer {
  /** `http://127.0.0.1:<port>`: GOOGLE_GEMINI_BASE_URL. */
  url: string;
  requests: RecordedRequest[];
  setScript(script: Script): void;
  close(): Promise<void>;
}

export const reply = (...parts: Part[]): Turn => ({ kind: 'reply', parts });
export const text = (value: string): Part => ({ text: value });
export const call = (name: string, args: Record<string, unknown>): Part => ({ functionCall: { name, args } });
/** Gemini CLI's file tool; a relative path is resolved in the CLI's working directory. */
export const writeFile = (filePath: string, content: string) => call('write_file', { file_path: filePath, content });
export const shell = (command: string) => call('run_shell_command', { command, description: 'scripted command' });

/**
 * Plays `turns` in order within one conversation: the turn is chosen by how many tool outputs the
 * request already carries, so each tool call advances the script by one and a retried request
 * replays the same turn. Past the end it answers with a short final message.
 */
export function conversation(...turns: Turn[]): Script {
  return (req) => turns[req.toolOutputs.length] ?? reply(text('(script finished)'));
}

const modelPath = /^\/v1beta\/models\/([^/:]+):(streamGenerateContent|generateContent)$/;

export async function startGeminiServer(t: Test, script: Script = conversation()): Promise<GeminiServer> {
  const requests: RecordedRequest[] = [];
  let current = script;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const route = modelPath.exec(path);
      if (req.method !== 'POST' || !route) {
        sendJson(res, 404, apiError(404, `no route ${req.method} ${path}`, 'NOT_FOUND'));
        return;
      }
      let body: any;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        sendJson(res, 400, apiError(400, 'body is not JSON', 'INVALID_ARGUMENT'));
        return;
      }
      const streaming = route[2] === 'streamGenerateContent';
      const recorded = record(requests.length, path, req.headers, body, route[1]!, streaming ? 'turn' : 'auxiliary');
      requests.push(recorded);
      if (!streaming) {
        sendJson(res, 200, chunk([text('ok')], recorded.model, { promptTokenCount: 1, candidatesTokenCount: 1, cachedContentTokenCount: 0 }));
        return;
      }
      let turn: Turn;
      try {
        turn = current(recorded);
      } catch (error) {
        turn = { kind: 'fail', status: 500, message: `script threw: ${(error as Error).message}` };
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
  return { url: `http://127.0.0.1:${port}`, requests, setScript: (s) => { current = s; }, close };
}

function record(index: number, path: string, headers: IncomingHttpHeaders, body: any, model: string, served: RecordedRequest['served']): RecordedRequest {
  const contents: any[] = Array.isArray(body?.contents) ? body.contents : [];
  const parts = (role: string) => contents.filter((c) => c?.role === role).flatMap((c) => (Array.isArray(c.parts) ? c.parts : []));
  const userTexts = parts('user').filter((p: any) => typeof p?.text === 'string').map((p: any) => p.text as string);
  const toolOutputs = parts('user').filter((p: any) => p?.functionResponse).map((p: any) => ({
    name: String(p.functionResponse.name),
    output: typeof p.functionResponse.response?.output === 'string' ? p.functionResponse.response.output : JSON.stringify(p.functionResponse.response),
  }));
  const tools = (Array.isArray(body?.tools) ? body.tools : []).flatMap((t: any) => (Array.isArray(t?.functionDeclarations) ? t.functionDeclarations : []))
    .map((d: any) => String(d?.name));
  return { index, path, headers, body, served, model, userTexts, toolOutputs, tools };
}

const apiError = (code: number, message: string, status: string, details?: unknown[]) => ({ error: { code, message, status, ...(details ? { details } : {}) } });

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function chunk(parts: Part[], model: string, usage?: Usage) {
  return {
    candidates: [{ content: { role: 'model', parts }, index: 0, ...(usage ? { finishReason: 'STOP' } : {}) }],
    ...(usage ? { usageMetadata: { ...usage, totalTokenCount: usage.promptTokenCount + usage.candidatesTokenCount } } : {}),
    modelVersion: model,
  };
}

const statusNames: Record<number, string> = { 401: 'UNAUTHENTICATED', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE' };

function play(res: ServerResponse, turn: Turn, req: RecordedRequest) {
  if (turn.kind === 'fail') {
    const delay = turn.retryDelaySeconds;
    const message = turn.message ?? (turn.status === 429 ? `You exceeded your current quota.${delay === undefined ? '' : ` Please retry in ${delay}s.`}` : `scripted ${turn.status}`);
    const details = delay === undefined ? undefined : [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${delay}s` }];
    sendJson(res, turn.status, apiError(turn.status, message, statusNames[turn.status] ?? 'UNKNOWN', details));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const send = (data: unknown, flushed?: () => void) => res.write(`data: ${JSON.stringify(data)}\r\n\r\n`, flushed);
  if (turn.kind === 'cut') {
    send(chunk([text(turn.partialText ?? 'I was about to')], req.model), () => res.socket?.destroy());
    return;
  }
  const usage = { promptTokenCount: 100, candidatesTokenCount: 20, cachedContentTokenCount: 0, ...turn.usage };
  send(chunk(turn.parts, req.model, usage));
  res.end();
}

/** The model the CLI is told to use: a name the scripted server answers to (no routing requests). */
export const scriptedModel = 'test-model';

/**
 * Env for the real CLI: the scripted server's URL and a dummy key, and a throwaway home whose
 * settings.json picks API-key auth and the scripted model and turns off usage statistics and
 * update checks, so nothing reaches past loopback and the user's ~/.gemini is never touched.
 * `GEMINI_CLI_NO_RELAUNCH`: the CLI otherwise starts a second node process of itself (to raise
 * its heap limit), which doubles its start — seconds per run on a loaded 2-core CI machine.
 */
export function geminiEnv(serverUrl: string): Record<string, string> {
  const home = tempDir('su-gemini-home-');
  mkdirSync(join(home, '.gemini'), { recursive: true });
  writeFileSync(join(home, '.gemini', 'settings.json'), JSON.stringify({
    security: { auth: { selectedType: 'gemini-api-key' } },
    model: { name: scriptedModel },
    privacy: { usageStatisticsEnabled: false },
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
  }, null, 2));
  return { GOOGLE_GEMINI_BASE_URL: serverUrl, GEMINI_API_KEY: 'test-not-a-key', GEMINI_CLI_HOME: home, HOME: home, GEMINI_CLI_NO_RELAUNCH: 'true' };
}
