import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { commitAll, git, push, revParse, status } from '../../src/worktrees/git.ts';
import { author, commitAndPush, makePool, makeRemote, remoteSha, request, tempDir, writeFiles } from './helpers.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

t.test('a warm acquire is a clean worktree on the mission branch at origin/main', async (t) => {
  const { url, remote, seed } = await makeRemote(t);
  const home = tempDir(t);
  const { pool } = await makePool(t, home);
  const repository = { id: 'R1', url, defaultBranch: 'main' };
  t.equal(await pool.warm(repository, 2), 2);
  t.equal(await pool.warm(repository, 2), 0, 'warm tops up, it does not pile up');
  writeFiles(seed, { 'later.txt': 'pushed after the clone\n' });
  const main = await commitAndPush(seed, 'later', 'main');

  const lease = await pool.acquire(request(repository, 'su/mission-1'));
  t.equal(pool.list().length, 2, 'a warm worktree was used, none created');
  t.equal(lease.headBefore, main, 'fetched: starts at the current origin/main');
  t.equal(lease.resumed, false);
  t.equal((await git(lease.path, ['symbolic-ref', '--short', 'HEAD'])).stdout, 'su/mission-1');
  t.equal(await revParse(lease.path, 'HEAD'), main);
  t.same(await status(lease.path), [], 'clean');
  t.ok(existsSync(join(lease.path, 'later.txt')));
  t.equal(await remoteSha(remote, 'main'), main);
});

t.test('re-acquire wipes edits and untracked junk but spares keep-paths', async (t) => {
  const { url } = await makeRemote(t);
  const { pool } = await makePool(t, tempDir(t), { maxWorktreesPerRepo: 1 });
  const repository = { id: 'R1', url, defaultBranch: 'main' };
  const first = await pool.acquire(request(repository, 'su/a'));
  writeFiles(first.path, { 'README.md': 'scribbled\n', 'junk/x.txt': 'x', 'debug.log': 'ignored junk', 'node_modules/dep/index.js': 'cache' });
  await git(first.path, ['add', 'junk/x.txt']); // staged but never committed
  t.same((await pool.release(first)).state, 'free', 'uncommitted leftovers do not keep a worktree');

  const second = await pool.acquire(request(repository, 'su/b'));
  t.equal(second.path, first.path, 'the same worktree, reset');
  t.equal(readFileSync(join(second.path, 'README.md'), 'utf8'), 'hello\n');
  t.notOk(existsSync(join(second.path, 'junk')));
  t.notOk(existsSync(join(second.path, 'debug.log')), 'ignored files go too (-x)');
  t.equal(readFileSync(join(second.path, 'node_modules/dep/index.js'), 'utf8'), 'cache', 'keep-path survives');
  t.same(await status(second.path), []);
  t.equal(await revParse(second.path, 'refs/heads/su/a'), undefined, 'the released branch was deleted (keepBranch false)');
});

t.test('a retry of the same branch continues from what was pushed', async (t) => {
  const { url, remote } = await makeRemote(t);
  const { pool } = await makePool(t, tempDir(t));
  const repository = { id: 'R1', url, defaultBranch: 'main' };
  const first = await pool.acquire(request(repository, 'su/retry'));
  writeFiles(first.path, { 'work.txt': 'attempt 1\n' });
  const sha = await commitAll(first.path, 'attempt 1', author);
  t.ok(sha);
  t.equal(await commitAll(first.path, 'nothing', author), null, 'nothing to commit → null');
  await push(first.path, 'su/retry', { setUpstream: true });
  t.equal(await remoteSha(remote, 'su/retry'), sha);
  t.same(await pool.release(first), { state: 'free', unpushedCommits: 0 });

  const other = await pool.acquire(request(repository, 'su/other'));
  const again = await pool.acquire(request(repository, 'su/retry'));
  t.not(again.path, other.path);
  t.equal(again.headBefore, sha);
  t.equal(again.resumed, true);
  t.equal(readFileSync(join(again.path, 'work.txt'), 'utf8'), 'attempt 1\n');
});

