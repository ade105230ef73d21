// The mission commands a person uses, against a real control plane: create by names, ready (and
// what holds it back), edit, unready, retry, move, review, show with event data and dispatch,
// logs (--follow), docs, answer. Every command also with --json (stdout parses).
import { spawn } from 'node:child_process';
import t from 'tap';
import { createMissionDocs } from '../../../control-plane/src/modules/missions/mission-docs.ts';
import { ADMIN_KEY, createOrg, createProject, registerWorkstation, startTestApp } from '../helpers/control-plane.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { cliPath, runCli, tempDir } from '../helpers/processes.ts';

// What the CLI does with the API's answers (names, flags, output) does not depend on the engine;
// the API itself is tested on both (control-plane/test).
runOnceAcrossEngines(t, 'the CLI');
const app = await startTestApp(t);
const home = tempDir('su-cli-mission-');
const cli = (...args: string[]) => runCli(args, { SU_HOME: home });
const ok = async (...args: string[]) => {
  const res = await cli(...args);
  if (res.code !== 0) throw new Error(`${args.join(' ')} → ${res.code}: ${res.stderr}`);
  return res.stdout;
};
const json = async (...args: string[]) => JSON.parse(await ok(...args, '--json'));

// The project is set up through the API (cli-setup.test.ts covers doing it with the CLI).
const org = await createOrg(app.admin);
const project = await createProject(app.admin, org.id, { name: 'demo' });
const P = `/api/v1/projects/${project.id}`;
await app.admin.post(`${P}/repositories`, { url: 'file:///srv/git/demo.git', defaultBranch: 'trunk' });
await app.admin.post(`${P}/flows`, { name: 'reviewed', stages: ['plan', 'execute'] });
await app.admin.post(`${P}/actors`, { name: 'dev' });
await registerWorkstation(app.baseUrl, org.id, 'laptop', { projectId: project.id });

t.before(async () => {
  await ok('login', '--url', app.baseUrl, '--api-key', ADMIN_KEY);
});

