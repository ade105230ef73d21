import type { FastifyServerOptions } from 'fastify';
import type { Config } from './config.ts';

/** Secret-bearing fields, wherever they appear in a log line (GitHub tokens, webhook secrets included). */
export const redact = {
  paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-hub-signature-256"]', '*.token', '*.key', '*.apiKey', '*.password', '*.secret', '*.webhookSecret'],
  censor: '[redacted]',
};

/** pino options: secrets redacted everywhere, pretty only on a TTY. */
export function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact,
    ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } } } : {}),
  };
}
