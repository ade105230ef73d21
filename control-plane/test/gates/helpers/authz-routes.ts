import { makeFrame } from '@solo-unicorn/shared';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import WebSocket from 'ws';
import type { Answer } from './authz-rules.ts';

/**
 * The app's real route table, from fastify's own printout (`printRoutes({ commonPrefix: false })`
 * prints one tree line per path segment: `├── /:orgId (GET, HEAD)`), so hidden and websocket
 * routes count as much as the OpenAPI ones. HEAD routes fastify adds for every GET are left out:
 * they run the same hooks and handler as their GET. Returns `METHOD /path` strings.
 */
export function routeTable(printed: string): string[] {
  const routes = new Set<string>();
  const heads = new Set<string>();
  const stack: string[] = [];
  for (const line of printed.split('\n')) {
    const branch = line.search(/[├└]── /);
    if (branch < 0) continue;
    const depth = branch / 4;
    const match = /^(\S+)(?: \(([A-Z, ]+)\))?$/.exec(line.slice(branch + 4).trim());
    if (!match) throw new Error(`unreadable route line: ${line}`);
    const path = (depth > 0 ? stack[depth - 1]! : '') + match[1]!;
    stack[depth] = path;
    stack.length = depth + 1;
    for (const method of match[2]?.split(', ') ?? []) (method === 'HEAD' ? heads : routes).add(`${method} ${path}`);
  }
  for (const head of heads) {
    const get = head.replace(/^HEAD /, 'GET ');
    if (!routes.has(get)) routes.add(head); // a HEAD on its own would need its own row
  }
  return [...routes].sort();
}

/** Every file of the web board, as the routes @fastify/static registers for them (`GET /js/x.js`). */
export function webFiles(root: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [`/${relative(root, join(dir, e.name))}`]));
  return walk(root);
}

export interface WsProbe {
  path: string;
  key?: string;
  /** After the upgrade: the frames to send, and how to read the answer (undefined: keep listening). */
  send: unknown[];
  answer: (frame: any) => Answer | undefined;
}

/**
 * Opens a real WebSocket and reports it as an HTTP-like answer: a refused upgrade is its status
 * and error body; an accepted one is what the first matching frame says, or the close code.
 */
export function probeSocket(baseUrl: string, probe: WsProbe): Promise<Answer> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${probe.path}`, { headers: probe.key ? { authorization: `Bearer ${probe.key}` } : {} });
    let done = false;
    const finish = (answer: Answer) => {
      if (done) return;
      done = true;
      resolve(answer);
      if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.terminate();
    };
    socket.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch { /* not JSON */ }
        finish({ status: res.statusCode ?? 0, body });
      });
    });
    socket.on('open', () => probe.send.forEach((frame) => socket.send(JSON.stringify(frame))));
    socket.on('message', (raw) => {
      const answer = probe.answer(JSON.parse(String(raw)));
      if (answer) finish(answer);
    });
    // The daemon socket refuses a person's key by closing with 4003 after the upgrade.
    socket.on('close', (code, reason) => finish(code === 4003 ? { status: 403, body: { error: { code: 'SU_ERR_FORBIDDEN', message: String(reason) } } } : { status: 0, body: `closed ${code} ${reason}` }));
    socket.on('error', (error) => finish({ status: 0, body: `socket error ${error.message}` }));
  });
}

/**
 * The monitoring socket: subscribe to every kind of channel at once; `subscribed` is success, an
 * `error` frame carries the refusal. Every channel must answer alike (the same resource rules).
 */
export function realtimeProbe(path: string, key: string | undefined, channels: string[]): WsProbe {
  const status: Record<string, number> = { SU_ERR_NOT_FOUND: 404, SU_ERR_FORBIDDEN: 403 };
  const answers = new Map<string, Answer>();
  return {
    path, key,
    send: channels.map((channel) => ({ type: 'subscribe', channel })),
    answer(f) {
      if (!channels.includes(f.channel)) return undefined;
      if (f.type === 'subscribed') answers.set(f.channel, { status: 200, body: f });
      else if (f.type === 'error') answers.set(f.channel, { status: status[f.code] ?? 0, body: { error: { code: f.code, message: f.message } } });
      if (answers.size < channels.length) return undefined;
      const all = [...answers.values()];
      if (all.every((a) => a.status === all[0]!.status)) return all[0];
      return { status: 0, body: `channels disagree: ${JSON.stringify([...answers].map(([c, a]) => [c, a.status]))}` };
    },
  };
}

/** The daemon socket: say hello; a welcome is success. */
export function daemonProbe(path: string, key: string | undefined, workstationId: string): WsProbe {
  return {
    path, key,
    send: [makeFrame('session.hello', { workstationId, daemonVersion: '0.0.0-authz', agents: [], maxConcurrentMissions: 1, attempts: [], draining: false })],
    answer: (f) => (f.type === 'session.welcome' ? { status: 200, body: f } : undefined),
  };
}