t.test('two concurrent acquires never share a worktree', async (t) => {
  const { url } = await makeRemote(t);
  const { pool } = await makePool(t, tempDir(t));
  const repository = { id: 'R1', url, defaultBranch: 'main' };
  await pool.warm(repository, 1);
  const [a, b, c] = await Promise.all(['su/a', 'su/b', 'su/c'].map((b) => pool.acquire(request(repository, b))));
  t.equal(new Set([a!.path, b!.path, c!.path]).size, 3);
  t.same(pool.list().map((r) => r.state), ['leased', 'leased', 'leased']);
  await Promise.all([a, b, c].map((l) => pool.release(l!)));
  const [d, e] = await Promise.all(['su/d', 'su/e'].map((b) => pool.acquire(request(repository, b))));
  t.not(d!.path, e!.path, 'from the free ones too');
  t.equal(pool.list().length, 3, 'free ones reused, none created');
});

t.test('the count cap refuses a fifth lease instead of growing', async (t) => {
  const { url } = await makeRemote(t);
  const { pool } = await makePool(t, tempDir(t), { maxWorktreesPerRepo: 1 });
  const repository = { id: 'R1', url, defaultBranch: 'main' };
  await pool.acquire(request(repository, 'su/a'));
  await t.rejects(pool.acquire(request(repository, 'su/b')), { code: 'SU_ERR_WORKTREE_POOL_FULL' });
  await t.rejects(pool.acquire(request(repository, '--upload-pack=x')), { code: 'SU_ERR_WORKTREE_BRANCH_INVALID' });
});

t.test('unpushed commits keep a worktree: not reused, not evicted, resumed by its own branch', async (t) => {
  const { url, remote } = await makeRemote(t);
  const home = tempDir(t);
  const { pool } = await makePool(t, home, { diskCapBytes: 0 });
  const repository = { id: 'R1', url, defaultBranch: 'main' };
  const lease = await pool.acquire(request(repository, 'su/unpushed'));
  writeFiles(lease.path, { 'precious.txt': 'not pushed yet\n' });
  const sha = await commitAll(lease.path, 'precious', author);
  t.same(await pool.release(lease), { state: 'kept', unpushedCommits: 1 });

  const next = await pool.acquire(request(repository, 'su/next'));
  t.not(next.path, lease.path, 'a kept worktree is not handed to another branch');
  await pool.release(next); // disk cap 0: everything evictable goes, after a release or in gc
  const report = await pool.gc();
  t.same(report.kept, [lease.path]);
  t.notOk(existsSync(next.path), 'the free one was evicted');
  t.ok(existsSync(join(lease.path, 'precious.txt')), 'never evicted');
  t.equal(await revParse(lease.path, 'refs/heads/su/unpushed'), sha, 'the branch is still there');
  t.same(pool.list().map((r) => [r.path, r.state]), [[lease.path, 'kept']]);

  const resumed = await pool.acquire(request(repository, 'su/unpushed'));
  t.equal(resumed.path, lease.path);
  t.equal(resumed.headBefore, sha, 'continues from the unpushed commit');
  await push(resumed.path, 'su/unpushed', { setUpstream: true });
  t.equal(await remoteSha(remote, 'su/unpushed'), sha);
  t.same(await pool.release(resumed), { state: 'free', unpushedCommits: 0 }, 'pushed: free again');
});

t.test('a restarted pool over the same home sees its worktrees and reuses them', async (t) => {
  const { url } = await makeRemote(t);
  const home = tempDir(t);
  const repository = { id: 'R1', url, defaultBranch: 'main' };
  const before = await makePool(t, home);
  await before.pool.warm(repository, 1);
  const leased = await before.pool.acquire(request(repository, 'su/crashed')); // the daemon dies holding it
  writeFiles(leased.path, { 'half-done.txt': 'x' });
  const kept = await before.pool.acquire(request(repository, 'su/kept'));
  writeFiles(kept.path, { 'k.txt': 'k' });
  await commitAll(kept.path, 'k', author);
  await before.pool.release(kept);
  writeFileSync(join(home, 'worktrees', 'state.json'), '{"torn'); // and its state file is damaged

  const { pool } = await makePool(t, home);
  const seen = pool.list().sort((a, b) => a.path.localeCompare(b.path));
  t.same(seen.map((r) => r.path), [leased.path, kept.path].sort(), 'rebuilt from git');
  t.same(Object.fromEntries(seen.map((r) => [r.path, r.state])), { [leased.path]: 'free', [kept.path]: 'kept' });
  const again = await pool.acquire(request(repository, 'su/after-restart'));
  t.equal(again.path, leased.path, 'reused, not recreated');
  t.notOk(existsSync(join(again.path, 'half-done.txt')));
  t.equal(pool.list().length, 2);
});

