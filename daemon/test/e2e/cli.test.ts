import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { newId } from '@solo-unicorn/shared';
import t from 'tap';
import { ADMIN_KEY, createOrg, createProject, startTestApp } from '../helpers/control-plane.ts';
import { cliPath, runCli, tempDir } from '../helpers/processes.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'the CLI (login, registration, output) against one control plane');

const app = await startTestApp(t);
const api = app.admin;
const home = tempDir('su-cli-');
const cli = async (...args: string[]) => runCli(args, { SU_HOME: home });
const json = async (...args: string[]) => {
  const res = await cli(...args, '--json');
  if (res.code !== 0) throw new Error(`${args.join(' ')}: ${res.stderr}`);
  return JSON.parse(res.stdout);
};
const org = await createOrg(api);
const project = await createProject(api, org.id);
const P = `/api/v1/projects/${project.id}`;
const flow = (await api.post(`${P}/flows`, { name: 'f', stages: ['execute'] })).body;
const actor = (await api.post(`${P}/actors`, { name: 'dev' })).body;
const repo = (await api.post(`${P}/repositories`, { url: 'file:///tmp/cli-remote.git' })).body;

t.test('login saves the URL and key; mission create, list, show and move work with --json and in words', async (t) => {
  t.equal((await cli('login', '--url', app.baseUrl, '--api-key', ADMIN_KEY)).code, 0);
  const created = await json('mission', 'create', '--project', project.id, '--title', 'From the CLI', '--priority', '2', '--ready', '--repository', repo.id);
  t.match(created, { title: 'From the CLI', priority: 2, ready: true, list: 'todo', repositoryId: repo.id });
  const listed = await cli('mission', 'list', '--project', project.id, '--list', 'todo');
  t.match(listed.stdout, new RegExp(`${created.id} +\\[todo, ready\\] +p2 +From the CLI`));
  const moved = await json('mission', 'move', created.id, '--list', 'review');
  t.equal(moved.list, 'review');
  const shown = await cli('mission', 'show', created.id);
  t.match(shown.stdout, /mission\.moved/);
});

