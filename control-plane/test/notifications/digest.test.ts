import t from 'tap';
import { notifyProjectAdmins } from '../../src/modules/notifications/notify.ts';
import { assembleWeeklyDigests } from '../../src/modules/notifications/weekly-digest.ts';
import { startTestApp } from '../helpers/app.ts';
import { createOrg, createProject, createUser } from '../helpers/fixtures.ts';
import { queryRows } from '../helpers/sql.ts';

const app = await startTestApp(t);
// A Wednesday; the last full week is Mon 2026-11-30 .. Mon 2026-12-07 in UTC.
const NOW = new Date('2026-12-09T12:00:00Z');

async function person(name: string, prefs: Record<string, unknown> = {}) {
  const me = await createUser(app, `${name}-${Math.random()}@example.com`);
  const org = await createOrg(me.client, `${name} org`);
  const project = await createProject(me.client, org.id, { name: `${name} project` });
  if (Object.keys(prefs).length) await me.client.patch('/api/v1/notification-preferences', prefs);
  const notify = (at: string, kind = 'pr.failed') =>
    notifyProjectAdmins(app.db.db, { projectId: project.id, kind, segment: 'review', title: (p) => `${kind} in ${p} at ${at}` }, new Date(at));
  const digests = async () => (await me.client.get('/api/v1/notification-digests')).body.items as any[];
  return { me, org, project, notify, digests };
}

t.test('each person gets one digest of their last full week, in their time zone; a second run adds nothing', async (t) => {
  const utc = await person('utc');
  const nz = await person('nz', { timeZone: 'Pacific/Auckland' });
  const off = await person('off', { weeklyDigest: false });
  const quiet = await person('quiet');
  await utc.notify('2026-11-29T23:59:00Z'); // the week before
  await utc.notify('2026-11-30T00:00:00Z');
  await utc.notify('2026-12-03T10:00:00Z', 'pr.closed');
  await utc.notify('2026-12-06T23:59:59Z');
  await utc.notify('2026-12-07T00:00:00Z'); // this week
  // Auckland (UTC+13 in December): its Monday 2026-11-30 00:00 is 2026-11-29T11:00Z.
  await nz.notify('2026-11-29T11:30:00Z');
  await nz.notify('2026-12-06T12:00:00Z'); // Monday 01:00 in Auckland: this week there
  await off.notify('2026-12-02T10:00:00Z');
  await quiet.notify('2026-11-20T10:00:00Z'); // nothing in the week: no digest

  const first = await assembleWeeklyDigests(app.db.db, NOW);
  t.ok(first.leader);
  const [u] = await utc.digests();
  t.match(u, { weekStart: '2026-11-30', periodStart: '2026-11-30T00:00:00.000Z', periodEnd: '2026-12-07T00:00:00.000Z' });
  t.match(u.summary, { total: 3, unreadAtAssembly: 3, byKind: { 'pr.failed': 2, 'pr.closed': 1 }, byProject: [{ name: 'utc project', count: 3 }] });
  t.equal(u.summary.latest.length, 3);
  t.match(u.subject, /3 notifications in the week of 2026-11-30/);
  t.match(u.text, /utc project: 3/);
  const [z] = await nz.digests();
  t.match(z, { weekStart: '2026-11-30', periodStart: '2026-11-29T11:00:00.000Z', periodEnd: '2026-12-06T11:00:00.000Z' });
  t.equal(z.summary.total, 1, "the week is Auckland's");
  t.same(await off.digests(), [], 'the digest turned off: none');
  t.same(await quiet.digests(), [], 'a week without notifications: none');

  t.same(await assembleWeeklyDigests(app.db.db, NOW), { leader: true, assembled: 0 }, 'idempotent: nothing more to do');
  t.equal((await utc.digests()).length, 1);
});

t.test('two runs at once (two instances) store each week once', async (t) => {
  const people = await Promise.all([1, 2, 3].map((i) => person(`race${i}`)));
  for (const p of people) await p.notify('2026-12-01T09:00:00Z');
  const outcomes = await Promise.all([assembleWeeklyDigests(app.db.db, NOW, 1), assembleWeeklyDigests(app.db.db, NOW, 1)]);
  t.equal(outcomes.reduce((a, o) => a + o.assembled, 0), 3, 'three digests in all');
  for (const p of people) t.equal((await p.digests()).length, 1);
  const [dupes] = await queryRows<{ n: number }>(app.db, 'SELECT count(*)::int AS n FROM (SELECT user_id, week_start FROM notification_digests GROUP BY 1, 2 HAVING count(*) > 1) d');
  t.equal(dupes!.n, 0);
});

t.test("a digest is its owner's only", async (t) => {
  const a = await person('own-a');
  const b = await person('own-b');
  await a.notify('2026-12-01T09:00:00Z');
  await assembleWeeklyDigests(app.db.db, NOW);
  const [d] = await a.digests();
  t.equal((await a.me.client.get(`/api/v1/notification-digests/${d.id}`)).body.id, d.id);
  const theirs = await b.me.client.get(`/api/v1/notification-digests/${d.id}`);
  t.same([theirs.status, theirs.body.error.code], [404, 'SU_ERR_NOT_FOUND']);
  t.same(await b.digests(), []);
  t.equal((await a.me.client.get('/api/v1/notification-digests?limit=0')).status, 400);
});

t.test('deleting a person removes their digests and notification settings', async (t) => {
  const gone = await person('gone', { timeZone: 'Europe/Paris' });
  await gone.notify('2026-12-01T09:00:00Z');
  await assembleWeeklyDigests(app.db.db, NOW);
  const left = async (table: string) => (await queryRows<{ n: number }>(app.db, `SELECT count(*)::int AS n FROM ${table} WHERE user_id = '${gone.me.id}'`))[0]!.n;
  t.equal(await left('notification_digests'), 1);
  t.equal(await left('notification_settings'), 1);
  // Another owner first: the last owner of an organization cannot be deleted.
  const heir = await createUser(app, `heir-${Math.random()}@example.com`);
  t.equal((await gone.me.client.post(`/api/v1/organizations/${gone.org.id}/members`, { userId: heir.id, role: 'owner' })).status, 201);
  t.equal((await app.admin.delete(`/api/v1/users/${gone.me.id}`)).status, 204);
  t.equal(await left('notification_digests'), 0, 'their digests (titles of their notifications) are gone');
  t.equal(await left('notification_settings'), 0);
  t.same(await assembleWeeklyDigests(app.db.db, NOW), { leader: true, assembled: 0 }, 'and the job does not assemble one again');
});
