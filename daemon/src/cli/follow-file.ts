import { closeSync, openSync, readSync, statSync } from 'node:fs';

const sizeOf = (path: string) => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

function readRange(path: string, from: number, to: number) {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(to - from);
    const n = readSync(fd, buf, 0, buf.length, from);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** The last `lines` lines of a file (read from its end: a log file can be large). */
export function tailLines(path: string, lines: number): { text: string; end: number } {
  const end = sizeOf(path);
  let from = end;
  let chunk = Buffer.alloc(0);
  while (from > 0) {
    from = Math.max(0, from - 64 * 1024);
    chunk = readRange(path, from, end);
    if (chunk.toString('utf8').split('\n').length > lines + 1) break;
  }
  const all = chunk.toString('utf8').split('\n');
  if (all.at(-1) === '') all.pop();
  const text = all.slice(-lines).join('\n');
  return { text: text ? `${text}\n` : '', end };
}

/**
 * Writes what the file gains from `offset` on, polling (fs.watch misses appends on some
 * filesystems); a file that shrank was rotated or truncated: start again from its beginning.
 */
export function followFile(path: string, offset: number, write: (chunk: Buffer) => void, everyMs = 250) {
  let at = offset;
  const timer = setInterval(() => {
    const size = sizeOf(path);
    if (size < at) at = 0;
    if (size > at) {
      write(readRange(path, at, size));
      at = size;
    }
  }, everyMs);
  return () => clearInterval(timer);
}
