import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DAEMON_IDENTITY, fetch, git, GitError, type Identity, resolveRefs, revParse, worktreeAdd, worktreePrune, worktreeRemove } from './git.ts';

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
    const merge = await git(path, ['merge', '--no-ff', '--no-edit', '-m', message, source], {
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
    await worktreePrune(repoPath).catch(() => undefined);
  }
}
