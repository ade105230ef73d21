import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Octokit } from '@octokit/rest';
import t, { type Test } from 'tap';
import { deliverWebhook, signWebhook, startFakeGitHub } from '../helpers/fake-github.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

const repo = { owner: 'Acme', repo: 'widgets' };

async function setup(t: Test) {
  const gh = await startFakeGitHub();
  t.teardown(() => gh.stop());
  return { gh, octokit: new Octokit({ auth: gh.token, baseUrl: gh.baseUrl }) };
}

t.test('creates a pull and refuses a second open one for the same head', async (t) => {
  const { gh, octokit } = await setup(t);
  const { status, data } = await octokit.rest.pulls.create({ ...repo, title: 'Add widgets', head: 'su/widgets', base: 'main' });
  t.equal(status, 201);
  t.match(data, {
    number: 1, id: 5001, state: 'open', merged: false, title: 'Add widgets',
    head: { ref: 'su/widgets', label: 'Acme:su/widgets' }, base: { ref: 'main' },
    html_url: 'https://github.com/Acme/widgets/pull/1', url: `${gh.baseUrl}/repos/Acme/widgets/pulls/1`,
  });

  await t.rejects(octokit.rest.pulls.create({ ...repo, title: 'Again', head: 'acme:su/widgets', base: 'main' }), {
    name: 'HttpError',
    status: 422,
    response: { data: { errors: [{ message: 'A pull request already exists for Acme:su/widgets.' }] } },
  });
  t.equal(gh.pulls.length, 1);
  t.match(gh.callsTo('POST', /\/pulls$/), [{ status: 201, body: { head: 'su/widgets' } }, { status: 422 }]);
});

t.test('lists pulls by head, owner matched case-insensitively', async (t) => {
  const { gh, octokit } = await setup(t);
  await octokit.rest.pulls.create({ ...repo, title: 'One', head: 'one', base: 'main' });
  await octokit.rest.pulls.create({ ...repo, title: 'Two', head: 'two', base: 'main' });
  gh.close('Acme', 'widgets', 2);

  const open = await octokit.rest.pulls.list({ owner: 'acme', repo: 'WIDGETS', head: 'ACME:two' });
  t.same(open.data, [], 'closed pulls are not listed by default');
  const all = await octokit.rest.pulls.list({ ...repo, head: 'acme:two', state: 'all' });
  t.same(all.data.map((p) => p.title), ['Two']);
});

t.test('a conditional GET with the etag is a 304', async (t) => {
  const { gh, octokit } = await setup(t);
  await octokit.rest.pulls.create({ ...repo, title: 'One', head: 'one', base: 'main' });
  const first = await octokit.rest.pulls.get({ ...repo, pull_number: 1 });
  const etag = first.headers.etag!;
  t.match(etag, /^W\/"[0-9a-f]{40}"$/);

  await t.rejects(octokit.rest.pulls.get({ ...repo, pull_number: 1, headers: { 'if-none-match': etag } }), { name: 'HttpError', status: 304 });
  t.match(gh.calls.at(-1), { method: 'GET', path: '/repos/Acme/widgets/pulls/1', status: 304, ifNoneMatch: etag });

  await octokit.rest.pulls.update({ ...repo, pull_number: 1, title: 'Renamed' });
  const changed = await octokit.rest.pulls.get({ ...repo, pull_number: 1, headers: { 'if-none-match': etag } });
  t.equal(changed.data.title, 'Renamed', 'a changed pull is sent in full');
});

t.test('a bad token is a 401', async (t) => {
  const { gh } = await setup(t);
  const stranger = new Octokit({ auth: 'ghp_wrong', baseUrl: gh.baseUrl });
  await t.rejects(stranger.rest.pulls.list(repo), { name: 'HttpError', status: 401, response: { data: { message: 'Bad credentials' } } });
});

t.test('paginates comments with a link header', async (t) => {
  const { gh, octokit } = await setup(t);
  await octokit.rest.pulls.create({ ...repo, title: 'One', head: 'one', base: 'main' });
  for (const body of ['first', 'second', 'third']) gh.addIssueComment('acme', 'widgets', 1, { login: 'alice', body });

  const page = await octokit.rest.issues.listComments({ ...repo, issue_number: 1, per_page: 1 });
  t.same(page.data.map((c) => c.body), ['first']);
  t.match(page.headers.link, /<http:\/\/127\.0\.0\.1:\d+\/repos\/Acme\/widgets\/issues\/1\/comments\?per_page=1&page=2>; rel="next"/);

  const all = await octokit.paginate(octokit.rest.issues.listComments, { ...repo, issue_number: 1, per_page: 1 });
  t.same(all.map((c) => c.body), ['first', 'second', 'third'], 'octokit follows the links');
});

t.test('signWebhook matches GitHub\'s documented test vector', async (t) => {
  t.equal(
    signWebhook("It's a Secret to Everybody", 'Hello, World!'),
    'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
  );
});

t.test('deliverWebhook sends GitHub\'s headers and a signature over the exact body', async (t) => {
  const { gh, octokit } = await setup(t);
  await octokit.rest.pulls.create({ ...repo, title: 'One', head: 'one', base: 'main' });
  const review = gh.addReview('Acme', 'widgets', 1, { login: 'alice', state: 'APPROVED', body: 'ship it' });
  const payload = gh.payloads.review(gh.pulls[0]!, review);

  let received: { headers: Record<string, unknown>; body: string } | undefined;
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk)).on('end', () => {
      received = { headers: req.headers, body };
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/github`;
  const reply = await deliverWebhook(url, 'pull_request_review', payload, { secret: 's3cret', deliveryId: 'delivery-1' });
  t.same(reply, { status: 202, body: { ok: true } });
  t.match(received?.headers, {
    'x-github-event': 'pull_request_review',
    'x-github-delivery': 'delivery-1',
    'x-hub-signature-256': signWebhook('s3cret', received?.body ?? ''),
  });
  t.match(JSON.parse(received?.body ?? ''), {
    action: 'submitted', review: { id: review.id, state: 'APPROVED', user: { login: 'alice' } },
    pull_request: { number: 1 }, repository: { full_name: 'Acme/widgets', owner: { login: 'Acme' } }, sender: { login: 'alice' },
  });
});
