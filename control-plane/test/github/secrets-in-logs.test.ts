// The GitHub token and webhook secret are used in clear by the server, so they must never reach
// its logs: a full trace-level log of connecting, a failing PR call and webhook deliveries is read back.
import { Writable } from 'node:stream';
import t from 'tap';
import { redact } from '../../src/logger.ts';
import { pushMissionBranch, servedProject } from '../dispatch/fixtures.ts';
import { startTestApp } from '../helpers/app.ts';
import { deliverWebhook, startFakeGitHub } from '../helpers/fake-github.ts';

let logged = '';
const stream = new Writable({ write(chunk, _enc, done) { logged += chunk.toString(); done(); } });
const app = await startTestApp(t, { logger: { level: 'trace', redact, stream }, outboundAllow: ['127.0.0.1'] });
const gh = await startFakeGitHub();
t.teardown(() => gh.stop());

t.test('connecting, a failing GitHub call and webhook deliveries log neither the token nor the secret', async (t) => {
  const token = 'ghp_neverInTheLogs_0001';
  const secret = 'webhook-secret-never-logged-01';
  const p = await servedProject(app, { repository: { github: { owner: 'acme', name: 'logs' } } });
  // GitHub refuses this token: the failure is logged, the token must not be.
  t.equal((await app.admin.put(`/api/v1/projects/${p.project.id}/github`, { token, apiBaseUrl: gh.baseUrl, webhookSecret: secret })).status, 200);
  const client = await p.connect();
  t.teardown(() => client.close());
  const m = await p.mission({ prMode: 'enabled' });
  await pushMissionBranch(client, m.id);
  await app.app.pullRequests.worker.kick();
  t.equal(gh.calls.at(-1)?.status, 401, 'GitHub was called with the token (and refused it)');
  await deliverWebhook(`${app.baseUrl}/api/v1/github/webhook`, 'ping', { repository: { name: 'logs', owner: { login: 'acme' } } }, { secret });
  await deliverWebhook(`${app.baseUrl}/api/v1/github/webhook`, 'ping', { repository: { name: 'logs', owner: { login: 'acme' } } }, { secret: 'wrong-secret-0000000' });

  t.match(logged, /pull request job failed/, 'the failure is in the log');
  t.match(logged, /\/github\/webhook/, 'so are the deliveries');
  t.notOk(logged.includes(token), 'no token');
  t.notOk(logged.includes(secret), 'no webhook secret');
});
