import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { diffSummary, parseNumstat } from '../../src/worktrees/diff-summary.ts';
import { commitAll, git } from '../../src/worktrees/git.ts';
import { author, makePool, makeRemote, request, tempDir, writeFiles } from './helpers.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

t.test('parseNumstat: counts, binary files and renames', async (t) => {
  t.same(parseNumstat('3\t1\tsrc/a.ts\0-\t-\tlogo.png\0' + '0\t0\t\0old name.txt\0new name.txt\0'), [
    { path: 'src/a.ts', additions: 3, deletions: 1, binary: false },
    { path: 'logo.png', additions: null, deletions: null, binary: true },
    { path: 'new name.txt', oldPath: 'old name.txt', additions: 0, deletions: 0, binary: false },
  ]);
  t.same(parseNumstat(''), []);
});

t.test('the branch against its target: files, counts, patches within the limits', async (t) => {
  const { url } = await makeRemote(t, { 'README.md': 'hello\n', 'big.txt': 'x\n', 'gone.txt': 'bye\n' });
  const { pool } = await makePool(t, tempDir(t));
  const lease = await pool.acquire(request({ id: 'R1', url, defaultBranch: 'main' }, 'su/diff'));
  writeFiles(lease.path, { 'README.md': 'hello\nworld\n', 'src/new.ts': 'export const a = 1;\n', 'big.txt': `${'line\n'.repeat(2000)}` });
  writeFileSync(join(lease.path, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1, 2, 3]));
  await git(lease.path, ['rm', '-q', 'gone.txt']);
  await commitAll(lease.path, 'work', author);

  const diff = (await diffSummary(lease.path, 'main'))!;
  t.equal(diff.totalFiles, 5);
  t.equal(diff.truncated, false);
  const byPath = Object.fromEntries(diff.files.map((f) => [f.path, f]));
  t.match(byPath['README.md'], { additions: 1, deletions: 0, binary: false, patch: /^diff --git a\/README\.md b\/README\.md[\s\S]*\n\+world\n/ });
  t.match(byPath['src/new.ts'], { additions: 1, patch: /new file mode[\s\S]*\+export const a = 1;/ });
  t.match(byPath['gone.txt'], { deletions: 1, patch: /deleted file mode/ });
  t.match(byPath['logo.png'], { binary: true, additions: null });
  t.notOk('patch' in byPath['logo.png']!, 'binary files are listed, not shown');
  t.match(byPath['big.txt'], { additions: 2000, omitted: 'too_large' });
  t.notOk('patch' in byPath['big.txt']!);
  t.equal(diff.additions, 1 + 1 + 2000);

  const head = (await git(lease.path, ['rev-parse', 'HEAD'])).stdout.trim();
  t.same(await diffSummary(lease.path, 'main', undefined, head), diff, 'the same with the head the caller already knows');
  t.equal(await diffSummary(lease.path, 'no-such-branch'), undefined, 'no summary against a target that is not there');

  const tight = (await diffSummary(lease.path, 'main', { maxFiles: 2, maxPatchLines: 1500, maxPatchBytes: 50 }))!;
  t.equal(tight.files.length, 2);
  t.equal(tight.truncated, true, 'more files changed than listed');
  t.equal(tight.totalFiles, 5);
  t.ok(tight.files.some((f) => f.omitted === 'over_budget'), 'patches stop when the byte budget is spent');
});