t.test('a kept worktree is freed by gc once pushed, and discard drops one with its branch', async (t) => {
  const { url } = await makeRemote(t);
  const { pool } = await makePool(t, tempDir(t));
  const repository = { id: 'R1', url, defaultBranch: 'main' };
  const [a, b] = await Promise.all(['su/a', 'su/b'].map((branch) => pool.acquire(request(repository, branch))));
  for (const lease of [a!, b!]) {
    writeFiles(lease.path, { 'x.txt': lease.branch });
    await commitAll(lease.path, 'x', author);
    t.equal((await pool.release(lease)).state, 'kept');
  }
  await push(a!.path, 'su/a', { setUpstream: false }); // pushed by someone else, later
  t.same((await pool.gc()).kept, [b!.path]);
  t.equal(pool.list().find((r) => r.path === a!.path)?.state, 'free');

  await pool.discard(b!.id);
  t.notOk(existsSync(b!.path));
  t.equal(await revParse(a!.path, 'refs/heads/su/b'), undefined, 'its branch is gone too');
  t.same(pool.list().map((r) => r.path), [a!.path]);
});

// The runner reports an attempt's end before it returns the worktree, so the next assignment can
// ask for a worktree while the last one is still being detached.
t.test('an acquire during a release waits for it: same worktree, no cold one, no refusal at the cap', async (t) => {
  const { url } = await makeRemote(t);
  const { pool } = await makePool(t, tempDir(t), { maxWorktreesPerRepo: 1 });
  const repository = { id: 'R1', url, defaultBranch: 'main' };
  const first = await pool.acquire(request(repository, 'su/back-to-back'));
  writeFiles(first.path, { 'work.txt': 'done\n' });
  await commitAll(first.path, 'work', author);
  await push(first.path, 'su/back-to-back', { setUpstream: true });

  const releasing = pool.release(first, { justPushed: true });
  const next = await pool.acquire(request(repository, 'su/next')); // started before the release ended
  t.same(await releasing, { state: 'free', unpushedCommits: 0 });
  t.equal(next.path, first.path, 'the settled worktree was handed on, not a new one (the cap is 1)');
  t.equal(pool.list().length, 1);
  t.equal((await git(next.path, ['symbolic-ref', '--short', 'HEAD'])).stdout, 'su/next');
});

t.test('the same branch acquired again while its release runs waits for it (git checks a branch out once)', async (t) => {
  const { url } = await makeRemote(t);
  const { pool } = await makePool(t, tempDir(t), { maxWorktreesPerRepo: 3 });
  const repository = { id: 'R1', url, defaultBranch: 'main' };
  t.equal(await pool.warm(repository, 2), 2);
  const first = await pool.acquire(request(repository, 'su/stage'));
  writeFiles(first.path, { 'plan.md': 'plan\n' });
  const sha = await commitAll(first.path, 'plan', author);
  await push(first.path, 'su/stage', { setUpstream: true });
  const releasing = pool.release(first, { justPushed: true });
  const again = await pool.acquire(request(repository, 'su/stage'));
  await releasing;
  t.equal(await revParse(again.path, 'HEAD'), sha, 'the next stage starts from the pushed work');
  t.equal(again.resumed, true);
});

t.test('commitAll: nothing to commit is null, a refused commit is an error (not "nothing")', async (t) => {
  const { url } = await makeRemote(t);
  const { pool } = await makePool(t, tempDir(t));
  const lease = await pool.acquire(request({ id: 'R1', url, defaultBranch: 'main' }, 'su/commit'));
  t.equal(await commitAll(lease.path, 'empty', author), null);
  writeFiles(lease.path, { 'a.txt': 'a\n' });
  // A commit git refuses with exit 1 although something is staged: an empty message.
  await t.rejects(commitAll(lease.path, '', author), /git commit/);
  const sha = await commitAll(lease.path, 'a', author);
  t.equal(sha, await revParse(lease.path, 'HEAD'));
});
