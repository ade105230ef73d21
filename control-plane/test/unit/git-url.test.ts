import t from 'tap';
import { parseRepositoryUrl } from '../../src/modules/repositories/git-url.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

const github = (owner: string, name: string) => ({ provider: 'github', githubOwner: owner, githubName: name });
const plainGit = { provider: 'git', githubOwner: null, githubName: null };

t.test('parses GitHub owner and name from https, scp-like and ssh URLs', async (t) => {
  const cases: [string, object][] = [
    ['https://github.com/acme/web', github('acme', 'web')],
    ['https://github.com/acme/web.git', github('acme', 'web')],
    ['https://github.com/acme/web/', github('acme', 'web')],
    ['http://github.com/acme/web.git', github('acme', 'web')],
    ['https://token:x-oauth@github.com/acme/web.git', github('acme', 'web')],
    ['https://GitHub.com/Acme/Web.git', github('Acme', 'Web')],
    ['git@github.com:acme/web.git', github('acme', 'web')],
    ['git@github.com:acme/web', github('acme', 'web')],
    ['ssh://git@github.com/acme/web.git', github('acme', 'web')],
    ['https://github.com/acme/socket.io.git', github('acme', 'socket.io')],
    ['https://github.com/my-org/my_repo-2', github('my-org', 'my_repo-2')],
  ];
  for (const [url, expected] of cases) t.same(parseRepositoryUrl(url), expected, url);
});

t.test('any other git URL or absolute path is a plain git repository', async (t) => {
  for (const url of [
    'https://gitlab.com/acme/web.git',
    'git@gitlab.com:acme/web.git',
    'ssh://git@example.com:2222/srv/web.git',
    'git://example.com/web.git',
    'file:///srv/git/web.git',
    '/srv/git/web',
    'https://github.com/acme', // an owner, not a repository
    'https://github.com/acme/web/tree/main', // a page inside a repository
    'https://github.com.evil.test/acme/web', // not github.com
    'https://evil.test/github.com/acme/web',
  ]) {
    t.same(parseRepositoryUrl(url), plainGit, url);
  }
});

t.test('names GitHub would refuse (and the columns could not hold) are not parsed as GitHub', async (t) => {
  t.same(parseRepositoryUrl(`https://github.com/${'o'.repeat(40)}/web`), plainGit, 'owners are at most 39 characters');
  t.same(parseRepositoryUrl(`https://github.com/acme/${'r'.repeat(101)}`), plainGit, 'names are at most 100 characters');
  t.same(parseRepositoryUrl(`https://github.com/${'o'.repeat(39)}/${'r'.repeat(100)}.git`), github('o'.repeat(39), 'r'.repeat(100)));
  t.same(parseRepositoryUrl('https://github.com/-acme/web'), plainGit, 'an owner cannot start with a hyphen');
});

t.test('refuses what is not a git URL', async (t) => {
  for (const url of ['', 'web', 'relative/path', 'ftp://example.com/web.git', 'https://', 'https://example.com/a b', 'C:\\repos\\web', 'mailto:a@b.c']) {
    t.equal(parseRepositoryUrl(url), undefined, JSON.stringify(url));
  }
});
