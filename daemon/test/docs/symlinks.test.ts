import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { type HashedMissionDoc, readMissionDoc, restoreMissionDocs } from '../../src/docs/mission-docs.ts';
import { watchMissionDocs } from '../../src/docs/watcher.ts';
import { tempDir } from '../helpers/processes.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

const missionId = '01JSYMLINKMISSION000000000';
const docs = `solo-unicorn-docs/missions/${missionId}`;
const token = 'su_ws_SECRET_TOKEN_do_not_upload';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

/** The daemon's config.json, outside any worktree, and a folder beside it a link can point into. */
function secrets() {
  const home = realpathSync(tempDir('su-home-'));
  const config = join(home, 'config.json');
  writeFileSync(config, JSON.stringify({ token }));
  const outside = join(home, 'outside');
  mkdirSync(join(outside, 'missions', missionId), { recursive: true });
  for (const f of ['1.md', 'solution.md', `missions/${missionId}/solution.md`]) writeFileSync(join(outside, f), token);
  return { config, outside };
}

/**
 * A repository whose commit holds the links `plant` makes, checked out by git into a fresh
 * worktree (`git worktree add`), as the daemon's pool does.
 */
function repoWithLinks(plant: (repo: string) => void) {
  const repo = realpathSync(tempDir('su-repo-'));
  git(repo, 'init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'README.md'), '# hostile\n');
  plant(repo);
  git(repo, 'add', '-A');
  git(repo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'links');
  const worktree = join(realpathSync(tempDir('su-wt-')), 'wt');
  git(repo, 'worktree', 'add', '-q', '-b', 'su/m', worktree);
  return worktree;
}

const link = (repo: string, rel: string, target: string) => {
  mkdirSync(join(repo, rel, '..'), { recursive: true });
  symlinkSync(target, join(repo, rel));
};

/** What a watcher that reports every doc present (the most it would upload) reports, and the links it met. */
async function watchAll(t: Test, worktree: string) {
  const changes: HashedMissionDoc[] = [];
  const links: string[] = [];
  const errors: Error[] = [];
  const watcher = await watchMissionDocs({
    worktree, missionId, debounceMs: 20, reportExisting: true,
    onChange: (d) => void changes.push(d), onSymlink: (p) => void links.push(p), onError: (e) => void errors.push(e),
  });
  t.teardown(() => watcher.close());
  await watcher.flush();
  return { changes, links, errors, watcher };
}

const variants: { name: string; plant: (repo: string, s: ReturnType<typeof secrets>) => void; skipped: string }[] = [
  { name: 'solution.md linked to config.json', plant: (r, s) => link(r, `${docs}/solution.md`, s.config), skipped: `${docs}/solution.md` },
  { name: 'tasks/1.md linked to config.json', plant: (r, s) => link(r, `${docs}/tasks/1.md`, s.config), skipped: `${docs}/tasks/1.md` },
  { name: 'a linked tasks folder', plant: (r, s) => link(r, `${docs}/tasks`, s.outside), skipped: `${docs}/tasks` },
  { name: 'a linked missions/<id> folder', plant: (r, s) => link(r, docs, s.outside), skipped: docs },
  { name: 'a linked solo-unicorn-docs folder', plant: (r, s) => link(r, 'solo-unicorn-docs', s.outside), skipped: 'solo-unicorn-docs' },
  { name: 'a relative link climbing out of the worktree', plant: (r, s) => link(r, `${docs}/solution.md`, join('..', '..', '..', '..', '..', '..', s.config)), skipped: `${docs}/solution.md` },
];

for (const v of variants) {
  t.test(`a committed link (${v.name}) is never read or uploaded; it is reported as skipped`, async (t) => {
    const s = secrets();
    const worktree = repoWithLinks((repo) => v.plant(repo, s));
    const { changes, links, errors, watcher } = await watchAll(t, worktree);
    t.same(changes, [], 'nothing is reported as a doc');
    t.notOk(JSON.stringify(changes).includes(token), 'the token is not in any report');
    t.same(links, [v.skipped], 'the link is reported once, by its path in the worktree');
    t.same(errors, []);
    await watcher.flush();
    t.same(links.length, 1, 'a second scan does not report it again');
    const path = v.skipped.endsWith('tasks') ? 'tasks/1.md' : v.skipped.endsWith('1.md') ? 'tasks/1.md' : 'solution.md';
    t.same(await readMissionDoc(worktree, missionId, path), { kind: 'symlink', path: v.skipped }, 'a direct read refuses it too');
  });
}

t.test('a regular doc beside a linked one is still reported', async (t) => {
  const s = secrets();
  const worktree = repoWithLinks((repo) => {
    link(repo, `${docs}/tasks/1.md`, s.config);
    writeFileSync(join(repo, docs, 'solution.md'), 'the real plan\n');
  });
  const { changes, links } = await watchAll(t, worktree);
  t.same(changes.map((c) => [c.path, c.content]), [['solution.md', 'the real plan\n']]);
  t.same(links, [`${docs}/tasks/1.md`]);
});

t.test('a link the agent creates while the watcher runs is skipped too', async (t) => {
  const s = secrets();
  const worktree = repoWithLinks(() => {});
  const { changes, links, watcher } = await watchAll(t, worktree);
  mkdirSync(join(worktree, docs), { recursive: true });
  symlinkSync(s.config, join(worktree, docs, 'solution.md'));
  await watcher.flush();
  t.same(changes, []);
  t.same(links, [`${docs}/solution.md`]);
});

t.test('restoring docs replaces a linked doc with a regular file and never writes through it', async (t) => {
  const s = secrets();
  const worktree = repoWithLinks((repo) => link(repo, `${docs}/solution.md`, s.config));
  const links: string[] = [];
  await restoreMissionDocs(worktree, missionId, [{ path: 'solution.md', content: 'stored solution\n' }], (p) => void links.push(p));
  t.equal(readFileSync(s.config, 'utf8'), JSON.stringify({ token }), 'config.json is untouched');
  t.ok(lstatSync(join(worktree, docs, 'solution.md')).isFile(), 'the link is now a regular file');
  t.equal(readFileSync(join(worktree, docs, 'solution.md'), 'utf8'), 'stored solution\n');
  t.same(links, [`${docs}/solution.md`], 'and the replaced link is reported');
});

for (const v of variants.filter((x) => !x.skipped.endsWith('.md'))) {
  t.test(`restoring docs through ${v.name} writes nothing outside the worktree and reports it`, async (t) => {
    const s = secrets();
    const worktree = repoWithLinks((repo) => v.plant(repo, s));
    const links: string[] = [];
    await restoreMissionDocs(worktree, missionId, [{ path: 'solution.md', content: 'pwned' }, { path: 'tasks/1.md', content: 'pwned' }], (p) => void links.push(p));
    for (const f of ['1.md', 'solution.md', `missions/${missionId}/solution.md`]) t.equal(readFileSync(join(s.outside, f), 'utf8'), token, `outside/${f} untouched`);
    for (const d of ['tasks', `missions/${missionId}/tasks`]) t.notOk(existsSync(join(s.outside, d)), `no outside/${d} created`);
    t.ok(links.includes(v.skipped), `the link ${v.skipped} is reported`);
  });
}

t.test('a doc with a NUL byte is uploaded with U+FFFD in its place', async (t) => {
  const worktree = repoWithLinks((repo) => {
    mkdirSync(join(repo, docs), { recursive: true });
    writeFileSync(join(repo, docs, 'solution.md'), 'a\u0000b');
  });
  const { changes } = await watchAll(t, worktree);
  t.same(changes.map((c) => c.content), ['a\uFFFDb']);
});
