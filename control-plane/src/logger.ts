import type { FastifyServerOptions } from 'fastify';
import type { Config } from './config.ts';

/** pino options: secrets redacted everywhere, pretty only on a TTY. */
export function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.token', '*.key', '*.apiKey', '*.password', '*.secret'],
      censor: '[redacted]',
    },
    ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } } } : {}),
  };
}
