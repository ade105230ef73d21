import { newId } from '@solo-unicorn/shared';
import t from 'tap';
import { notifyProjectAdmins } from '../../src/modules/notifications/notify.ts';
import { startTestApp } from '../helpers/app.ts';
import { createOrg, createProject, createUser } from '../helpers/fixtures.ts';
import { queryRows } from '../helpers/sql.ts';

const app = await startTestApp(t);
const HOUR = 3_600_000;

async function world(name: string) {
  const owner = await createUser(app, `${name}-${Math.random()}@example.com`);
  const org = await createOrg(owner.client, `${name} org`);
  const project = await createProject(owner.client, org.id);
  const notify = (kind = 'pr.failed', segment = 'review', at = new Date()) =>
    notifyProjectAdmins(app.db.db, { projectId: project.id, kind, segment, title: (p) => `${kind} in ${p}` }, at);
  const inbox = async (query = '') => (await owner.client.get(`/api/v1/notifications?limit=200${query}`)).body.items as any[];
  const counts = async () => (await owner.client.get('/api/v1/notifications/counts')).body as { unread: number; segments: Record<string, number> };
  return { owner, org, project, notify, inbox, counts };
}
const sqlTs = (d: Date) => `'${d.toISOString()}'::timestamptz`;

t.test('the unread count (notification_counts view) equals the unread list, per segment, through reads, archives, holds and snoozes', async (t) => {
  const w = await world('counts');
  for (let i = 0; i < 7; i++) await w.notify('pr.failed', 'review');
  for (let i = 0; i < 4; i++) await w.notify('fallback.review_needed', 'fallback');
  const ids = (await w.inbox()).map((n) => n.id);
  t.equal(ids.length, 11);
  await queryRows(app.db, `UPDATE notifications SET read_at = now() WHERE id = '${ids[0]}'`);
  await queryRows(app.db, `UPDATE notifications SET archived_at = now() WHERE id = '${ids[1]}'`);
  await queryRows(app.db, `UPDATE notifications SET held_until = ${sqlTs(new Date(Date.now() + HOUR))}, visible_at = ${sqlTs(new Date(Date.now() + HOUR))} WHERE id = '${ids[2]}'`);
  await queryRows(app.db, `UPDATE notifications SET held_until = ${sqlTs(new Date(Date.now() - HOUR))}, visible_at = ${sqlTs(new Date(Date.now() - HOUR))} WHERE id = '${ids[3]}'`);
  t.equal((await w.owner.client.post(`/api/v1/notifications/${ids[4]}/snooze`, { until: new Date(Date.now() + HOUR).toISOString() })).status, 200);

  const unread = await w.inbox('&unread=true');
  const counts = await w.counts();
  t.equal(counts.unread, unread.length, 'the badge equals the list');
  t.equal(counts.unread, 11 - 4, 'read, archived, still held and snoozed ones are not counted; a hold that ended is');
  for (const segment of ['review', 'fallback']) {
    t.equal(counts.segments[segment], unread.filter((n) => n.segment === segment).length, `segment ${segment}`);
    t.equal(counts.segments[segment], (await w.inbox(`&unread=true&segment=${segment}`)).length, `segment ${segment} filter`);
  }
  const waiting = await w.inbox('&view=waiting');
  t.same(waiting.map((n) => n.id).sort(), [ids[2], ids[4]].sort(), 'held and snoozed ones are listed under view=waiting');
  t.ok(waiting.find((n) => n.id === ids[2]).heldUntil, 'with when the hold ends');
  t.ok(waiting.find((n) => n.id === ids[4]).snoozedUntil, 'with when the snooze ends');
});

