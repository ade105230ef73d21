// A project set up from nothing with the CLI alone, by names, against a real control plane; then
// the errors a person meets doing it (cli-mission.test.ts: the mission commands).
import t from 'tap';
import { ADMIN_KEY, startTestApp } from '../helpers/control-plane.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { runCli, tempDir } from '../helpers/processes.ts';

// What the CLI does with the API's answers (names, flags, output) does not depend on the engine;
// the API itself is tested on both (control-plane/test).
runOnceAcrossEngines(t, 'the CLI');
const app = await startTestApp(t);
const home = tempDir('su-cli-setup-');
const cli = (...args: string[]) => runCli(args, { SU_HOME: home });
const ok = async (...args: string[]) => {
  const res = await cli(...args);
  if (res.code !== 0) throw new Error(`${args.join(' ')} → ${res.code}: ${res.stderr}`);
  return res.stdout;
};
const json = async (...args: string[]) => JSON.parse(await ok(...args, '--json'));

t.before(async () => {
  await ok('login', '--url', app.baseUrl, '--api-key', ADMIN_KEY);
});

t.test('org, project, repo, flow, actor, template and workstation set up by name', async (t) => {
  t.match(await ok('org', 'create', 'Acme Labs'), /^created organization Acme Labs \([0-9A-Z]{26}\)\n$/);
  const orgs = await json('org', 'list');
  t.match(orgs.items, [{ name: 'Acme Labs', role: 'owner' }]);

  const projectId = (await ok('project', 'create', 'demo', '--org', 'Acme Labs', '--default-agent', 'custom', '-q')).trim();
  t.match(projectId, /^[0-9A-Z]{26}$/, '-q prints only the id');
  t.match(await ok('project', 'list', '--org', 'Acme Labs'), new RegExp(`^${projectId}  demo  \\(agent custom\\)\\n$`));

  const repo = await json('repo', 'add', 'file:///srv/git/demo.git', '--project', 'demo', '--default-branch', 'trunk');
  t.match(repo, { url: 'file:///srv/git/demo.git', defaultBranch: 'trunk', projectId });
  t.match(await ok('repo', 'list', '--project', 'demo'), /demo +trunk +file:\/\/\/srv\/git\/demo\.git/);

  const flow = await json('flow', 'create', 'reviewed', '--stages', 'plan:review,execute', '--project', 'demo');
  t.same(flow.stages, [{ name: 'plan', requiresReview: true }, { name: 'execute', requiresReview: false }]);
  t.match(await ok('flow', 'list', '--project', projectId), /reviewed +\[plan \(review\) → execute\]/, 'ids work where names do');

  await ok('actor', 'create', 'dev', '--description', 'writes the code', '--instructions', 'Small commits.', '--project', 'demo');
  t.match((await json('actor', 'list', '--project', 'demo')).items, [{ name: 'dev', instructions: 'Small commits.' }]);

  const template = await json('template', 'create', 'Lint sweep', '--project', 'demo', '--flow', 'reviewed', '--actor', 'dev', '--repo', 'demo', '--effort', '30', '--tags', 'lint,chore');
  t.match(template, { name: 'Lint sweep', flowId: flow.id, repositoryId: repo.id, estimatedEffortMinutes: 30, tags: ['lint', 'chore'] });
  t.match(await ok('template', 'list', '--project', 'demo'), /on +p3 +w1 +30 min +Lint sweep +\(last proposed never\)/);
  // Rotation (#18): weight, minimum wait and cooldown, durations in m/h/d/w.
  t.match(await json('template', 'edit', 'Lint sweep', '--project', 'demo', '--weight', '3', '--min-wait', '2w', '--cooldown', '36h'),
    { weight: 3, minWaitMinutes: 2 * 10_080, cooldownMinutes: 36 * 60 });
  t.match(await ok('template', 'edit', 'Lint sweep', '--project', 'demo', '--disable'), /updated template Lint sweep .*weight 3, min wait 20160 min, cooldown 2160 min, off/);
  const badWait = await runCli(['template', 'edit', 'Lint sweep', '--project', 'demo', '--min-wait', 'soon'], { SU_HOME: home });
  t.equal(badWait.code, 1);
  t.match(badWait.stderr, /--min-wait: a duration such as 90m, 12h, 7d or 2w/);
  const badWeight = await runCli(['template', 'edit', 'Lint sweep', '--project', 'demo', '--weight', '11'], { SU_HOME: home });
  t.match(badWeight.stderr, /^solo-unicorn: --weight: /);

  await ok('workstation', 'register', '--organization', orgs.items[0].id, '--name', 'laptop');
  const mapped = await json('workstation', 'map', 'laptop', '--project', 'demo');
  t.equal(mapped.projectId, projectId);
  t.match(await ok('workstation', 'list', '--project', 'demo'), /offline +0\/2 running +laptop/);

  const shown = await ok('project', 'show', 'demo');
  t.match(shown, /repositories: demo \([0-9A-Z]{26}, trunk\)/);
  t.match(shown, /flows: reviewed \[plan → execute\]/);
  t.match(shown, /actors: dev/);
  t.match(shown, /workstations: laptop \(offline\)/);
  t.match(await json('project', 'show', 'demo'), { id: projectId, repositories: [{ id: repo.id }], flows: [{ id: flow.id }], workstations: [{ projectId }] });
  t.match(shown, /agents: edits permissions; mission docs committed to the repository/, 'the defaults');
});