t.test('mission create with flow, actor and repo by name; ready says what holds it back; edit, unready, retry, move, review', async (t) => {
  const id = (await ok('mission', 'create', '--project', 'demo', '--title', 'Add a README', '--flow', 'reviewed', '--actor', 'dev', '--repo', 'demo', '--target-branch', 'trunk', '-q')).trim();
  const created = await json('mission', 'show', id);
  t.match(created, { title: 'Add a README', ready: false, targetBranch: 'trunk', dispatch: { state: 'not_ready' } });
  t.ok(created.flowId && created.actorId && created.repositoryId, 'names resolved to ids');

  const ready = await ok('mission', 'ready', id);
  t.match(ready, new RegExp(`^ready: ${id}  \\[todo, ready\\]  p3  Add a README  \\(blocked\\)\\n`));
  t.match(ready, /\n {2}- .*connected.* → .*\[no_workstation_online\]\n/, 'the reason and its fix');
  t.match(await json('mission', 'unready', id), { ready: false });

  const edited = await json('mission', 'edit', id, '--title', 'Add a README file', '--priority', '1', '--flow', 'none');
  t.match(edited, { title: 'Add a README file', priority: 1, flowId: null });
  const nothing = await cli('mission', 'edit', id);
  t.match(nothing.stderr, /^solo-unicorn: nothing to change/);

  const retried = await ok('mission', 'retry', id);
  t.match(retried, /^retrying: .*\[todo, ready\]/);
  const again = await cli('mission', 'retry', id);
  t.equal(again.code, 1);
  t.match(again.stderr, /^solo-unicorn: mission .* is already ready; /);

  t.match(await json('mission', 'move', id, '--list', 'review'), { list: 'review' });
  const notTodo = await cli('mission', 'retry', id);
  t.match(notTodo.stderr, /is in review, not Todo or Doing: .*mission review --reject/);
  const rejected = await json('mission', 'review', id, '--reject', 'Mention the install step');
  t.match(rejected, { list: 'todo', reviewStatus: 'rejected', reviewFeedback: 'Mention the install step' });
  const noGuidance = await cli('mission', 'review', id, '--reject');
  t.match(noGuidance.stderr, /^solo-unicorn: --reject: say what the agent should change/);

  // show: the summary, the dispatch reasons and each event's data, not only its kind.
  const shown = await ok('mission', 'show', id);
  t.match(shown, /feedback: Mention the install step/);
  t.match(shown, /dispatch: blocked\n {2}- /);
  t.match(shown, /#\d+ \S+ user mission\.reviewed  feedback: Mention the install step  \{"to":"todo","from":"review","decision":"reject"/);
  t.match(shown, /mission\.updated  \{"changes":\{.*"title":\{"to":"Add a README file","from":"Add a README"\}/);
  t.match(await json('mission', 'show', id), { dispatch: { state: 'blocked', reasons: [{ code: 'no_workstation_online' }] } });
});

t.test('mission review --reject works from Todo; a Done mission is refused with its code and exit 1', async (t) => {
  const id = (await ok('mission', 'create', '--project', 'demo', '--title', 'Conflicted', '--repo', 'demo', '-q')).trim();
  const rejected = await json('mission', 'review', id, '--reject', 'Keep the old config key');
  t.match(rejected, { list: 'todo', ready: true, reviewStatus: 'rejected', reviewFeedback: 'Keep the old config key' });
  await ok('mission', 'move', id, '--list', 'done');
  const done = await cli('mission', 'review', id, '--reject', 'Too late');
  t.equal(done.code, 1);
  t.match(done.stderr, /SU_ERR_MISSION_ALREADY_DONE/);
  t.match(done.stderr, /cannot be un-merged/);
  const approve = await cli('mission', 'review', id, '--approve');
  t.equal(approve.code, 1);
  t.match(approve.stderr, /SU_ERR_MISSION_NOT_IN_REVIEW/);
});

t.test('mission logs prints every event with data (JSON Lines with --json) and --follow prints new ones', async (t) => {
  const id = (await ok('mission', 'create', '--project', 'demo', '--title', 'Followed', '-q')).trim();
  const all = await ok('mission', 'logs', id);
  t.match(all, /^#1 \S+ user mission\.created  \{"list":"todo","ready":false,"title":"Followed"/);
  const lines = (await ok('mission', 'logs', id, '--json')).trim().split('\n').map((l) => JSON.parse(l));
  t.match(lines, [{ seq: 1, kind: 'mission.created' }]);

  const follow = spawn(process.execPath, [cliPath, 'mission', 'logs', id, '--follow', '--after', '1', '--interval', '200'], { env: { ...process.env, SU_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => void follow.kill('SIGKILL'));
  let out = '';
  const saw = new Promise<void>((resolve) => follow.stdout.on('data', (d) => {
    out += d;
    if (out.includes('mission.moved')) resolve();
  }));
  await ok('mission', 'move', id, '--list', 'review');
  await saw;
  t.match(out, /^#2 \S+ user mission\.moved  \{"to":"review","from":"todo"/, 'only the new event, with its data');
  const exited = new Promise<number | null>((resolve) => follow.on('exit', (c) => resolve(c)));
  follow.kill('SIGINT');
  t.equal(await exited, 0);
});

t.test('mission docs prints what the agents wrote; --path one document', async (t) => {
  const id = (await ok('mission', 'create', '--project', 'demo', '--title', 'Documented', '-q')).trim();
  t.equal(await ok('mission', 'docs', id), 'no docs yet\n');
  const docs = createMissionDocs(app.docsDir);
  await docs.write(id, 'solution.md', '# Solution\nUse a table.\n');
  await docs.write(id, 'tasks/1.md', 'Write it.');
  t.equal(await ok('mission', 'docs', id), '==> solution.md <==\n# Solution\nUse a table.\n\n==> tasks/1.md <==\nWrite it.\n');
  t.equal(await ok('mission', 'docs', id, '--path', 'tasks/1.md'), 'Write it.');
  t.match(await json('mission', 'docs', id), { items: [{ path: 'solution.md' }, { path: 'tasks/1.md' }] });
  const missing = await cli('mission', 'docs', id, '--path', 'tasks/9.md');
  t.match(missing.stderr, /^solo-unicorn: --path: no document tasks\/9\.md \(there are: solution\.md, tasks\/1\.md\)/);
});

t.test('mission answer: the API refusal when no question is open is one line', async (t) => {
  const id = (await ok('mission', 'create', '--project', 'demo', '--title', 'Quiet', '-q')).trim();
  const res = await cli('mission', 'answer', id, 'Yes, go ahead');
  t.equal(res.code, 1);
  t.match(res.stderr, /^solo-unicorn: (POST \/api\/v1\/missions\/\S+\/answer failed: .*\(SU_ERR_\w+\)|this control plane cannot take answers yet)/);
  t.equal(res.stdout, '');
});
