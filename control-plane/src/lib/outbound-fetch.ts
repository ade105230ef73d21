import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { OutboundPolicy } from './outbound-url.ts';

const MAX_REDIRECTS = 5;
const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * A `fetch` (enough of it for Octokit) that only reaches what the outbound policy allows. The
 * host name is resolved and checked inside the socket's own `lookup`, so the address checked is
 * the address connected to: a DNS answer that changes between a check and the connection (DNS
 * rebinding) cannot slip a private address in. Redirects are followed by hand, each hop checked,
 * and the Authorization header is dropped when a hop leaves the origin. Responses are bounded in
 * size and time, so a hostile server can neither fill memory nor hold a worker forever.
 */
export function createOutboundFetch(policy: OutboundPolicy, opts: { timeoutMs?: number; maxResponseBytes?: number } = {}): typeof fetch {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxBytes = opts.maxResponseBytes ?? 32 * 1024 * 1024;
  const lookup: LookupFunction = (hostname, options, callback) => {
    policy.addressesOf(hostname).then(
      (found) => {
        const want = options.family === 4 || options.family === 6 ? found.filter((a) => a.family === options.family) : found;
        const usable = want.length > 0 ? want : found;
        if (options.all) (callback as (e: null, a: typeof found) => void)(null, usable);
        else callback(null, usable[0]!.address, usable[0]!.family);
      },
      (error: Error) => callback(error as NodeJS.ErrnoException, '', 0),
    );
  };
  // Pooled sockets were connected through `lookup`, so reusing them is as safe as a new one.
  const agents = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) };

  function send(url: URL, method: string, headers: Headers, body: Buffer | undefined, signal?: AbortSignal | null): Promise<{ res: IncomingMessage; data: Buffer }> {
    return new Promise((resolve, reject) => {
      const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const outgoing: Record<string, string> = Object.fromEntries(headers);
      outgoing['accept-encoding'] = 'gzip, deflate, br';
      if (body) outgoing['content-length'] = String(body.length);
      const req = request(url, { method, headers: outgoing, agent: agents[url.protocol as 'http:' | 'https:'], lookup, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) req.destroy(new Error(`the response from ${url.host} exceeds ${maxBytes} bytes`));
          else chunks.push(chunk);
        });
        res.on('end', () => resolve({ res, data: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${url.host} did not answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      if (signal) {
        if (signal.aborted) req.destroy(new DOMException('aborted', 'AbortError'));
        else signal.addEventListener('abort', () => req.destroy(new DOMException('aborted', 'AbortError')), { once: true });
      }
      req.end(body);
    });
  }

  function decode(res: IncomingMessage, data: Buffer): Buffer {
    switch (String(res.headers['content-encoding'] ?? '').toLowerCase()) {
      case 'gzip': return gunzipSync(data, { maxOutputLength: maxBytes });
      case 'deflate': return inflateSync(data, { maxOutputLength: maxBytes });
      case 'br': return brotliDecompressSync(data, { maxOutputLength: maxBytes });
      default: return data;
    }
  }

  return async function outboundFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    let url = policy.check(input instanceof Request ? input.url : String(input));
    let method = (init.method ?? 'GET').toUpperCase();
    const headers = new Headers(init.headers);
    let body = toBuffer(init.body);
    for (let hop = 0; ; hop++) {
      const { res, data } = await send(url, method, headers, body, init.signal);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && status !== 304 && location && init.redirect !== 'manual') {
        if (init.redirect === 'error') throw new TypeError(`redirected by ${url.host}`);
        if (hop >= MAX_REDIRECTS) throw new TypeError(`more than ${MAX_REDIRECTS} redirects from ${url.host}`);
        const next = policy.check(new URL(location, url).href);
        if (next.origin !== url.origin) headers.delete('authorization');
        if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
          headers.delete('content-type');
        }
        url = next;
        continue;
      }
      if (status < 200 || status > 599) throw new TypeError(`${url.host} answered with HTTP status ${status}`);
      const responseHeaders = new Headers();
      for (const [name, value] of Object.entries(res.headers)) {
        if (value === undefined || name === 'content-encoding' || name === 'content-length') continue;
        for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(name, v);
      }
      return new Response(NULL_BODY.has(status) ? null : Uint8Array.from(decode(res, data)), { status, statusText: res.statusMessage ?? '', headers: responseHeaders });
    }
  } as typeof fetch;
}

function toBuffer(body: RequestInit['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError('outbound requests send a string or bytes');
}
