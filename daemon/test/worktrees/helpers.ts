import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pino from 'pino';
import type { Test } from 'tap';
import { git, type Identity } from '../../src/worktrees/git.ts';
import { createRepositoryStore, createWorktreePool, type RepositoryRef, type WorktreePoolOptions } from '../../src/worktrees/index.ts';

export const log = pino({ level: 'silent' });
export const author: Identity = { name: 'Test Agent', email: 'agent@example.test' };
const authorEnv = { GIT_AUTHOR_NAME: author.name, GIT_AUTHOR_EMAIL: author.email, GIT_COMMITTER_NAME: author.name, GIT_COMMITTER_EMAIL: author.email };

/** A temp dir removed when the test ends. */
export function tempDir(t: Test, prefix = 'su-wt-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function writeFiles(root: string, files: Record<string, string>) {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

/** A bare "remote" on disk with one commit on `main`, and a normal clone of it to push from. */
export async function makeRemote(t: Test, files: Record<string, string> = { 'README.md': 'hello\n', 'src/app.ts': 'export {};\n', '.gitignore': '*.log\nnode_modules/\n' }) {
  const dir = tempDir(t, 'su-remote-');
  const remote = join(dir, 'remote.git');
  await git(dir, ['init', '--quiet', '--bare', '--initial-branch=main', remote]);
  const seed = join(dir, 'seed');
  await git(dir, ['init', '--quiet', '--initial-branch=main', seed]);
  writeFiles(seed, files);
  await git(seed, ['remote', 'add', 'origin', remote]);
  await commitAndPush(seed, 'initial commit', 'main');
  return { dir, remote, url: `file://${remote}`, seed };
}

/** Commits everything in a normal clone and pushes the branch to origin. */
export async function commitAndPush(repo: string, message: string, branch: string) {
  await git(repo, ['add', '--all']);
  await git(repo, ['commit', '--quiet', '-m', message], { env: authorEnv });
  await git(repo, ['push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`]);
  return (await git(repo, ['rev-parse', 'HEAD'])).stdout;
}

export const remoteSha = async (remote: string, branch: string) => (await git(remote, ['rev-parse', `refs/heads/${branch}`])).stdout;

export async function makePool(t: Test, home: string, opts: Partial<WorktreePoolOptions> = {}) {
  const store = opts.store ?? createRepositoryStore({ home, log });
  const pool = await createWorktreePool({ home, store, maxWorktreesPerRepo: 4, diskCapBytes: 1e12, keepPaths: ['node_modules'], log, ...opts });
  t.teardown(() => pool.close());
  return { pool, store };
}

let n = 0;
export const request = (repository: RepositoryRef, branch: string, baseBranch = 'main') => ({
  repository, branch, baseBranch, missionId: `M${++n}`, attemptId: `A${n}`,
});
