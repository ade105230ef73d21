import type { Readable } from 'node:stream';

/** One agent output line is never held past this; the rest of it, up to its newline, is dropped. */
export const maxLineBytes = 1024 * 1024;

/**
 * Splits a stream into lines (LF or CRLF) like readline, but with a bound: an agent printing a
 * gigabyte without a newline (a binary dump, a minified bundle) costs at most `maxBytes` of memory,
 * and its line arrives clipped, marked with how many bytes were dropped. The last line counts even
 * without a final newline (an agent that exits mid-line).
 */
export function onBoundedLines(input: Readable, onLine: (line: string) => void, maxBytes = maxLineBytes): void {
  let parts: Buffer[] = [];
  let held = 0;
  let dropped = 0;
  const flush = () => {
    let line = Buffer.concat(parts).toString('utf8');
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (dropped) line += `… [${dropped} more bytes dropped: line too long]`;
    parts = [];
    held = 0;
    dropped = 0;
    onLine(line);
  };
  const keep = (chunk: Buffer) => {
    const room = maxBytes - held;
    if (chunk.length > room) dropped += chunk.length - room;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept.length) {
      parts.push(kept);
      held += kept.length;
    }
  };
  input.on('data', (chunk: Buffer) => {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      keep(chunk.subarray(start, nl));
      flush();
      start = nl + 1;
    }
    if (start < chunk.length) keep(chunk.subarray(start));
  });
  input.once('end', () => {
    if (held || dropped) flush();
  });
}
