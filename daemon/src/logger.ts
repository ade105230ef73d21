import pino from 'pino';

/** pino: secrets redacted, pretty only on a TTY. */
export function createLogger(level: string, dest: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout) {
  const redact = { paths: ['token', 'apiKey', '*.token', '*.apiKey', 'headers.authorization'], censor: '[redacted]' };
  if (dest.isTTY) {
    return pino({ level, redact, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', destination: 1 } } });
  }
  return pino({ level, redact }, dest);
}
export type Logger = pino.Logger;
