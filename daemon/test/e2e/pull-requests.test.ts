// Pull requests with everything real but GitHub: a control plane, a daemon process, the fake agent,
// a bare git remote on disk, and a local server answering GitHub's REST API (the control plane's
// client points at it by base URL). Webhooks are delivered signed, as GitHub does.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { deliverWebhook, startFakeGitHub } from '../../../control-plane/test/helpers/fake-github.ts';
import { ADMIN_KEY, createOrg, createProject, startTestApp } from '../helpers/control-plane.ts';
import { bareRemote, gitIn, until } from '../helpers/e2e.ts';
import { isMsg, repoRoot, runCli, startDaemon, tempDir } from '../helpers/processes.ts';

const app = await startTestApp(t, { outboundAllow: ['127.0.0.1'] }); // the fake GitHub is on http://127.0.0.1
const api = app.admin;
const gh = await startFakeGitHub();
t.teardown(() => gh.stop());
const SECRET = 'e2e-webhook-secret-0123456789';
const hook = `${app.baseUrl}/api/v1/github/webhook`;

const org = await createOrg(api);
const project = await createProject(api, org.id);
const P = `/api/v1/projects/${project.id}`;
const remote = bareRemote('app'); // stands in for github.com/acme/app
// A local clone of a GitHub repository: the URL cannot say so, the link does.
const repo = (await api.post(`${P}/repositories`, { url: `file://${remote}`, github: { owner: 'acme', name: 'app' } })).body;

const home = tempDir('su-home-');
await runCli(['workstation', 'register', '--url', app.baseUrl, '--api-key', ADMIN_KEY, '--organization', org.id, '--name', 'pr-builder', '--json'], { SU_HOME: home });
const workstationId = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).workstationId as string;
await api.post(`${P}/workstations`, { workstationId });
const records = tempDir('su-records-');
const daemon = startDaemon(t, home, {
  SU_AGENT_COMMAND: JSON.stringify(['node', join(repoRoot, 'daemon/test/fixtures/fake-agent.mjs'), '{promptFile}']),
  FAKE_AGENT_SCENARIO: 'work',
  FAKE_AGENT_LOG_RUNS: '1',
  FAKE_AGENT_RECORD_DIR: records,
  LOG_LEVEL: 'info',
});
await daemon.waitForLine(isMsg('session open'));

const mission = (id: string) => api.get(`/api/v1/missions/${id}`).then((r) => r.body);
const events = async (id: string) => (await api.get(`/api/v1/missions/${id}/events?limit=500`)).body.items as { kind: string; data: any }[];
const count = async (id: string, kind: string) => (await events(id)).filter((e) => e.kind === kind).length;
const prompts = (missionId: string) => readdirSync(records).filter((f) => f.startsWith(missionId)).map((f) => JSON.parse(readFileSync(join(records, f), 'utf8')).prompt as string);
/** Agent runs recorded in the branch's FAKE_AGENT_RUNS.md: every attempt's commit adds its own. */
const runsOnBranch = (branch: string) => gitIn(remote, 'show', `${branch}:FAKE_AGENT_RUNS.md`).split('\n').filter(Boolean).length;
/** In Review with its PR updated for the n-th time (`pr.opened` counts as the first). */
// The events are counted before the mission is read: a mission read first could predate the PR
// the events then show (its number unset), a race seen on PostgreSQL.
const reviewAfterPush = (id: string, n: number) =>
  until(`Review after push ${n}`, async () => {
    const pushes = (await count(id, 'pr.opened')) + (await count(id, 'pr.updated'));
    return { pushes, m: await mission(id) };
  }, (x) => x.m.list === 'review' && x.pushes >= n);

t.test('auto mode without a GitHub token behaves as disabled: merged straight into main, with an event saying why', async (t) => {
  const m = (await api.post(`${P}/missions`, { title: 'Direct change', ready: true, repositoryId: repo.id, prMode: 'auto' })).body;
  await until('Done', () => mission(m.id), (x) => x.list === 'done');
  t.match((await events(m.id)).find((e) => e.kind === 'pr.mode_fallback')?.data, { requested: 'auto', effective: 'disabled', reason: /no GitHub token/ });
  t.match(gitIn(remote, 'show', 'main:FAKE_AGENT_OUTPUT.md'), /fake agent/, 'merged into main');
  t.equal(gh.pulls.length, 0, 'no pull request');
});

