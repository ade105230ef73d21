import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DAEMON_IDENTITY, fetch, git, GitError, type Identity, NO_AUTO_MAINTENANCE, resolveRefs, revParse, worktreeAdd, worktreeRemove } from './git.ts';

export type MergeResult = { ok: true; sha: string } | { ok: false; conflict: true; files: string[] };

export interface MergeOptions {
  /** Who the merge commit is by; the daemon's own identity by default. */
  author?: Identity;
  message?: string;
  /** Where the temporary worktree goes (the OS temp dir by default). */
  tmpDir?: string;
}

/**
 * Merges `sourceBranch` into `targetBranch` and pushes the target. Runs in a temporary detached
 * worktree so no mission worktree is touched; on a conflict the merge is aborted, nothing is
 * pushed and the conflicting paths are returned. The source is what was pushed (`origin/<source>`),
 * or the local branch when it was never pushed. A push refused because the target moved meanwhile
 * is a GitError (retryable by calling again).
 */
export async function mergeAndPush(repoPath: string, sourceBranch: string, targetBranch: string, opts: MergeOptions = {}): Promise<MergeResult> {
  await fetch(repoPath);
  const refs = await resolveRefs(repoPath, [`refs/remotes/origin/${sourceBranch}`, `refs/heads/${sourceBranch}`, `refs/remotes/origin/${targetBranch}`]);
  const source = refs.get(`refs/remotes/origin/${sourceBranch}`) ?? refs.get(`refs/heads/${sourceBranch}`);
  const target = refs.get(`refs/remotes/origin/${targetBranch}`);
  if (!source) throw new Error(`mergeAndPush: no branch ${sourceBranch} in ${repoPath}`);
  if (!target) throw new Error(`mergeAndPush: no branch ${targetBranch} on origin of ${repoPath}`);

  const dir = await mkdtemp(join(opts.tmpDir ?? tmpdir(), 'su-merge-'));
  const path = join(dir, 'wt');
  await worktreeAdd(repoPath, path, target);
  try {
    const who = opts.author ?? DAEMON_IDENTITY;
    const message = opts.message ?? `Merge branch '${sourceBranch}' into ${targetBranch}`;
    const merge = await git(path, [...NO_AUTO_MAINTENANCE, 'merge', '--no-ff', '--no-edit', '-m', message, source], {
      okCodes: [1],
      env: { GIT_AUTHOR_NAME: who.name, GIT_AUTHOR_EMAIL: who.email, GIT_COMMITTER_NAME: who.name, GIT_COMMITTER_EMAIL: who.email },
    });
    if (merge.exitCode !== 0) {
      const files = (await git(path, ['diff', '--name-only', '--diff-filter=U', '-z'])).stdout.split('\0').filter(Boolean);
      await git(path, ['merge', '--abort']).catch(() => undefined);
      if (files.length === 0) throw new GitError(`git merge ${source}`, path, merge.exitCode, 'merge failed without conflicting paths');
      return { ok: false, conflict: true, files };
    }
    const sha = (await revParse(path, 'HEAD'))!;
    await git(path, ['push', '--quiet', 'origin', `${sha}:refs/heads/${targetBranch}`], { timeoutMs: 15 * 60_000 });
    return { ok: true, sha };
  } finally {
    await worktreeRemove(repoPath, path).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

export type UpdateResult =
  | { clean: true; targetCommit: string; sha: string | null }
  | { clean: false; targetCommit: string; files: string[] };

/**
 * Brings a mission worktree's branch up to date with `origin/<targetBranch>` (already fetched by
 * the pool's acquire). A clean merge is committed at once (`sha`; null when the branch already had
 * the target). A conflicting one is left in progress, conflict markers in `files`, for an agent to
 * resolve: the commit after it concludes the merge. `abortMerge` undoes a merge left in progress.
 */
export async function mergeTargetInto(path: string, targetBranch: string, author: Identity = DAEMON_IDENTITY): Promise<UpdateResult> {
  const targetCommit = await revParse(path, `refs/remotes/origin/${targetBranch}`);
  if (!targetCommit) throw new Error(`mergeTargetInto: no branch ${targetBranch} on origin`);
  const env = { GIT_AUTHOR_NAME: author.name, GIT_AUTHOR_EMAIL: author.email, GIT_COMMITTER_NAME: author.name, GIT_COMMITTER_EMAIL: author.email };
  const before = await revParse(path, 'HEAD');
  const merge = await git(path, [...NO_AUTO_MAINTENANCE, 'merge', '--no-ff', '--no-edit', '-m', `Merge ${targetBranch} (${targetCommit.slice(0, 12)}) into the mission branch`, targetCommit], { okCodes: [1], env });
  if (merge.exitCode === 0) {
    const after = await revParse(path, 'HEAD');
    return { clean: true, targetCommit, sha: after === before ? null : after! };
  }
  const files = (await git(path, ['diff', '--name-only', '--diff-filter=U', '-z'])).stdout.split('\0').filter(Boolean);
  if (files.length === 0) {
    await abortMerge(path);
    throw new GitError(`git merge ${targetCommit}`, path, merge.exitCode, 'merge failed without conflicting paths');
  }
  return { clean: false, targetCommit, files };
}

export async function abortMerge(path: string): Promise<void> {
  await git(path, ['merge', '--abort']).catch(() => undefined);
}

/** Conflict markers git writes (`<<<<<<< `, `=======`, `>>>>>>> `), at the start of a line. */
const MARKER = /^(<{7} |={7}$|>{7} )/m;

/** The files of `files` that still hold conflict markers (missing files count as resolved: deleted). */
export async function filesWithMarkers(path: string, files: readonly string[]): Promise<string[]> {
  const left: string[] = [];
  for (const file of files) {
    const text = await readFile(join(path, file), 'utf8').catch(() => '');
    if (MARKER.test(text)) left.push(file);
  }
  return left;
}
