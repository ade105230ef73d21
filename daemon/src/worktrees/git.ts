import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { clipTextStart } from '@solo-unicorn/shared';
import { gitDirsOf, readBranchRef, readHeadIn } from './git-files.ts';
import { createLocks } from './locks.ts';
import { runProcess } from './run-process.ts';

/** A git command that failed: what ran, where, its exit code and the end of its stderr. */
export class GitError extends Error {
  readonly code = 'SU_ERR_GIT_FAILED';
  constructor(
    readonly command: string,
    readonly cwd: string,
    readonly exitCode: number | undefined,
    readonly stderrTail: string,
  ) {
    super(`${command} failed${exitCode === undefined ? '' : ` (exit ${exitCode})`}: ${stderrTail || 'no output'}`);
    this.name = 'GitError';
  }

  /** Network trouble or a busy lock: worth another try later. Anything else is the repo's state. */
  get retryable(): boolean {
    return /could not resolve host|connection (refused|reset|timed out)|timed out|early eof|the remote end hung up|HTTP\/?[\d.]* 5\d\d|returned error: 5\d\d|unable to access|cannot lock ref|index\.lock|Unable to create .*\.lock/i.test(this.stderrTail);
  }
}

export interface Identity {
  name: string;
  email: string;
}

/** Used for merges when the caller names nobody. */
export const DAEMON_IDENTITY: Identity = { name: 'Solo Unicorn', email: 'daemon@solo-unicorn.invalid' };

/** Network commands (clone, fetch, push) give up after this long; local ones have no limit. */
const NETWORK_TIMEOUT_MS = 15 * 60_000;

interface RunOptions {
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Exit codes that are answers, not failures (`diff --quiet` → 1). */
  okCodes?: number[];
}

/** Runs git; never prompts (GIT_TERMINAL_PROMPT=0); messages in C locale so stderr can be matched. */
export async function git(cwd: string, args: string[], opts: RunOptions = {}): Promise<{ stdout: string; exitCode: number }> {
  const result = await runProcess('git', args, {
    cwd, timeoutMs: opts.timeoutMs,
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...opts.env },
  });
  const exitCode = result.exitCode ?? -1;
  if (!result.failure && (exitCode === 0 || opts.okCodes?.includes(exitCode))) return { stdout: result.stdout, exitCode };
  const stderr = result.failure || result.stderr || result.stdout;
  throw new GitError(`git ${args.join(' ')}`, cwd, result.exitCode, clipTextStart(stderr.trim().split('\n').slice(-8).join('\n'), 2000, ''));
}

const identityEnv = (who: Identity) => ({
  GIT_AUTHOR_NAME: who.name, GIT_AUTHOR_EMAIL: who.email, GIT_COMMITTER_NAME: who.name, GIT_COMMITTER_EMAIL: who.email,
});

/**
 * A bare clone whose fetch refspec fills `refs/remotes/origin/*` like a normal clone: no working
 * tree of its own (worktrees are the working trees), and `origin/<branch>` means what it usually does.
 */
export async function cloneBare(url: string, path: string): Promise<void> {
  await git(process.cwd(), ['clone', '--bare', '--quiet', '--', url, path], { timeoutMs: NETWORK_TIMEOUT_MS });
  await git(path, ['config', 'remote.origin.fetch', '+refs/heads/*:refs/remotes/origin/*']);
  await fetchNow(path);
}

/** A normal clone (with its own working tree), for callers and tests that need one. */
export async function clone(url: string, path: string): Promise<void> {
  await git(process.cwd(), ['clone', '--quiet', '--', url, path], { timeoutMs: NETWORK_TIMEOUT_MS });
}

/**
 * Commits and merges run `git maintenance run --auto` after their work, one more process on the
 * mission's path for every commit; the janitor runs it instead (`maintain`: after each release, and in gc).
 */
export const NO_AUTO_MAINTENANCE = ['-c', 'maintenance.auto=false'] as const;

// Fetches skip it too (`--no-auto-maintenance`), for the same reason.
/**
 * Fetches and worktree additions and removals of one repository never overlap. `git worktree add`
 * writes the new worktree's HEAD as the null object id until its checkout sets it, and a fetch
 * that brings objects checks them against every ref of every worktree: seeing that HEAD, it fails
 * with "bad object worktrees/<id>/HEAD … did not send all necessary objects". Two missions of one
 * repository starting together on a workstation did exactly that.
 */
const worktreeAdmin = createLocks();
const underWorktreeAdmin = <T>(repo: string, fn: () => Promise<T>) => worktreeAdmin.run(resolve(repo), fn);