t.test("the agents' permission policy and where mission docs live: per project, and a mission's own policy", async (t) => {
  t.match(await json('project', 'edit', 'demo', '--permission-policy', 'readonly', '--docs-in-repository', 'off'), { agentPermissionPolicy: 'readonly', docsInRepository: false });
  t.match(await ok('project', 'show', 'demo'), /agents: readonly permissions; mission docs kept in the control plane only/);
  const bad = await cli('project', 'edit', 'demo', '--permission-policy', 'root');
  t.equal(bad.code, 1);
  t.match(bad.stderr, /^solo-unicorn: --permission-policy: /);
  t.match((await cli('project', 'edit', 'demo', '--docs-in-repository', 'maybe')).stderr, /--docs-in-repository: on or off, got "maybe"/);

  const m = await json('mission', 'create', '--project', 'demo', '--title', 'Plan only', '--permission-policy', 'readonly');
  t.equal(m.agentPermissionPolicy, 'readonly');
  t.equal((await json('mission', 'edit', m.id, '--permission-policy', 'edits')).agentPermissionPolicy, 'edits');
  t.equal((await json('mission', 'edit', m.id, '--permission-policy', 'project')).agentPermissionPolicy, null, "'project' gives it the project's again");
});

t.test('people and keys: a user created, given a key and roles in the organization and a project, then deleted', async (t) => {
  const userId = (await ok('user', 'create', 'ada@example.com', '--name', 'Ada', '-q')).trim();
  t.match(userId, /^[0-9A-Z]{26}$/);
  t.match(await ok('user', 'me'), /^[0-9A-Z]{26} {2}\S+ {2}.*\(instance admin\)\n$/, 'me: the admin this CLI logged in as');

  const created = await cli('key', 'create', '--name', 'ada laptop', '--user', userId);
  t.equal(created.code, 0, created.stderr);
  const [secret, said] = created.stdout.split('\n');
  t.match(said, /^created API key [0-9A-Z]{26} \(ada laptop\) for user .*shown only this once/);
  const asAda = (...args: string[]) => runCli([...args, '--url', app.baseUrl, '--api-key', secret!], { SU_HOME: tempDir('su-cli-ada-') });
  t.match((await asAda('user', 'me', '--json')).stdout, new RegExp(`"id": ?"${userId}"`), 'the new key works for the new user');
  t.equal((await asAda('project', 'show', 'demo')).code, 1, 'not a member yet: the project is not hers to see');

  t.match(await ok('org', 'member', 'add', 'Acme Labs', userId, '--role', 'viewer'), new RegExp(`^added ${userId} as viewer\n$`));
  t.match(await ok('org', 'member', 'list', 'Acme Labs'), new RegExp(`^${userId} {2}viewer`, 'm'));
  t.equal((await asAda('project', 'show', 'demo')).code, 0, 'a viewer of the organization reads its project');
  t.match(await ok('project', 'member', 'set', 'demo', userId, '--role', 'member'), new RegExp(`^${userId} is member on this project\n$`));
  t.match(await ok('project', 'member', 'list', 'demo'), new RegExp(`^${userId} {2}member$`, 'm'));
  t.match(await ok('org', 'member', 'role', 'Acme Labs', userId, '--role', 'member'), /is now member/);
  t.match((await cli('org', 'member', 'role', 'Acme Labs', userId, '--role', 'emperor')).stderr, /^solo-unicorn: --role: /);
  t.match(await ok('project', 'member', 'remove', 'demo', userId), /removed the project role/);
  t.match(await ok('project', 'member', 'list', 'demo'), /no per-project roles/);

  const keys = JSON.parse((await asAda('key', 'list', '--json')).stdout).items;
  t.match(keys, [{ name: 'ada laptop', revokedAt: null }], 'she sees her key, never its secret');
  t.notMatch(JSON.stringify(keys), secret!);
  t.match(await ok('org', 'member', 'remove', 'Acme Labs', userId), /^removed /);
  t.match(await ok('user', 'delete', userId), /^deleted user .*pseudonym/);
  const refused = await asAda('user', 'me');
  t.equal(refused.code, 1, 'a deleted user\'s key no longer works');
  t.match(refused.stderr, /the API key was refused \(invalid or revoked credentials\)/);

  const own = await json('key', 'create', '--name', 'spare');
  t.match(await ok('key', 'list'), new RegExp(`^${own.id} {2}${own.prefix}… {2}spare`, 'm'));
  t.match(await ok('key', 'revoke', own.id), /^revoked API key /);
  t.match(await ok('key', 'list'), new RegExp(`^${own.id} .*, revoked `, 'm'));
});

