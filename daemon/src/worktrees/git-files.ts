import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * Reads branch refs and HEAD straight from git's files backend. A git process costs 5–15 ms to
 * start on our machines (the fork copies the daemon's page tables), a file read microseconds, and
 * the mission path reads refs three times. Every function answers `undefined` whenever it cannot
 * be sure — reftable, a symbolic ref, a per-worktree ref, odd content, GIT_DIR in the environment
 * — and the caller then asks git, so a wrong answer is never cheaper than a slow one.
 */

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** Only shared branch refs: tags may need peeling, other namespaces may be per worktree. */
const READABLE = /^refs\/(?:heads|remotes)\/[^\0-\x20\x7f~^:?*[\\]+$/;

function read(path: string): string | null | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? null : undefined; // ENOTDIR, EISDIR, EACCES…: not sure
  }
}

/** The git dir and common dir of a worktree, a normal checkout or a bare repository. */
export function gitDirsOf(path: string): { gitDir: string; commonDir: string } | undefined {
  if (process.env.GIT_DIR || process.env.GIT_COMMON_DIR) return undefined;
  let gitDir: string;
  const dotGit = join(path, '.git');
  const pointer = read(dotGit);
  if (typeof pointer === 'string') {
    const m = /^gitdir: (.+)\n?$/.exec(pointer);
    // A relative link (worktree.useRelativePaths) is resolved by git from the real path: left to git.
    if (!m || !isAbsolute(m[1]!)) return undefined;
    gitDir = m[1]!;
  } else if (pointer === undefined && isDirectory(dotGit)) gitDir = dotGit;
  else if (isDirectory(join(path, 'objects'))) gitDir = path; // bare (its HEAD is checked below)
  else return undefined;
  const common = read(join(gitDir, 'commondir'));
  if (common === undefined) return undefined;
  const commonDir = common === null ? gitDir : resolve(gitDir, common.trim());
  // A git dir that is gone (a pruned worktree) must not read as "no such branch": git errs there.
  if (!statOrNull(join(gitDir, 'HEAD'))?.isFile() || !isDirectory(join(commonDir, 'refs'))) return undefined;
  // The reftable backend keeps no loose files; its `refs/heads` is a stub file.
  if (statOrNull(join(commonDir, 'reftable')) !== null) return undefined;
  return { gitDir, commonDir };
}

/** The commit a shared branch ref names: a sha, null when it does not exist, undefined when unsure. */
export function readBranchRef(commonDir: string, name: string): string | null | undefined {
  if (!READABLE.test(name) || name.includes('..') || name.includes('//') || name.endsWith('/') || name.endsWith('.lock') || name.includes('/.')) return undefined;
  const loose = read(join(commonDir, name));
  if (loose === undefined) return undefined;
  if (loose !== null) {
    const sha = loose.trim();
    return SHA.test(sha) ? sha : undefined; // `ref: …` (symbolic) or garbage: git knows better
  }
  // Not loose: packed, or absent. git writes packed-refs before it removes loose files, so a ref
  // being packed is in one or the other.
  const packed = read(join(commonDir, 'packed-refs'));
  if (packed === undefined) return undefined;
  if (packed === null) return null;
  const lines = packed.split('\n');
  for (const [i, line] of lines.entries()) {
    if (!line || line.startsWith('#') || line.startsWith('^')) continue;
    const space = line.indexOf(' ');
    if (line.slice(space + 1) === name) {
      const sha = line.slice(0, space);
      // A `^` line after it: the ref names an annotated tag, whose commit only git can peel to.
      return SHA.test(sha) && !lines[i + 1]?.startsWith('^') ? sha : undefined;
    }
  }
  return null;
}

/** The commit HEAD names in a worktree or repository: a sha, null when unborn, undefined when unsure. */
export function readHead(path: string): string | null | undefined {
  const dirs = gitDirsOf(path);
  return dirs && readHeadIn(dirs);
}

/** readHead, for git dirs already found. */
export function readHeadIn(dirs: { gitDir: string; commonDir: string }): string | null | undefined {
  const head = read(join(dirs.gitDir, 'HEAD'));
  if (typeof head !== 'string') return undefined;
  const value = head.trim();
  if (SHA.test(value)) return value; // detached
  const m = /^ref: (refs\/heads\/\S+)$/.exec(value);
  return m ? readBranchRef(dirs.commonDir, m[1]!) : undefined;
}

function isDirectory(path: string) {
  return statOrNull(path)?.isDirectory() ?? false;
}

function statOrNull(path: string) {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/**
 * True when `path` is a worktree of the repository at `repoPath` whose link git would follow: its
 * `.git` file points into the repository's `worktrees/`, and that entry points back to it. Only a
 * yes is trusted; anything else is for `git worktree list` to judge.
 */
export function isLinkedWorktree(repoPath: string, path: string): boolean {
  const dirs = gitDirsOf(path);
  if (!dirs || !dirs.gitDir.startsWith(`${resolve(repoPath)}/worktrees/`) || dirs.commonDir !== resolve(repoPath)) return false;
  const back = read(join(dirs.gitDir, 'gitdir'));
  return typeof back === 'string' && resolve(back.trim()) === join(resolve(path), '.git');
}