const fetchNow = (repo: string) =>
  underWorktreeAdmin(repo, () => git(repo, ['fetch', '--quiet', '--prune', '--no-auto-maintenance', 'origin'], { timeoutMs: NETWORK_TIMEOUT_MS })).then(() => undefined);

/** Packs loose objects and refs when git thinks it is time (what fetch would otherwise trigger). */
export async function maintain(repo: string): Promise<void> {
  await git(repo, ['maintenance', 'run', '--auto', '--quiet']);
}

/**
 * Fetches origin. Concurrent fetches of one repository would fail on ref locks, so they are
 * serialised: a caller arriving while one runs shares the *next* run, which starts after it
 * (a fetch that began before the call could miss what the caller needs).
 */
const fetches = new Map<string, { current: Promise<void>; next?: Promise<void> }>();
export function fetch(repo: string): Promise<void> {
  const slot = fetches.get(repo);
  if (slot) return (slot.next ??= slot.current.catch(() => undefined).then(() => runQueued(repo)));
  const current = fetchNow(repo).finally(() => advance(repo));
  fetches.set(repo, { current });
  return current;
}
function runQueued(repo: string): Promise<void> {
  const slot = fetches.get(repo)!;
  slot.current = slot.next!;
  slot.next = undefined;
  return fetchNow(repo).finally(() => advance(repo));
}
function advance(repo: string) {
  if (!fetches.get(repo)?.next) fetches.delete(repo);
}

/**
 * A detached worktree at a commit. Only git's registration of it runs under the repository's
 * worktree lock (that is when its HEAD is the null id); its files are checked out after, so a
 * fetch need not wait for a large checkout.
 */
export async function worktreeAdd(repo: string, path: string, commitish: string): Promise<void> {
  await underWorktreeAdmin(repo, () => git(repo, ['worktree', 'add', '--quiet', '--no-checkout', '--detach', path, commitish]));
  await git(path, ['reset', '--quiet', '--hard']);
}

/**
 * Removes a worktree, whatever it holds: its folder first, outside the worktree lock (a tree of
 * kept dependencies takes a while to delete, and fetches would wait), then git's record of it.
 */
export async function worktreeRemove(repo: string, path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
  await worktreePrune(repo);
}

export async function worktreePrune(repo: string): Promise<void> {
  await underWorktreeAdmin(repo, () => git(repo, ['worktree', 'prune']));
}

export interface WorktreeEntry {
  path: string;
  head?: string;
  /** Short name (`main`), absent when detached. */
  branch?: string;
  bare: boolean;
  /** Git's own verdict: its directory is gone. */
  prunable: boolean;
}

export async function worktreeList(repo: string): Promise<WorktreeEntry[]> {
  const { stdout } = await git(repo, ['worktree', 'list', '--porcelain']);
  return stdout.split('\n\n').filter((block) => block.trim()).map((block) => {
    const entry: WorktreeEntry = { path: '', bare: false, prunable: false };
    for (const line of block.split('\n')) {
      const [key, ...rest] = line.split(' ');
      const value = rest.join(' ');
      if (key === 'worktree') entry.path = value;
      else if (key === 'HEAD') entry.head = value;
      else if (key === 'branch') entry.branch = value.replace(/^refs\/heads\//, '');
      else if (key === 'bare') entry.bare = true;
      else if (key === 'prunable') entry.prunable = true;
    }
    return entry;
  });
}

/** `checkout -f -B`: local edits and untracked files in the way are overwritten, on purpose. */
export async function checkoutBranch(path: string, branch: string, startPoint: string): Promise<void> {
  await git(path, ['checkout', '--quiet', '--force', '-B', branch, startPoint]);
}

export async function detach(path: string): Promise<void> {
  await git(path, ['checkout', '--quiet', '--detach']);
}

export async function resetHard(path: string, commitish = 'HEAD'): Promise<void> {
  await git(path, ['reset', '--quiet', '--hard', commitish]);
}

/** Removes untracked and ignored files and nested repos, except paths matching `keep` (gitignore patterns). */
export async function clean(path: string, keep: readonly string[] = []): Promise<void> {
  await git(path, ['clean', '-ffdxq', ...keep.flatMap((p) => ['-e', p])]);
}

export interface StatusEntry {
  /** Two-letter porcelain code, e.g. ` M`, `??`. */
  code: string;
  path: string;
}

export async function status(path: string): Promise<StatusEntry[]> {
  const { stdout } = await git(path, ['status', '--porcelain=v1', '-z', '--untracked-files=all']);
  const parts = stdout.split('\0').filter(Boolean);
  const entries: StatusEntry[] = [];
  for (let i = 0; i < parts.length; i++) {
    const code = parts[i]!.slice(0, 2);
    entries.push({ code, path: parts[i]!.slice(3) });
    if (code.includes('R') || code.includes('C')) i++; // -z puts the rename's source next
  }
  return entries;
}

/** The commit a ref names, or undefined when there is no such ref. HEAD and branch refs are read from their files when they can be (git-files.ts). */
export async function revParse(path: string, ref: string): Promise<string | undefined> {
  const [fromFiles] = fileRefs(path, [ref]);
  if (fromFiles !== undefined) return fromFiles ?? undefined;
  const { stdout, exitCode } = await git(path, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { okCodes: [1] });
  return exitCode === 0 ? stdout.trim() : undefined;
}

/** Exact refs → commits for the names that exist (from their files, else one process for them all). */
export async function resolveRefs(path: string, refs: string[]): Promise<Map<string, string>> {
  const fromFiles = fileRefs(path, refs);
  if (fromFiles.every((sha) => sha !== undefined)) return new Map(refs.flatMap((ref, i) => (fromFiles[i] ? [[ref, fromFiles[i]] as const] : [])));
  const { stdout } = await git(path, ['for-each-ref', '--format=%(refname) %(objectname)', ...refs]);
  const wanted = new Set(refs);
  const found = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const [name, sha] = line.split(' ');
    if (name && sha && wanted.has(name)) found.set(name, sha);
  }
  return found;
}

