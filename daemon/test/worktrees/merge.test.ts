import { readdirSync } from 'node:fs';
import t, { type Test } from 'tap';
import { commitAll, git, push, revParse, status, worktreeList } from '../../src/worktrees/git.ts';
import { abortMerge, filesWithMarkers, mergeAndPush, mergeTargetInto } from '../../src/worktrees/index.ts';
import { author, commitAndPush, makePool, makeRemote, remoteSha, request, tempDir, writeFiles } from './helpers.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

async function missionWithPushedWork(t: Test, files: Record<string, string>) {
  const remote = await makeRemote(t);
  const home = tempDir(t);
  const { pool, store } = await makePool(t, home);
  const lease = await pool.acquire(request({ id: 'R1', url: remote.url, defaultBranch: 'main' }, 'su/feature'));
  writeFiles(lease.path, files);
  const sha = (await commitAll(lease.path, 'the agent did it', author))!;
  await push(lease.path, 'su/feature', { setUpstream: true });
  return { ...remote, lease, sha, repoPath: store.pathOf('R1') };
}

t.test('mergeAndPush merges the pushed branch into the target and pushes it', async (t) => {
  const { remote, seed, lease, sha, repoPath } = await missionWithPushedWork(t, { 'feature.txt': 'new\n' });
  writeFiles(seed, { 'other.txt': 'meanwhile on main\n' });
  const mainBefore = await commitAndPush(seed, 'meanwhile', 'main');
  const tmpDir = tempDir(t);

  const result = await mergeAndPush(repoPath, 'su/feature', 'main', { tmpDir });
  t.ok(result.ok);
  if (!result.ok) return;
  t.equal(await remoteSha(remote, 'main'), result.sha, 'pushed');
  t.equal((await git(remote, ['rev-parse', `${result.sha}^1`, `${result.sha}^2`])).stdout, `${mainBefore}\n${sha}`, 'a merge of both');
  t.equal((await git(remote, ['show', `${result.sha}:feature.txt`])).stdout, 'new');
  t.same(readdirSync(tmpDir), [], 'the temporary worktree is gone');
  t.equal((await git(lease.path, ['symbolic-ref', '--short', 'HEAD'])).stdout, 'su/feature', 'the mission worktree is untouched');
  t.same(await status(lease.path), []);
});

t.test('a conflict is reported with its files, nothing is pushed and no merge is left half done', async (t) => {
  const { remote, seed, repoPath } = await missionWithPushedWork(t, { 'README.md': 'the agent says hi\n', 'src/app.ts': 'export const x = 1;\n' });
  writeFiles(seed, { 'README.md': 'a human says hello\n', 'src/app.ts': 'export const y = 2;\n' });
  const mainBefore = await commitAndPush(seed, 'conflicting', 'main');
  const tmpDir = tempDir(t);

  t.same(await mergeAndPush(repoPath, 'su/feature', 'main', { tmpDir }), { ok: false, conflict: true, files: ['README.md', 'src/app.ts'] });
  t.equal(await remoteSha(remote, 'main'), mainBefore, 'main untouched');
  t.same(readdirSync(tmpDir), []);
  t.same((await worktreeList(repoPath)).filter((w) => !w.path.includes('/worktrees/R1/') && !w.bare), [], 'no temporary worktree registered');
  t.equal(await revParse(repoPath, 'MERGE_HEAD'), undefined);
  const again = await mergeAndPush(repoPath, 'su/feature', 'main', { tmpDir });
  t.same(again, { ok: false, conflict: true, files: ['README.md', 'src/app.ts'] }, 'the same answer again: no state left behind');

  await t.rejects(mergeAndPush(repoPath, 'su/nope', 'main', { tmpDir }), /no branch su\/nope/);
});

t.test('mergeTargetInto: a clean update is committed at once; a conflicting one is left for the agent, files named', async (t) => {
  const { seed, lease, sha } = await missionWithPushedWork(t, { 'README.md': 'the mission’s readme\n' });
  writeFiles(seed, { 'other.txt': 'meanwhile on main\n' });
  const other = await commitAndPush(seed, 'other file on main', 'main');
  await git(lease.path, ['fetch', '--quiet', 'origin']);
  const update = await mergeTargetInto(lease.path, 'main', author);
  t.match(update, { clean: true, targetCommit: other });
  t.equal((await git(lease.path, ['rev-list', '--parents', '-n', '1', 'HEAD'])).stdout.split(' ').length, 3, 'a merge commit');
  t.equal(await revParse(lease.path, 'HEAD^1'), sha);

  writeFiles(seed, { 'README.md': 'main’s readme\n' });
  const conflicting = await commitAndPush(seed, 'same lines on main', 'main');
  await git(lease.path, ['fetch', '--quiet', 'origin']);
  const head = await revParse(lease.path, 'HEAD');
  const left = await mergeTargetInto(lease.path, 'main', author);
  t.same(left, { clean: false, targetCommit: conflicting, files: ['README.md'] });
  t.same(await filesWithMarkers(lease.path, ['README.md', 'gone.txt']), ['README.md'], 'markers found; a missing file counts as resolved');
  await abortMerge(lease.path);
  t.equal(await revParse(lease.path, 'HEAD'), head, 'abort leaves the branch as it was');
  t.same(await status(lease.path), []);
});
