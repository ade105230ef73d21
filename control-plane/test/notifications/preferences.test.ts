import t from 'tap';
import { notifyProjectAdmins } from '../../src/modules/notifications/notify.ts';
import { formatClockTime } from '../../src/modules/notifications/quiet-hours.ts';
import { startTestApp } from '../helpers/app.ts';
import { createOrg, createProject, createUser } from '../helpers/fixtures.ts';

const app = await startTestApp(t);

async function world(name: string) {
  const owner = await createUser(app, `${name}-${Math.random()}@example.com`);
  const org = await createOrg(owner.client, `${name} org`);
  const project = await createProject(owner.client, org.id);
  const notify = (kind: string, at = new Date()) =>
    notifyProjectAdmins(app.db.db, { projectId: project.id, kind, segment: 'review', title: (p) => `${kind} in ${p}` }, at);
  const prefs = (body: unknown) => owner.client.patch('/api/v1/notification-preferences', body);
  const list = async (view = 'inbox') => (await owner.client.get(`/api/v1/notifications?view=${view}`)).body.items as any[];
  const unread = async () => (await owner.client.get('/api/v1/notifications/counts')).body.unread as number;
  return { owner, org, project, notify, prefs, list, unread };
}

t.test('defaults, then a partial change keeps the rest', async (t) => {
  const w = await world('defaults');
  const got = (await w.owner.client.get('/api/v1/notification-preferences')).body;
  t.match(got, { timeZone: 'UTC', quietHours: null, weeklyDigest: true });
  t.ok(got.kinds.length >= 5 && got.kinds.every((k: any) => k.enabled && k.organizationId === w.org.id && k.description), 'every kind on, per organization');
  t.match((await w.prefs({ timeZone: 'Asia/Tokyo' })).body, { timeZone: 'Asia/Tokyo', quietHours: null, weeklyDigest: true });
  t.match((await w.prefs({ weeklyDigest: false, quietHours: { start: '22:00', end: '07:00' } })).body, { timeZone: 'Asia/Tokyo', weeklyDigest: false, quietHours: { start: '22:00', end: '07:00' } });
  t.match((await w.prefs({ quietHours: null })).body, { timeZone: 'Asia/Tokyo', quietHours: null, weeklyDigest: false }, 'null turns quiet hours off');
});

t.test('a kind turned off in an organization is not delivered there; turned on again, it is', async (t) => {
  const w = await world('kinds');
  const res = await w.prefs({ kinds: [{ organizationId: w.org.id, kind: 'pr.failed', enabled: false }] });
  t.equal(res.body.kinds.find((k: any) => k.kind === 'pr.failed').enabled, false);
  t.equal(await w.notify('pr.failed'), 0, 'nobody to tell');
  t.equal(await w.notify('pr.closed'), 1, 'other kinds still come');
  t.same((await w.list()).map((n) => n.kind), ['pr.closed']);
  await w.prefs({ kinds: [{ organizationId: w.org.id, kind: 'pr.failed', enabled: true }] });
  t.equal(await w.notify('pr.failed'), 1);
});

t.test('a notification created in quiet hours is held: listed as waiting, not counted, until the quiet end', async (t) => {
  const w = await world('quiet');
  // Quiet hours around this very minute in Tokyo, ending in two hours.
  const tokyoMinute = (d: Date) => { const [h, m] = d.toLocaleTimeString('en-GB', { timeZone: 'Asia/Tokyo', hour12: false }).split(':').map(Number); return h! * 60 + m!; };
  const now = new Date();
  const start = (tokyoMinute(now) - 60 + 1440) % 1440;
  const end = (tokyoMinute(now) + 120) % 1440;
  await w.prefs({ timeZone: 'Asia/Tokyo', quietHours: { start: formatClockTime(start), end: formatClockTime(end) } });
  t.equal(await w.notify('pr.failed', now), 1);
  t.same(await w.list(), [], 'not in the inbox yet');
  t.equal(await w.unread(), 0, 'and not counted');
  const [held] = await w.list('waiting');
  const expectedEnd = Math.floor(now.getTime() / 60_000) * 60_000 + 120 * 60_000;
  t.equal(new Date(held.heldUntil).getTime(), expectedEnd, 'held until the quiet end, two hours on');
  // Outside the quiet hours (three hours ago in real time): delivered at once.
  t.equal(await w.notify('pr.closed', new Date(now.getTime() - 3 * 3_600_000)), 1);
  t.same((await w.list()).map((n) => n.kind), ['pr.closed']);
  t.equal(await w.unread(), 1);
});