t.test('bad flags fail with one line naming the flag, before any request', async (t) => {
  const bad = await cli('mission', 'create', '--project', project.id, '--title', 'x', '--priority', '9');
  t.equal(bad.code, 1);
  t.match(bad.stderr.trim(), /^solo-unicorn: --priority: /);
  t.equal(bad.stderr.trim().split('\n').length, 1);
  const list = await cli('mission', 'list', '--project', project.id, '--list', 'loop');
  t.match(list.stderr, /^solo-unicorn: --list: /);
  const cfg = await cli('fallback', 'config', '--project', project.id, '--auto-accept', 'maybe');
  t.match(cfg.stderr, /^solo-unicorn: --auto-accept: expected true or false/);
  const missing = await runCli(['mission', 'list', '--project', project.id], { SU_HOME: tempDir('su-empty-') });
  t.match(missing.stderr, /^solo-unicorn: no control plane or API key: run `solo-unicorn login/);
});

t.test('fallback config, templates, run, area, accept and discard', async (t) => {
  const cfg = await json('fallback', 'config', '--project', project.id, '--threshold', '3', '--weekly-cap', '5');
  t.match(cfg, { backlogThreshold: 3, weeklyMissionCap: 5 });
  for (const name of ['lint', 'deps']) {
    await api.post(`${P}/fallback/templates`, { name, flowId: flow.id, actorId: actor.id, repositoryId: repo.id, estimatedEffortMinutes: 30 });
  }
  t.equal((await json('fallback', 'templates', '--project', project.id)).items.length, 2);
  const run = await json('fallback', 'run', '--project', project.id);
  t.match(run.run, { triggeredBy: 'api', status: 'awaiting_review' });
  const area = await json('fallback', 'area', '--project', project.id);
  t.equal(area.proposals.length, run.items.length);
  const accepted = await json('fallback', 'accept', run.items[0].id);
  t.equal(accepted.status, 'accepted');
  const discarded = await json('fallback', 'discard', run.items[1].id, '--feedback', 'not now');
  t.match(discarded, { status: 'discarded', feedback: 'not now' });
});

t.test('import converts a legacy export', async (t) => {
  const file = join(home, 'legacy.json');
  writeFileSync(file, JSON.stringify({ missions: [{ title: 'Nightly cleanup', is_loop: true, list: 'loop' }, { title: 'Old bug', list: 'loop' }] }));
  const res = await json('import', file, '--project', project.id);
  t.match(res, { missionsCreated: 1, templatesCreated: 1, loopListConverted: 1 });
  const words = await cli('import', join(home, 'nope.json'), '--project', project.id);
  t.equal(words.code, 1);
  t.match(words.stderr, /^solo-unicorn: .*nope\.json/);
});

t.test('github connect reads the token from the environment, never prints it; mission review and prs', async (t) => {
  const token = 'ghp_cliTokenValue_4321';
  const noToken = await runCli(['github', 'connect', '--project', project.id, '--token-env', 'SU_TEST_NO_SUCH_VAR'], { SU_HOME: home });
  t.equal(noToken.code, 1);
  t.match(noToken.stderr, /^solo-unicorn: --token-env: \$SU_TEST_NO_SUCH_VAR is empty/);
  t.match((await cli('github', 'status')).stderr, /--project or --organization: give exactly one/);
  const connected = await runCli(['github', 'connect', '--project', project.id, '--max-feedback-cycles', '2'], { SU_HOME: home, GITHUB_TOKEN: token });
  t.equal(connected.code, 0, connected.stderr);
  t.match(connected.stdout, /GitHub connected \(project\): token …4321, API https:\/\/api\.github\.com, webhook secret not set, at most 2/);
  t.notOk(connected.stdout.includes(token), 'the token is not echoed');
  t.match(await json('github', 'status', '--project', project.id), { tokenHint: '…4321', maxFeedbackCycles: 2 });
  t.equal((await cli('github', 'disconnect', '--project', project.id)).code, 0);
  t.match((await cli('github', 'status', '--project', project.id)).stderr, /GitHub is not connected/);

  const m = await json('mission', 'create', '--project', project.id, '--title', 'Reviewed from the CLI');
  await api.post(`/api/v1/missions/${m.id}/move`, { list: 'review' });
  const both = await cli('mission', 'review', m.id, '--approve', '--reject');
  t.match(both.stderr, /--approve or --reject: give exactly one/);
  const noFeedback = await cli('mission', 'review', m.id, '--reject');
  t.match(noFeedback.stderr, /feedback/);
  const rejected = await json('mission', 'review', m.id, '--reject', '--feedback', 'Add tests');
  t.match(rejected, { list: 'todo', reviewStatus: 'rejected', reviewFeedback: 'Add tests' });
  t.match((await cli('mission', 'prs', m.id)).stdout, /^no pull requests/);
});

t.test('mission show into a reader that has gone (`| head`) exits 0 without a stack trace', async (t) => {
  const m = await json('mission', 'create', '--project', project.id, '--title', 'Piped');
  const child = spawn(process.execPath, [cliPath, 'mission', 'show', m.id], { env: { ...process.env, SU_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy(); // the reader is gone before the first write
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  t.equal(code, 0);
  t.equal(stderr, '', 'nothing on stderr');
});

t.test("mission show adds the attempts' usage from GET /missions/:id/attempts; a 404 there adds nothing", async (t) => {
  // The contract's attempts endpoint over real HTTP, beside the mission and its events.
  const [withUsage, without, first, second] = [newId(), newId(), newId(), newId()];
  const mission = (id: string) => ({ id, list: 'review', ready: false, priority: 3, title: 'Usage', stage: 'execute', agentSessionStatus: 'inactive' });
  const attempts = {
    items: [
      { id: second, attemptNumber: 2, status: 'succeeded', agentType: 'claude-code', stage: 'execute', resumedFromAttemptId: first, limitedUntil: null, costUsd: 0.03 },
      { id: first, attemptNumber: 1, status: 'limited', agentType: 'claude-code', stage: 'execute', resumedFromAttemptId: null, limitedUntil: '2026-12-05T18:00:00.000Z', costUsd: 0.0123 },
    ],
    totals: { attempts: 2, inputTokens: 12345, outputTokens: 678, cacheReadTokens: 9000, cacheWriteTokens: 1200, costUsd: 0.0423, numTurns: 7, wallMs: 65_000, permissionDenials: 1 },
  };
  const server = createServer((req, res) => {
    const url = req.url ?? '';
    const id = url.split('/')[4]!;
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.includes('/events')) return send(200, { items: [{ seq: 1, createdAt: '2026-12-05T12:00:00.000Z', origin: 'system', kind: 'mission.created' }] });
    if (url.endsWith('/attempts')) return id === withUsage ? send(200, attempts) : send(404, { error: { code: 'SU_ERR_NOT_FOUND', message: 'Route not found' } });
    return send(200, mission(id));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  const shown = await cli('mission', 'show', withUsage, '--url', url);
  t.equal(shown.code, 0, shown.stderr);
  t.equal(shown.stdout, [
    `${withUsage}  [review]  p3  Usage`,
    'stage execute, agent inactive',
    'usage: 2 attempts, tokens in 12,345 / out 678 / cache read 9,000 / cache write 1,200, cost $0.0423, 7 turns, wall 1m 05s, 1 permission denial',
    '  attempt 2: succeeded  claude-code  resumed from attempt 1  (execute)',
    '  attempt 1: limited  claude-code  fresh  (execute)  limited until 2026-12-05T18:00:00.000Z',
    '  #1 2026-12-05T12:00:00.000Z system mission.created',
    '',
  ].join('\n'));
  t.match(await json('mission', 'show', withUsage, '--url', url), { id: withUsage, attempts: { totals: { attempts: 2, costUsd: 0.0423 } } });

  const plain = await cli('mission', 'show', without, '--url', url);
  t.equal(plain.code, 0, plain.stderr);
  t.notMatch(plain.stdout, /usage|attempt/, 'nothing extra');
  t.notOk('attempts' in (await json('mission', 'show', without, '--url', url)));
});
