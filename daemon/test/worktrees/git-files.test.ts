import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import t, { type Test } from 'tap';
import { commitAll, git, resolveRefs, revParse } from '../../src/worktrees/git.ts';
import { gitDirsOf, isLinkedWorktree, readBranchRef, readHead } from '../../src/worktrees/git-files.ts';
import { author, makePool, makeRemote, request, tempDir, writeFiles } from './helpers.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

/** What git itself says a ref is (undefined: no such ref). */
const gitSays = async (path: string, ref: string) => {
  const { stdout, exitCode } = await git(path, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { okCodes: [1] });
  return exitCode === 0 ? stdout : undefined;
};

/** A leased worktree of a pooled bare clone, with a second branch pushed to the remote. */
async function setup(t: Test) {
  const remote = await makeRemote(t);
  await git(remote.seed, ['push', '--quiet', 'origin', 'HEAD:refs/heads/other']);
  const { pool, store } = await makePool(t, tempDir(t));
  const repository = { id: 'R1', url: remote.url, defaultBranch: 'main' };
  const lease = await pool.acquire(request(repository, 'su/files'));
  return { lease, repoPath: store.pathOf('R1'), remote };
}

t.test('branch refs and HEAD read from the files equal what git says: loose, packed, absent, after a commit', async (t) => {
  const { lease, repoPath } = await setup(t);
  const dirs = gitDirsOf(lease.path)!;
  t.ok(dirs, 'a pooled worktree is readable');
  t.equal(dirs.commonDir, repoPath, "the worktree's refs live in the bare clone");
  const refs = ['refs/remotes/origin/main', 'refs/remotes/origin/other', 'refs/heads/su/files'];
  for (const ref of refs) t.equal(readBranchRef(dirs.commonDir, ref), await gitSays(repoPath, ref), `${ref}, loose`);
  t.equal(readHead(lease.path), await gitSays(lease.path, 'HEAD'), 'HEAD on the mission branch');
  t.equal(readBranchRef(dirs.commonDir, 'refs/heads/nope'), null, 'an absent branch is null, not unsure');

  await git(repoPath, ['pack-refs', '--all']);
  for (const ref of refs) t.equal(readBranchRef(dirs.commonDir, ref), await gitSays(repoPath, ref), `${ref}, packed`);
  t.equal(readBranchRef(dirs.commonDir, 'refs/heads/nope'), null, 'absent from packed-refs too');

  writeFiles(lease.path, { 'new.txt': 'work\n' });
  const sha = await commitAll(lease.path, 'work', author);
  t.equal(sha, await gitSays(lease.path, 'HEAD'), 'the sha commitAll reports is the commit git made');
  t.equal(readHead(lease.path), sha, 'HEAD follows the new commit (a loose ref over the packed one)');
  t.not(sha, readBranchRef(dirs.commonDir, 'refs/remotes/origin/main'));

  await git(lease.path, ['checkout', '--quiet', '--detach']);
  t.equal(readHead(lease.path), sha, 'a detached HEAD');
  t.same(await resolveRefs(repoPath, [...refs, 'refs/heads/nope']), new Map(await Promise.all(refs.map(async (r) => [r, (await gitSays(repoPath, r))!] as const))), 'resolveRefs leaves absent names out');
});

t.test('what the files cannot settle is left to git, which still answers right', async (t) => {
  const { lease, repoPath } = await setup(t);
  const main = await gitSays(repoPath, 'refs/remotes/origin/main');
  // A symbolic ref: the loose file says `ref: …`.
  await git(repoPath, ['symbolic-ref', 'refs/heads/alias', 'refs/remotes/origin/main']);
  t.equal(readBranchRef(repoPath, 'refs/heads/alias'), undefined, 'a symbolic ref is unsure');
  t.equal(await revParse(repoPath, 'refs/heads/alias'), main, 'git resolves it');
  t.same([...(await resolveRefs(repoPath, ['refs/heads/alias', 'refs/remotes/origin/main'])).keys()].sort(), ['refs/heads/alias', 'refs/remotes/origin/main'], 'one unsure name sends the whole lookup to git');
  // Names the files must never be asked for.
  for (const name of ['refs/tags/v1', 'HEAD~1', 'refs/heads/../config', 'refs/heads/a//b', 'origin/main']) t.equal(readBranchRef(repoPath, name), undefined, name);
  // A garbage loose file.
  mkdirSync(join(repoPath, 'refs/heads/bad'), { recursive: true });
  writeFileSync(join(repoPath, 'refs/heads/bad/ref'), 'not a sha\n');
  t.equal(readBranchRef(repoPath, 'refs/heads/bad/ref'), undefined, 'odd content is unsure');
  // A directory where the name asks for a file.
  t.equal(readBranchRef(repoPath, 'refs/heads/bad'), undefined, 'a folder is unsure');
  // GIT_DIR in the environment changes what git reads: then only git answers.
  process.env.GIT_DIR = repoPath;
  t.teardown(() => delete process.env.GIT_DIR);
  t.equal(gitDirsOf(lease.path), undefined, 'GIT_DIR set: unsure');
  delete process.env.GIT_DIR;
  // A worktree whose entry in the repository is gone: not "no such branch", unsure (git errs there).
  const entry = gitDirsOf(lease.path)!.gitDir;
  renameSync(entry, `${entry}-gone`);
  t.equal(gitDirsOf(lease.path), undefined, 'a pruned worktree is unsure');
  t.equal(readHead(lease.path), undefined);
  renameSync(`${entry}-gone`, entry);
  // A relative link (worktree.useRelativePaths): git resolves it from the real path, so git answers.
  const pointer = join(lease.path, '.git');
  const absolute = readFileSync(pointer, 'utf8');
  writeFileSync(pointer, `gitdir: ${relative(lease.path, entry)}\n`);
  t.equal(gitDirsOf(lease.path), undefined, 'a relative gitdir is unsure');
  writeFileSync(pointer, absolute);
  // An annotated tag where a branch ref is expected, packed with its peeled line.
  await git(repoPath, ['-c', 'user.name=t', '-c', 'user.email=t@example.test', 'tag', '-a', '-m', 'v1', 'v1', main!]);
  const tagObject = (await git(repoPath, ['rev-parse', 'refs/tags/v1'])).stdout;
  await git(repoPath, ['update-ref', 'refs/remotes/origin/tagged', tagObject]);
  await git(repoPath, ['pack-refs', '--all']);
  t.equal(readBranchRef(repoPath, 'refs/remotes/origin/tagged'), undefined, 'a packed ref with a peeled line is unsure');
  t.equal(await revParse(repoPath, 'refs/remotes/origin/tagged'), main, 'git peels it to the commit');
  // The reftable backend keeps no loose refs.
  mkdirSync(join(repoPath, 'reftable'));
  t.equal(gitDirsOf(repoPath), undefined, 'a reftable repository is unsure');
  t.equal(readHead(lease.path), undefined, 'and so is HEAD in its worktrees');
});

