import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { fetch } from '../../src/worktrees/git.ts';
import { commitAndPush, makePool, makeRemote, request, tempDir, writeFiles } from './helpers.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

/**
 * `git worktree add` writes the new worktree's HEAD as the null object id until its checkout sets
 * it; a fetch bringing objects meanwhile checks them against every worktree's HEAD and fails with
 * "bad object worktrees/<id>/HEAD". CI caught two acquires of one repository doing that. The window
 * is a few milliseconds, so instead of waiting for the failure this test watches the overlap: a
 * `git` in front of the real one logs when fetches and worktree changes start and end, and holds
 * each worktree change open a while.
 */
t.test('fetches never run while a worktree of the same repository is being added, removed or pruned', async (t) => {
  const { url, seed } = await makeRemote(t);
  const home = tempDir(t);
  const log = join(home, 'git-calls.log');
  installLoggingGit(t, home, log);

  const { pool, store } = await makePool(t, home);
  const repository = { id: 'R1', url, defaultBranch: 'main' };
  writeFiles(seed, { 'later.txt': 'so that each fetch brings objects\n' });
  await commitAndPush(seed, 'later', 'main');

  const leases = await Promise.all(['su/a', 'su/b', 'su/c'].map((branch) => pool.acquire(request(repository, branch))));
  writeFiles(seed, { 'later.txt': 'more\n' });
  await commitAndPush(seed, 'more', 'main');
  await pool.release(leases[0]!);
  await Promise.all([fetch(store.pathOf('R1')), pool.discard(leases[0]!.id), pool.acquire(request(repository, 'su/d'))]);

  const calls = readFileSync(log, 'utf8').trim().split('\n');
  t.ok(calls.filter((l) => l.startsWith('start fetch')).length >= 3, 'fetches ran');
  t.ok(calls.filter((l) => l.startsWith('start worktree')).length >= 4, 'worktrees were added and removed');
  const running = { fetch: 0, worktree: 0 };
  const overlaps: string[] = [];
  for (const line of calls) {
    const [edge, kind] = line.split(' ') as ['start' | 'end', keyof typeof running];
    if (edge === 'end') running[kind]--;
    else {
      if (running[kind === 'fetch' ? 'worktree' : 'fetch'] > 0) overlaps.push(line);
      running[kind]++;
    }
  }
  t.same(overlaps, [], 'no fetch started during a worktree change, nor a worktree change during a fetch');
});

/** Puts a `git` on PATH that logs fetches and worktree add/remove/prune around the real git. */
function installLoggingGit(t: Test, dir: string, log: string) {
  const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  const shim = join(dir, 'bin');
  mkdirSync(shim, { recursive: true });
  writeFileSync(
    join(shim, 'git'),
    `#!/bin/sh
case " $* " in
  *" fetch "*) kind=fetch; hold=0 ;;
  *" worktree add "*|*" worktree remove "*|*" worktree prune "*) kind=worktree; hold=0.1 ;;
  *) exec "${realGit}" "$@" ;;
esac
echo "start $kind $$" >> "${log}"
sleep $hold
"${realGit}" "$@"
code=$?
echo "end $kind $$" >> "${log}"
exit $code
`,
  );
  chmodSync(join(shim, 'git'), 0o755);
  const path = process.env.PATH;
  process.env.PATH = `${shim}:${path}`;
  t.teardown(() => {
    process.env.PATH = path;
  });
}