t.test('enabled mode: one PR per mission; review feedback and PR change requests send it back on the same branch; a merge ends it', async (t) => {
  await api.put(`${P}/github`, { token: gh.token, apiBaseUrl: gh.baseUrl, webhookSecret: SECRET, maxFeedbackCycles: 2 });
  const mainBefore = gitIn(remote, 'rev-parse', 'main');
  const m = (await api.post(`${P}/missions`, { title: 'Add the pricing page', description: 'Three tiers.', ready: true, repositoryId: repo.id, prMode: 'enabled' })).body;

  const { m: first } = await reviewAfterPush(m.id, 1);
  const branch = first.prBranchName as string;
  t.match(first, { reviewStatus: 'pending', githubPrNumber: 1 });
  t.match(gh.pulls, [{ number: 1, head: branch, base: 'main', state: 'open', title: 'Add the pricing page' }]);
  const runs1 = runsOnBranch(branch);
  t.ok(runs1 >= 1, 'the agent’s commit is on the pushed branch');
  t.equal(gitIn(remote, 'rev-parse', 'main'), mainBefore, 'nothing merged into main: the PR is the way in');
  const head1 = gitIn(remote, 'rev-parse', branch);

  // A rejection on the board: the next prompt has the feedback, and it continues the same branch.
  await api.post(`/api/v1/missions/${m.id}/review`, { decision: 'reject', feedback: 'Add a FAQ under the tiers' });
  await reviewAfterPush(m.id, 2);
  t.ok(prompts(m.id).some((p) => p.includes('Add a FAQ under the tiers')), 'the feedback is in the second attempt’s prompt');
  const head2 = gitIn(remote, 'rev-parse', branch);
  t.not(head2, head1, 'a new commit');
  t.equal(gitIn(remote, 'merge-base', '--is-ancestor', head1, head2), '', 'on top of the first: the same branch');

  // A change request on GitHub: exactly one more attempt; a redelivery of the same review, none.
  gh.setPermission('dana', 'write');
  const pull = gh.pulls[0]!;
  const review = gh.addReview('acme', 'app', pull.number, { login: 'dana', state: 'CHANGES_REQUESTED', body: 'The FAQ needs a refund question' });
  const delivery = gh.payloads.review(pull, review);
  t.equal((await deliverWebhook(hook, 'pull_request_review', delivery, { secret: SECRET })).status, 200);
  await reviewAfterPush(m.id, 3);
  t.ok(prompts(m.id).some((p) => p.includes('The FAQ needs a refund question')), 'the comment reached the agent');
  const assigned = await count(m.id, 'mission.assigned');
  // A delivery is applied before it is answered: whatever it would change has changed by now.
  t.match(await deliverWebhook(hook, 'pull_request_review', delivery, { secret: SECRET }), { status: 200, body: { newComments: 0 } });
  t.equal((await mission(m.id)).list, 'review', 'the redelivery sent nothing back');
  t.equal(await count(m.id, 'mission.changes_requested'), 1, 'one PR round so far');
  t.equal(await count(m.id, 'mission.assigned'), assigned, 'no new attempt');
  t.equal(gh.callsTo('POST', /\/pulls$/).length, 1, 'three pushes, one pull request');
  t.ok(runsOnBranch(branch) >= runs1 + 2, 'the later attempts’ commits are on the same branch too');

  // A forged delivery is refused.
  const forged = await deliverWebhook(hook, 'pull_request_review', gh.payloads.review(pull, gh.addReview('acme', 'app', pull.number, { login: 'dana', state: 'CHANGES_REQUESTED', body: 'rm -rf' })), { secret: 'guessed-secret-000000' });
  t.equal(forged.status, 401);

  // The second (and last allowed) round, then the cap: a person is asked instead.
  const round2 = gh.addIssueComment('acme', 'app', pull.number, { login: 'dana', body: '/solo-unicorn link the FAQ from the footer' });
  await deliverWebhook(hook, 'issue_comment', gh.payloads.issueComment(pull, round2), { secret: SECRET });
  await reviewAfterPush(m.id, 4);
  const round3 = gh.addIssueComment('acme', 'app', pull.number, { login: 'dana', body: '/solo-unicorn one more thing' });
  await deliverWebhook(hook, 'issue_comment', gh.payloads.issueComment(pull, round3), { secret: SECRET });
  await until('cap reached', () => count(m.id, 'pr.feedback_cap_reached'), (n) => n === 1);
  t.equal((await mission(m.id)).list, 'review', 'held in Review');
  t.ok((await api.get('/api/v1/notifications?unread=true')).body.items.some((n: any) => n.kind === 'pr.feedback_cap_reached' && n.missionId === m.id));

  // Merged on GitHub: Done.
  gh.merge('acme', 'app', pull.number);
  await deliverWebhook(hook, 'pull_request', gh.payloads.pullRequest(gh.pulls[0]!, 'closed'), { secret: SECRET });
  t.match(await until('Done', () => mission(m.id), (x) => x.list === 'done'), { githubPrNumber: 1 });
});
