import { constants } from 'node:fs';
import { lstat, mkdir, open, realpath, rename, rm } from 'node:fs/promises';
import { join, sep } from 'node:path';

/**
 * File access under a worktree that never follows a symbolic link. A repository is not trusted:
 * a committed link at a doc path (or at any folder above it) could point at the daemon's
 * config.json (read and uploaded) or anywhere else (written through). Every component is
 * lstat'ed from the worktree root down, files are opened with O_NOFOLLOW, and the file opened must
 * be the one its real path names inside the worktree.
 */

/** A path relative to the worktree, `/`-separated: what events and errors name. */
export type RelPath = string;

export type Walk = { kind: 'dir'; abs: string } | { kind: 'absent' } | { kind: 'symlink'; path: RelPath };

/** Thrown when a doc is not a regular file or escapes the worktree some other way. */
export class UnsafePathError extends Error {}

const code = (error: unknown) => (error as NodeJS.ErrnoException).code;

/**
 * The folder `worktree/parts…`, with no component a link: `symlink` names the first that is one,
 * `absent` when one is missing or not a folder (with `create`, missing folders are made).
 */
export async function walkDir(worktree: string, parts: readonly string[], create = false): Promise<Walk> {
  let abs = worktree;
  for (let i = 0; i < parts.length; i++) {
    abs = join(abs, parts[i]!);
    let st;
    try {
      st = await lstat(abs);
    } catch (error) {
      if (code(error) !== 'ENOENT' || !create) return { kind: 'absent' };
      try {
        await mkdir(abs); // not recursive: the parent was just checked
      } catch (again) {
        if (code(again) !== 'EEXIST') throw again;
      }
      st = await lstat(abs);
    }
    if (st.isSymbolicLink()) return { kind: 'symlink', path: parts.slice(0, i + 1).join('/') };
    if (!st.isDirectory()) return { kind: 'absent' };
  }
  return { kind: 'dir', abs };
}

export type FileRead = { kind: 'file'; content: Buffer } | { kind: 'absent' } | { kind: 'symlink'; path: RelPath };

/**
 * The regular file `worktree/parts…` read without following a link anywhere on its path.
 * Throws when it is bigger than `maxBytes` or not a regular file.
 */
export async function readNoFollow(worktree: string, parts: readonly string[], maxBytes: number): Promise<FileRead> {
  const dir = await walkDir(worktree, parts.slice(0, -1));
  if (dir.kind !== 'dir') return dir;
  const abs = join(dir.abs, parts.at(-1)!);
  let handle;
  try {
    // O_NONBLOCK: a FIFO must not hang the daemon (it is refused below as not a regular file).
    handle = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const c = code(error);
    if (c === 'ELOOP') return { kind: 'symlink', path: parts.join('/') };
    if (c === 'ENOENT' || c === 'ENOTDIR' || c === 'EISDIR') return { kind: 'absent' };
    throw error;
  }
  try {
    const st = await handle.stat();
    if (st.isDirectory()) return { kind: 'absent' };
    if (!st.isFile()) throw new UnsafePathError(`${parts.join('/')} is not a regular file`);
    await assertInside(worktree, abs, st.ino, st.dev);
    if (st.size > maxBytes) throw new UnsafePathError(`${parts.at(-1)} is ${st.size} bytes; mission docs are limited to ${maxBytes}`);
    const content = await handle.readFile();
    if (content.length > maxBytes) throw new UnsafePathError(`${parts.at(-1)} is ${content.length} bytes; mission docs are limited to ${maxBytes}`);
    return { kind: 'file', content };
  } finally {
    await handle.close();
  }
}

/**
 * Writes `content` to `worktree/parts…` as a regular file: folders are made as needed but never
 * entered through a link (`symlink` names the link, nothing is written). A link at the file
 * itself is replaced, not written through: the content goes to a new file that is renamed over
 * it (rename replaces the link). `replacedLink` says when that happened.
 */
export async function writeNoFollow(worktree: string, parts: readonly string[], content: string): Promise<{ kind: 'written'; replacedLink?: RelPath } | { kind: 'symlink'; path: RelPath }> {
  const dir = await walkDir(worktree, parts.slice(0, -1), true);
  if (dir.kind === 'symlink') return dir;
  if (dir.kind === 'absent') throw new UnsafePathError(`${parts.slice(0, -1).join('/')} is not a folder`);
  const abs = join(dir.abs, parts.at(-1)!);
  const wasLink = await lstat(abs).then((s) => s.isSymbolicLink(), () => false);
  const tmp = `${abs}.su-${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
  // O_EXCL: a new file, never an existing one nor a link.
  const handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, abs);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  return wasLink ? { kind: 'written', replacedLink: parts.join('/') } : { kind: 'written' };
}

/** The file opened (inode `ino` on `dev`) must be the one its real path names, inside the worktree. */
async function assertInside(worktree: string, abs: string, ino: number, dev: number) {
  const [root, real] = await Promise.all([realpath(worktree), realpath(abs)]);
  const st = await lstat(real);
  if (!real.startsWith(root + sep) || st.ino !== ino || st.dev !== dev) {
    throw new UnsafePathError('a mission doc resolved outside its worktree');
  }
}
