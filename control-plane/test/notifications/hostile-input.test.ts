import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { createOrg, createUser } from '../helpers/fixtures.ts';

// Input never stops the process: what the notification routes take from a caller, made hostile
// (NUL bytes PostgreSQL refuses, huge strings, wrong types), gets a 4xx with a stable code.
const app = await startTestApp(t);
const me = await createUser(app, `hostile-${Math.random()}@example.com`);
const org = await createOrg(me.client, 'Hostile org');
const NUL = '\u0000';

t.test('no 5xx for hostile queries and bodies', async (t) => {
  const cases: [string, string, unknown?][] = [
    ['GET', `/api/v1/notifications?segment=${encodeURIComponent(`review${NUL}`)}`],
    ['GET', `/api/v1/notifications?segment=${'x'.repeat(5000)}`],
    ['GET', '/api/v1/notifications?view=everything'],
    ['POST', '/api/v1/notifications/read-all', { segment: `a${NUL}b` }],
    ['POST', '/api/v1/notifications/read-all', { before: '2026-13-45T99:99:99Z' }],
    ['POST', '/api/v1/notifications/read-all', { before: '+275760-09-13T00:00:00.000Z' }],
    ['POST', '/api/v1/notifications/read-all', [1, 2]],
    ['PATCH', '/api/v1/notification-preferences', { timeZone: `Europe/Paris${NUL}` }],
    ['PATCH', '/api/v1/notification-preferences', { timeZone: 'x'.repeat(10_000) }],
    ['PATCH', '/api/v1/notification-preferences', { kinds: [{ organizationId: org.id, kind: `pr.failed${NUL}`, enabled: false }] }],
    ['PATCH', '/api/v1/notification-preferences', { kinds: Array.from({ length: 500 }, () => ({ organizationId: org.id, kind: 'pr.failed', enabled: false })) }],
    ['PATCH', '/api/v1/notification-preferences', { quietHours: { start: `22:00${NUL}`, end: '07:00' } }],
    ['GET', '/api/v1/notification-digests?limit=99999999999999999999'],
    ['GET', `/api/v1/notification-digests/${encodeURIComponent(`x${NUL}`)}`],
  ];
  for (const [method, path, body] of cases) {
    const res = await me.client.request(method, path, body);
    t.ok(res.status >= 400 && res.status < 500, `${method} ${path.slice(0, 80)} ${JSON.stringify(body)?.slice(0, 80)} → ${res.status}`);
    t.match(res.body?.error?.code, /^SU_ERR_/);
  }
  t.equal((await me.client.get('/api/v1/notifications/counts')).status, 200, 'and the process still serves');
});

t.test('a well-formed time in year 0 or 10000 (once in UTC) is refused by the schema, naming the field, before any query', async (t) => {
  // PostgreSQL refuses these mid-query (SQLSTATE 22008); the error net would answer a bare 400.
  for (const before of ['0000-06-01T00:00:00Z', '0001-01-01T00:30:00+01:00', '9999-12-31T23:30:00-01:00']) {
    const res = await me.client.post('/api/v1/notifications/read-all', { before });
    t.equal(res.status, 400, before);
    t.match(res.body?.error, { code: 'SU_ERR_VALIDATION', message: /before.*between years 0001 and 9999/ }, JSON.stringify(res.body));
  }
});

t.test('the last instant we hold is accepted: everything before it is marked read', async (t) => {
  const res = await me.client.post('/api/v1/notifications/read-all', { before: '9999-12-31T23:59:59.999Z' });
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.equal((await me.client.post('/api/v1/notifications/read-all', { before: '0001-01-01T00:00:00Z' })).status, 200, 'and the first');
});
