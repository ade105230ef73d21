import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { commitAll, git, worktreeList } from '../../src/worktrees/git.ts';
import { diskUsage } from '../../src/worktrees/index.ts';
import { author, makePool, makeRemote, request, tempDir } from './helpers.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

const files = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`src/file-${i}.ts`, `export const v${i} = ${'x'.repeat(3000)};\n`]));

t.test('over the disk cap, free worktrees are evicted least recently used first, leased ones never', async (t) => {
  const { url } = await makeRemote(t, files);
  const home = tempDir(t);
  const repository = { id: 'R1', url, defaultBranch: 'main' };
  const first = await makePool(t, home);
  await first.pool.warm(repository, 3);
  const [w1, w2, w3] = first.pool.list().sort((a, b) => a.useSeq - b.useSeq).map((r) => r.path);
  await first.pool.release(await first.pool.acquire(request(repository, 'su/a'))); // w1 (LRU) used: w2 is now the oldest
  const size = await diskUsage(w1!);
  t.ok(size > 60_000, `a worktree is ${size} bytes`);
  await first.pool.close();

  const { pool } = await makePool(t, home, { diskCapBytes: Math.floor(size * 2.5) });
  const lease = await pool.acquire(request(repository, 'su/b'));
  t.equal(lease.path, w2, 'acquire takes the least recently used free worktree');
  const report = await pool.gc();
  t.same(report.evicted, [w3], 'the oldest free one goes, the leased one stays');
  t.ok(report.diskBytes <= size * 2.5);
  t.notOk(existsSync(w3!));
  t.same(pool.list().map((r) => r.path).sort(), [w1, w2].sort());
  t.same((await pool.gc()).evicted, [], 'under the cap: nothing more');
});

t.test('gc removes orphans: stray folders, worktrees whose folder vanished, folders of unknown repositories', async (t) => {
  const { url } = await makeRemote(t);
  const home = tempDir(t);
  const repository = { id: 'R1', url, defaultBranch: 'main' };
  const { pool, store } = await makePool(t, home);
  await pool.warm(repository, 2);
  const [keep, vanished] = pool.list().map((r) => r.path);
  rmSync(vanished!, { recursive: true, force: true });
  const stray = join(home, 'worktrees', 'R1', 'stray');
  mkdirSync(stray);
  writeFileSync(join(stray, 'junk'), 'x');
  const unknownRepo = join(home, 'worktrees', 'GONE');
  mkdirSync(join(unknownRepo, 'wt-1'), { recursive: true });

  const report = await pool.gc();
  t.same(report.orphansRemoved.sort(), [vanished, stray, join(unknownRepo, 'wt-1')].sort());
  t.notOk(existsSync(stray));
  t.notOk(existsSync(unknownRepo));
  t.same(pool.list().map((r) => r.path), [keep]);
  const known = (await worktreeList(store.pathOf('R1'))).filter((w) => !w.bare).map((w) => w.path);
  t.same(known, [keep], "git's own list is pruned too");
  t.ok(existsSync(join(keep!, 'README.md')));
});

t.test('after a release only the returned worktree is measured again; gc measures them all', async (t) => {
  const { url } = await makeRemote(t);
  const repository = { id: 'R1', url, defaultBranch: 'main' };
  const { pool } = await makePool(t, tempDir(t));
  await pool.warm(repository, 2);
  const size = (path: string) => pool.list().find((r) => r.path === path)?.sizeBytes;
  const lease = await pool.acquire(request(repository, 'su/measured'));
  const other = pool.list().find((r) => r.path !== lease.path)!.path;
  await pool.release(lease);
  await pool.close(); // the background measurement after the release
  const before = { returned: size(lease.path)!, other: size(other)! };
  t.ok(before.returned > 0 && before.other > 0, 'both measured once');

  // 200 KB more in each: a dependency install in the leased one, and in the free one (which a
  // release never looks at).
  const again = await pool.acquire(request(repository, 'su/measured'));
  t.equal(again.path, lease.path, 'the same worktree comes back for the same branch');
  writeFileSync(join(again.path, 'deps.bin'), Buffer.alloc(200_000, 1));
  writeFileSync(join(other, 'stray.bin'), Buffer.alloc(200_000, 1));
  await pool.release(again);
  await pool.close();
  t.ok(size(lease.path)! >= before.returned + 200_000, 'the returned worktree is measured again');
  t.equal(size(other), before.other, 'the other keeps its last size: it was not walked');

  await pool.gc();
  t.ok(size(other)! >= before.other + 200_000, 'gc walks every worktree');
});

t.test("git's upkeep of the clone runs after a release, since fetches and commits skip it", async (t) => {
  const { url } = await makeRemote(t);
  const repository = { id: 'R1', url, defaultBranch: 'main' };
  const { pool, store } = await makePool(t, tempDir(t));
  const lease = await pool.acquire(request(repository, 'su/upkeep'));
  const clone = store.pathOf('R1');
  // Pack loose objects as soon as there is one (git's default waits for thousands).
  await git(clone, ['config', 'maintenance.loose-objects.enabled', 'true']);
  await git(clone, ['config', 'maintenance.loose-objects.auto', '1']);
  writeFileSync(join(lease.path, 'work.txt'), 'the agent wrote this\n');
  t.ok(await commitAll(lease.path, 'work', author), 'committed');
  const inPack = async () => Number(/^in-pack: (\d+)$/m.exec((await git(clone, ['count-objects', '-v'])).stdout)![1]);
  const before = await inPack();
  await pool.release(lease);
  await pool.close(); // the background upkeep after the release
  t.ok((await inPack()) >= before + 3, `the commit, its tree and the file were packed (${before} → ${await inPack()} objects in packs)`);
});