t.test('a worktree counts as linked only when both of its links hold', async (t) => {
  const { lease, repoPath } = await setup(t);
  t.ok(isLinkedWorktree(repoPath, lease.path), 'a pooled worktree');
  t.notOk(isLinkedWorktree(repoPath, join(lease.path, 'nope')), 'not a worktree');
  t.notOk(isLinkedWorktree(tempDir(t), lease.path), 'a worktree of another repository');
  // Its entry in the repository moved away (as after a prune): the link back is broken.
  const entry = gitDirsOf(lease.path)!.gitDir;
  renameSync(entry, `${entry}-moved`);
  t.notOk(isLinkedWorktree(repoPath, lease.path), 'the repository lost its entry');
  renameSync(`${entry}-moved`, entry);
  // The entry points at another folder.
  writeFileSync(join(entry, 'gitdir'), '/somewhere/else/.git\n');
  t.notOk(isLinkedWorktree(repoPath, lease.path), 'the entry names another folder');
});

t.test('a pooled worktree whose link broke is recreated on the next acquire', async (t) => {
  const remote = await makeRemote(t);
  const { pool, store } = await makePool(t, tempDir(t));
  const repository = { id: 'R1', url: remote.url, defaultBranch: 'main' };
  const first = await pool.acquire(request(repository, 'su/one'));
  await pool.release(first);
  // The repository forgot the worktree (its entry is gone), though the folder is still there.
  const entry = gitDirsOf(first.path)!.gitDir;
  await git(store.pathOf('R1'), ['worktree', 'prune']);
  renameSync(entry, `${entry}-gone`);
  const again = await pool.acquire(request(repository, 'su/two'));
  t.equal(again.path, first.path, 'the same pooled folder');
  t.ok(isLinkedWorktree(store.pathOf('R1'), again.path), 'linked again');
  t.equal(await gitSays(again.path, 'HEAD'), await gitSays(store.pathOf('R1'), 'refs/heads/su/two'), 'on the new branch, as git sees it');
});

t.test('whatever an agent writes into the git files, the readers never throw and never invent a sha', async (t) => {
  const { default: fc } = await import('fast-check');
  const { lease, repoPath } = await setup(t);
  const entry = gitDirsOf(lease.path)!.gitDir;
  const files = { pointer: join(lease.path, '.git'), head: join(entry, 'HEAD'), packed: join(repoPath, 'packed-refs'), loose: join(repoPath, 'refs/heads/su/files') };
  const originals = Object.fromEntries(Object.entries(files).map(([k, f]) => [k, readFileSync(f, 'utf8')]));
  t.teardown(() => Object.entries(files).forEach(([k, f]) => writeFileSync(f, originals[k]!)));
  const untouched = (await gitSays(repoPath, 'refs/remotes/origin/main'))!; // a loose ref left as git wrote it
  const sha = fc.constantFrom('a'.repeat(40), 'B'.repeat(40), 'c'.repeat(64), 'd'.repeat(39));
  const content = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.tuple(sha, fc.constantFrom('', '\n', '\r\n', ' refs/heads/su/files\n', ' refs/heads/su/files\n^' + 'e'.repeat(40) + '\n')).map(([s, tail]) => s + tail),
    fc.constantFrom('ref: refs/heads/su/files\n', 'ref: refs/heads/../../config\n', `gitdir: ${entry}\n`, 'gitdir: ../x\n', 'gitdir: /\n', '\0\0\0', '# pack-refs with: peeled\n'),
  );
  fc.assert(fc.property(fc.record({ pointer: content, head: content, packed: content, loose: content }), (written) => {
    for (const [k, f] of Object.entries(files)) writeFileSync(f, written[k as keyof typeof written]);
    const seen = [...Object.values(written), untouched].join('\n');
    for (const answer of [readHead(lease.path), readBranchRef(repoPath, 'refs/heads/su/files'), readBranchRef(repoPath, 'refs/remotes/origin/main')]) {
      if (answer === undefined || answer === null) continue;
      // A sha only ever comes from what is in the files, whole and well-formed.
      if (!/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(answer) || !seen.includes(answer)) return false;
    }
    isLinkedWorktree(repoPath, lease.path);
    return true;
  }), { numRuns: 300 });
  t.pass('300 hostile writes read without a throw or an invented sha');
});
