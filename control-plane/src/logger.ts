import type { FastifyServerOptions } from 'fastify';
import type { Config } from './config.ts';
import { safeError } from './lib/safe-error.ts';

/** Secret-bearing fields, wherever they appear in a log line (GitHub tokens, webhook secrets included). */
export const redact = {
  paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-hub-signature-256"]', '*.token', '*.key', '*.apiKey', '*.password', '*.secret', '*.webhookSecret'],
  censor: '[redacted]',
};

/** Query parameters whose values are credentials (access_token, ticket, token, api_key, key, secret, …). */
const SECRET_PARAM = /token|ticket|key|secret|password|signature|credential/i;

/** Our own secrets by their shape (API keys su_, workstation tokens suw_, tickets sut_), wherever they sit. */
const OWN_SECRET = /\b(su|suw|sut)_[A-Za-z0-9_-]{16,}/g;

/**
 * A URL with the values of credential-looking query parameters replaced by [redacted], and any
 * of our own secrets pasted elsewhere too. Works on the raw request target (path + query): encoded
 * names are decoded before the test, and a query that cannot be parsed is dropped whole.
 */
export function scrubUrl(raw: string): string {
  const url = raw.replace(OWN_SECRET, '[redacted]');
  const q = url.indexOf('?');
  if (q < 0) return url;
  const path = url.slice(0, q);
  const query = url.slice(q + 1);
  const parts = query.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    let name: string;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
    } catch {
      return undefined;
    }
    return eq >= 0 && SECRET_PARAM.test(name) ? `${rawName}=[redacted]` : pair;
  });
  return parts.includes(undefined) ? `${path}?[redacted]` : `${path}?${parts.join('&')}`;
}

/** pino's request serializer with credentials scrubbed from the URL: every line that logs `req` uses it. */
export function serializeRequest(req: { method?: string; url?: string; host?: string; hostname?: string; ip?: string; socket?: { remotePort?: number } }) {
  return {
    method: req.method,
    url: req.url === undefined ? undefined : scrubUrl(req.url),
    host: req.host ?? req.hostname,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/**
 * Whatever logger options the app is built with (main.ts, a test capturing lines), the request
 * serializer scrubs URLs and secret fields are redacted unless the caller chose its own paths.
 */
export function withScrubbing(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger) return false;
  const options = logger === true ? {} : logger;
  // `err` too: a database error's message carries the query's parameters (a mission title, agent
  // output), which must not reach the log.
  return { redact, ...options, serializers: { ...options.serializers, req: serializeRequest, err: safeError } };
}

/** pino options: secrets redacted everywhere, pretty only on a TTY. */
export function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact,
    ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } } } : {}),
  };
}