t.test('mark all read is one request: the inbox only, `before` spares later arrivals, other people untouched', async (t) => {
  const a = await world('all-a');
  const b = await world('all-b');
  const old = new Date(Date.now() - 10 * 60_000);
  for (let i = 0; i < 5; i++) await a.notify('pr.failed', 'review', old);
  await a.notify('pr.closed', 'review');
  await b.notify();
  const snoozed = (await a.inbox()).at(-1).id; // an old one
  await a.owner.client.post(`/api/v1/notifications/${snoozed}/snooze`, { until: new Date(Date.now() + HOUR).toISOString() });

  const res = await a.owner.client.post('/api/v1/notifications/read-all', { before: new Date(old.getTime() + 1000).toISOString() });
  t.same([res.status, res.body], [200, { marked: 4 }], 'the four older ones in the inbox (the fifth is snoozed)');
  t.same((await a.counts()).unread, 1, 'the later one is still unread');
  t.equal((await a.owner.client.post('/api/v1/notifications/read-all', {})).body.marked, 1);
  t.same(await a.counts(), { unread: 0, segments: {} }, 'nothing unread in the inbox');
  t.equal((await a.inbox('&view=waiting&unread=true')).length, 1, 'the snoozed one stays unread for when it comes back');
  t.equal((await b.counts()).unread, 1, "another person's inbox is untouched");
  t.equal((await a.owner.client.post('/api/v1/notifications/read-all')).body.marked, 0, 'again: nothing to do (no body is fine)');
  // A row stamped by the database (microseconds): `before` as the API printed its createdAt still covers it.
  await queryRows(app.db, `INSERT INTO notifications (id, user_id, kind, segment, title) VALUES ('${newId()}', '${a.owner.id}', 'pr.failed', 'review', 'stamped by the database')`);
  const [stamped] = await a.inbox('&unread=true');
  t.equal(stamped.title, 'stamped by the database');
  t.equal((await a.owner.client.post('/api/v1/notifications/read-all', { before: stamped.createdAt })).body.marked, 1);
  const bad = await a.owner.client.post('/api/v1/notifications/read-all', { before: 'yesterday' });
  t.same([bad.status, bad.body.error.code], [400, 'SU_ERR_VALIDATION']);
});

t.test('snooze hides a notification until a time, then it is back in the list and the count', async (t) => {
  const w = await world('snooze');
  const other = await world('snooze-other');
  await w.notify();
  const [n] = await w.inbox();
  const until = new Date(Date.now() + 2500);
  const res = await w.owner.client.post(`/api/v1/notifications/${n.id}/snooze`, { until: until.toISOString() });
  t.match(res.body, { id: n.id, snoozedUntil: until.toISOString() });
  t.equal((await w.inbox()).length, 0, 'gone from the inbox');
  t.equal((await w.counts()).unread, 0, 'and from the count');
  await new Promise((r) => setTimeout(r, 3000));
  t.same((await w.inbox()).map((x) => x.id), [n.id], 'back once the time passed');
  t.equal((await w.counts()).unread, 1);

  await w.owner.client.post(`/api/v1/notifications/${n.id}/snooze`, { until: new Date(Date.now() + HOUR).toISOString() });
  const back = await w.owner.client.delete(`/api/v1/notifications/${n.id}/snooze`);
  t.match(back.body, { id: n.id, snoozedUntil: null });
  t.equal((await w.counts()).unread, 1, 'unsnoozed: back at once');

  for (const until of [new Date(Date.now() - 1000).toISOString(), new Date(Date.now() + 400 * 86_400_000).toISOString(), 'soon']) {
    const r = await w.owner.client.post(`/api/v1/notifications/${n.id}/snooze`, { until });
    t.same([r.status, r.body.error.code], [400, 'SU_ERR_VALIDATION'], `until ${until}`);
  }
  const theirs = await other.owner.client.post(`/api/v1/notifications/${n.id}/snooze`, { until: new Date(Date.now() + HOUR).toISOString() });
  t.equal(theirs.status, 404, "someone else's notification does not exist for you");
  t.equal((await other.owner.client.delete(`/api/v1/notifications/${n.id}/snooze`)).status, 404);
});
