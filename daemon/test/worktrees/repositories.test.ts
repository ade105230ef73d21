import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { git, revParse } from '../../src/worktrees/git.ts';
import { createRepositoryStore } from '../../src/worktrees/index.ts';
import { log, makeRemote, tempDir } from './helpers.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

t.test('clones a repository once, even for concurrent callers, from a file:// url or a plain path', async (t) => {
  const { url, remote } = await makeRemote(t);
  const home = tempDir(t);
  const store = createRepositoryStore({ home, log });
  const repo = { id: 'R1', url, defaultBranch: 'main' };
  const paths = await Promise.all([store.ensureClone(repo), store.ensureClone(repo), store.ensureClone(repo)]);
  t.same(new Set(paths), new Set([join(home, 'repos', 'R1')]));
  t.same(readdirSync(join(home, 'repos')), ['R1'], 'one clone, no temporary folder left');
  t.equal(await revParse(paths[0]!, 'refs/remotes/origin/main'), await revParse(remote, 'main'), 'origin/main is there');
  await git(paths[0]!, ['config', 'su.marker', 'yes']);

  // A new store (a restarted daemon) finds the clone instead of cloning again; a plain path works too.
  const again = await createRepositoryStore({ home, log }).ensureClone({ ...repo, url: remote });
  t.equal(again, paths[0]);
  t.equal((await git(again, ['config', 'su.marker'])).stdout, 'yes', 'the same clone, not a new one');
  t.equal((await git(again, ['config', 'remote.origin.url'])).stdout, remote, 'a changed url is taken');

  const local = await store.ensureClone({ id: 'R2', url: remote, defaultBranch: 'main' });
  t.ok(await revParse(local, 'refs/remotes/origin/main'), 'an absolute local path clones');
});

t.test('a failed clone leaves nothing behind and can be retried', async (t) => {
  const home = tempDir(t);
  const store = createRepositoryStore({ home, log });
  const repo = { id: 'R1', url: join(home, 'nowhere.git'), defaultBranch: 'main' };
  await t.rejects(store.ensureClone(repo), { name: 'GitError', code: 'SU_ERR_GIT_FAILED', exitCode: 128, command: /^git clone --bare/, stderrTail: /does not exist/ });
  t.same(readdirSync(join(home, 'repos')), []);
  await t.rejects(store.ensureClone(repo), { name: 'GitError' }, 'tried again, not a cached failure');
  t.throws(() => store.pathOf('../etc'), /plain path segment/);
});