/**
 * Stages everything (but `exclude`) and commits it; null when there is nothing to commit. Hooks are skipped:
 * a daemon commit must not hang on an interactive hook nor fail on a developer's lint step.
 */
export async function commitAll(path: string, message: string, author: Identity, opts: { exclude?: readonly string[] } = {}): Promise<string | null> {
  // Excluded paths are never staged (what is already tracked there stays as committed).
  const exclude = opts.exclude?.length ? ['--', '.', ...opts.exclude.map((p) => `:(exclude,top)${p}`)] : [];
  await git(path, ['add', '--all', ...exclude]);
  // `git commit` says "nothing to commit" itself (exit 1); only then is the index asked, so an
  // ordinary commit costs no extra process. The slow path keeps other failures loud.
  const committed = await git(path, [...NO_AUTO_MAINTENANCE, 'commit', '--quiet', '--no-verify', '-m', message], { env: identityEnv(author), okCodes: [1] });
  if (committed.exitCode === 1) {
    const { exitCode } = await git(path, ['diff', '--cached', '--quiet'], { okCodes: [1] });
    if (exitCode === 0) return null;
    throw new GitError('git commit', path, 1, committed.stdout || 'commit failed');
  }
  return (await revParse(path, 'HEAD'))!;
}

/** Per ref: a sha, null for "no such ref", undefined when only git can say (the git dirs found once). */
function fileRefs(path: string, refs: readonly string[]): (string | null | undefined)[] {
  const dirs = gitDirsOf(path);
  return refs.map((ref) => dirs && (ref === 'HEAD' ? readHeadIn(dirs) : readBranchRef(dirs.commonDir, ref)));
}

export interface PushOptions {
  setUpstream: boolean;
  /** true: refuse unless the remote is where we last saw it; a sha: unless it is at that sha. */
  forceWithLease?: boolean | string;
}

export async function push(path: string, branch: string, opts: PushOptions): Promise<void> {
  const args = ['push', '--quiet', '--porcelain'];
  if (opts.setUpstream) args.push('--set-upstream');
  if (opts.forceWithLease === true) args.push(`--force-with-lease=refs/heads/${branch}`);
  else if (typeof opts.forceWithLease === 'string') args.push(`--force-with-lease=refs/heads/${branch}:${opts.forceWithLease}`);
  args.push('origin', `refs/heads/${branch}:refs/heads/${branch}`);
  await git(path, args, { timeoutMs: NETWORK_TIMEOUT_MS });
}

/** How many commits of the local branch are on no remote-tracking branch (0 when it does not exist). */
export async function unpushedCommitCount(path: string, branch: string): Promise<number> {
  if (!(await revParse(path, `refs/heads/${branch}`))) return 0;
  const { stdout } = await git(path, ['rev-list', '--count', `refs/heads/${branch}`, '--not', '--remotes']);
  return Number.parseInt(stdout, 10);
}

export async function hasUnpushedCommits(path: string, branch: string): Promise<boolean> {
  return (await unpushedCommitCount(path, branch)) > 0;
}

export async function deleteBranch(repo: string, branch: string): Promise<void> {
  await git(repo, ['branch', '--quiet', '-D', branch]);
}