t.test('someone outside an organization that notifies them can turn its kinds off: a stranger, then an outside collaborator', async (t) => {
  const w = await world('reach');
  const open = await createProject(w.owner.client, w.org.id, { visibility: 'public' });
  const stranger = await createUser(app, `stranger-${Math.random()}@example.com`);
  const mine = async () => (await stranger.client.get('/api/v1/notification-preferences')).body.kinds.filter((k: any) => k.organizationId === w.org.id);
  const told = async (kind: string) => ((await stranger.client.get('/api/v1/notifications?limit=200')).body.items as any[]).filter((n) => n.kind === kind).length;
  const ask = async (role: string) => (await stranger.client.post(`/api/v1/projects/${open.id}/access-requests`, { role })).body.id as string;
  t.same(await mine(), [], 'nothing from an organization that never reached them');
  t.equal((await stranger.client.patch('/api/v1/notification-preferences', { kinds: [{ organizationId: w.org.id, kind: 'access_request.declined', enabled: false }] })).status, 404, 'nor may they name it');

  t.equal((await w.owner.client.post(`/api/v1/access-requests/${await ask('viewer')}/decline`, {})).status, 200);
  t.equal(await told('access_request.declined'), 1, 'told of the decline');
  t.same((await mine()).map((k: any) => `${k.kind} ${k.enabled}`), ['access_request.approved true', 'access_request.declined true'], 'the organization they asked is listed, with the kinds that can reach an outsider');
  const muted = await stranger.client.patch('/api/v1/notification-preferences', { kinds: [{ organizationId: w.org.id, kind: 'access_request.declined', enabled: false }] });
  t.equal(muted.status, 200, 'and its kinds can be turned off');
  await w.owner.client.post(`/api/v1/access-requests/${await ask('viewer')}/decline`, {});
  t.equal(await told('access_request.declined'), 1, 'a second decline is not delivered');

  await w.owner.client.post(`/api/v1/access-requests/${await ask('member')}/approve`, {});
  t.equal(await told('access_request.approved'), 1, 'other kinds still come');
  t.match((await mine()).find((k: any) => k.kind === 'access_request.declined'), { enabled: false }, 'the choice holds for the outside collaborator');
});

t.test('bad preferences are refused with a stable code and change nothing', async (t) => {
  const w = await world('bad');
  const other = await world('bad-other');
  const cases: [unknown, number][] = [
    [{ timeZone: 'Mars/Olympus' }, 400],
    [{ quietHours: { start: '22:00', end: '22:00' } }, 400],
    [{ quietHours: { start: '25:00', end: '07:00' } }, 400],
    [{ quietHours: { start: '22:00' } }, 400],
    [{ kinds: [{ organizationId: w.org.id, kind: 'no.such_kind', enabled: false }] }, 400],
    [{ kinds: [{ organizationId: other.org.id, kind: 'pr.failed', enabled: false }] }, 404],
    [{ weeklyDigest: 'yes' }, 400],
    [{ surprise: true }, 400],
  ];
  for (const [body, status] of cases) {
    const res = await w.prefs(body);
    t.equal(res.status, status, JSON.stringify(body));
    t.match(res.body.error?.code, status === 404 ? 'SU_ERR_NOT_FOUND' : 'SU_ERR_VALIDATION');
  }
  t.match((await w.owner.client.get('/api/v1/notification-preferences')).body, { timeZone: 'UTC', quietHours: null, weeklyDigest: true });
  t.ok((await other.owner.client.get('/api/v1/notification-preferences')).body.kinds.every((k: any) => k.enabled), "the other organization's member is untouched");
});