t.test('names that do not resolve, bad flags and API refusals: one line on stderr, exit 1, nothing on stdout', async (t) => {
  const cases: [string[], RegExp][] = [
    [['project', 'show', 'nope'], /^solo-unicorn: no project named "nope" \(there are: demo\)$/],
    [['repo', 'list', '--project', 'nope'], /^solo-unicorn: no project named "nope"/],
    [['flow', 'create', 'bad', '--stages', 'plan:maybe', '--project', 'demo'], /^solo-unicorn: --stages: "plan:maybe": a stage is name or name:review$/],
    [['flow', 'create', 'Bad Stage', '--stages', 'Not Valid', '--project', 'demo'], /^solo-unicorn: --stages: /],
    [['template', 'create', 'x', '--project', 'demo', '--flow', 'nope', '--actor', 'dev', '--repo', 'demo', '--effort', '5'], /^solo-unicorn: no flow named "nope"/],
    [['mission', 'create', '--project', 'demo', '--title', 'x', '--repo', 'elsewhere'], /^solo-unicorn: no repository named "elsewhere"/],
    [['mission', 'show', '01ARZ3NDEKTSV4RRFFQ69G5FAV', '--json'], /^solo-unicorn: GET \/api\/v1\/missions\/01ARZ3NDEKTSV4RRFFQ69G5FAV failed: .*\(SU_ERR_NOT_FOUND\)$/],
    [['repo', 'list'], /^solo-unicorn: --project: required/],
  ];
  for (const [args, stderr] of cases) {
    const res = await runCli(args, { SU_HOME: home, SU_PROJECT: '' });
    t.equal(res.code, 1, args.join(' '));
    t.match(res.stderr.trimEnd(), stderr, args.join(' '));
    t.equal(res.stderr.trimEnd().split('\n').length, 1, 'one line, no stack trace');
    t.equal(res.stdout, '', 'nothing on stdout');
  }
  // $SU_PROJECT stands in for --project.
  t.match((await runCli(['repo', 'list'], { SU_HOME: home, SU_PROJECT: 'demo' })).stdout, /demo +trunk/);
});

t.test('--help lists every command without loading them; help <command> and a typo', async (t) => {
  const help = await runCli(['--help'], { SU_HOME: home });
  t.equal(help.code, 0);
  for (const name of ['login', 'org', 'project', 'repo', 'flow', 'actor', 'template', 'workstation', 'daemon', 'status', 'mission', 'fallback', 'import', 'github', 'agent', 'user', 'key']) {
    t.match(help.stdout, new RegExp(`\\n  ${name} +\\S`), name);
  }
  t.match((await runCli(['help', 'mission'], { SU_HOME: home })).stdout, /^Usage: solo-unicorn mission .*\n[\s\S]*\n {2}retry \[options\] <missionId> /);
  t.match((await runCli(['--version'], { SU_HOME: home })).stdout, /^\d+\.\d+\.\d+\n$/);
  const typo = await runCli(['misson', 'list'], { SU_HOME: home });
  t.equal(typo.code, 1);
  t.match(typo.stderr, /unknown command 'misson'\n\(Did you mean mission\?\)/);
});
