import t from 'tap';
import { sql } from 'drizzle-orm';
import { notifyProjectAdmins } from '../../src/modules/notifications/notify.ts';
import { startTestApp } from '../helpers/app.ts';
import { createOrg, createProject, createUser } from '../helpers/fixtures.ts';
import { realtimeClient } from '../helpers/ws-client.ts';

const app = await startTestApp(t);

/** A person who administers a project (so its notifications reach them), with a socket and their own channel. */
async function person(name: string) {
  const user = await createUser(app, `${name}-${Math.random()}@example.com`);
  const org = await createOrg(user.client, `${name} org`);
  const project = await createProject(user.client, org.id);
  const channel = `user:${user.id}:notifications`;
  const notify = (title = 'CI failed on the PR', db = app.db.db) =>
    notifyProjectAdmins(db, { projectId: project.id, kind: 'pr.failed', segment: 'review', title: () => title }, new Date());
  const unread = async () => (await user.client.get('/api/v1/notifications/counts')).body.unread as number;
  const socket = await realtimeClient(app.baseUrl, user.key);
  t.teardown(() => socket.close());
  return { ...user, project, channel, notify, unread, socket };
}

/**
 * How long a live event may take. Events are pushed (NOTIFY), with no polling behind them: 5 s
 * leaves a loaded machine room and still catches one that never comes.
 */
const LIVE_MS = 5000;

/** Waits for the next message of `kind` on the channel, failing after `ms`. */
async function within(socket: Awaited<ReturnType<typeof realtimeClient>>, channel: string, kind: string, ms: number, seen = 0) {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const frame = await Promise.race([
    socket.next((f) => f.type === 'message' && f.channel === channel && f.kind === kind && socket.messages(channel).indexOf(f) >= seen),
    new Promise((resolve) => (timer = setTimeout(() => resolve(undefined), ms))),
  ]);
  clearTimeout(timer); // the windows are long: a pending one would hold the file open
  return { frame: frame as any, ms: Date.now() - started };
}

t.test('a person hears of a new notification on their channel within a second, with what it says', async (t) => {
  const u = await person('u');
  t.equal((await u.socket.subscribe(u.channel)).type, 'subscribed');
  await u.notify('Review wanted on the login fix');
  const { frame, ms } = await within(u.socket, u.channel, 'notification.created', LIVE_MS);
  t.ok(frame, `the created event arrived promptly after the commit (${ms} ms)`);
  t.match(frame?.data, { kind: 'pr.failed', segment: 'review', projectId: u.project.id, heldUntil: null });
  t.notOk('title' in (frame?.data ?? {}) || 'body' in (frame?.data ?? {}), 'what it says stays in the notification (the log outlives a deleted person)');
  const [listed] = (await u.client.get('/api/v1/notifications')).body.items;
  t.equal(frame?.data.id, listed.id, 'the same notification the list shows');
  t.equal(listed.title, 'Review wanted on the login fix');
  t.equal(await u.unread(), 1);
});

t.test("another person cannot subscribe to someone's notifications: refused with an error frame, and nothing of it reaches them", async (t) => {
  const u = await person('owner');
  const v = await person('snoop');
  const refused = await v.socket.subscribe(u.channel);
  t.match(refused, { type: 'error', code: 'SU_ERR_FORBIDDEN', channel: u.channel });
  const admin = await realtimeClient(app.baseUrl, app.admin.key!);
  t.teardown(() => admin.close());
  t.match(await admin.subscribe(u.channel), { type: 'error', code: 'SU_ERR_FORBIDDEN' }, 'not even the instance admin');
  t.equal((await v.socket.subscribe(v.channel)).type, 'subscribed', 'their own channel is fine');
  t.equal((await u.socket.subscribe(u.channel)).type, 'subscribed');
  await u.notify('for u only');
  await v.notify('for v');
  t.ok((await within(u.socket, u.channel, 'notification.created', LIVE_MS)).frame, 'u heard theirs');
  t.ok((await within(v.socket, v.channel, 'notification.created', LIVE_MS)).frame, 'v heard theirs');
  t.equal(v.socket.messages(u.channel).length, 0, "no message of the other person's channel");
  const vIds = (await v.client.get('/api/v1/notifications')).body.items.map((n: { id: string }) => n.id);
  t.same(v.socket.messages(v.channel).map((m) => m.data.id), vIds, 'only their own');
  t.equal(admin.frames.filter((f) => f.type === 'message').length, 0);
});

t.test('mark read, mark all read and snoozes are heard; each moves the count the badge shows', async (t) => {
  const u = await person('reader');
  await u.socket.subscribe(u.channel);
  for (const title of ['one', 'two', 'three']) await u.notify(title);
  await u.socket.until(u.channel, 3);
  const ids = u.socket.messages(u.channel).map((m) => m.data.id as string);
  t.equal(await u.unread(), 3);

  let seen = u.socket.messages(u.channel).length;
  t.equal((await u.client.post(`/api/v1/notifications/${ids[0]}/read`, {})).status, 204);
  const read = await within(u.socket, u.channel, 'notification.read', LIVE_MS, seen);
  t.same(read.frame?.data, { id: ids[0] });
  t.equal(await u.unread(), 2, 'one fewer unread');

  seen = u.socket.messages(u.channel).length;
  await u.client.post(`/api/v1/notifications/${ids[1]}/snooze`, { until: new Date(Date.now() + 3_600_000).toISOString() });
  t.match((await within(u.socket, u.channel, 'notification.snoozed', LIVE_MS, seen)).frame?.data, { id: ids[1] });
  t.equal(await u.unread(), 1, 'a snoozed one is not counted');
  seen = u.socket.messages(u.channel).length;
  await u.client.delete(`/api/v1/notifications/${ids[1]}/snooze`);
  t.same((await within(u.socket, u.channel, 'notification.unsnoozed', LIVE_MS, seen)).frame?.data, { id: ids[1] });
  t.equal(await u.unread(), 2, 'back in the count');

  seen = u.socket.messages(u.channel).length;
  t.equal((await u.client.post('/api/v1/notifications/read-all', {})).body.marked, 2);
  t.same((await within(u.socket, u.channel, 'notification.read', LIVE_MS, seen)).frame?.data, { all: true, marked: 2 });
  t.equal(await u.unread(), 0);
  seen = u.socket.messages(u.channel).length;
  await u.client.post('/api/v1/notifications/read-all', {});
  await u.notify('after');
  t.ok((await within(u.socket, u.channel, 'notification.created', LIVE_MS, seen)).frame, 'the new one is heard');
  t.same(u.socket.messages(u.channel).slice(seen).map((m) => m.kind), ['notification.created'], 'marking nothing read publishes nothing');
});

t.test('a snoozed notification that comes back by time alone is announced once, when it enters the inbox', async (t) => {
  const u = await person('sleeper');
  await u.socket.subscribe(u.channel);
  // A second socket of the same person: both hear the release, and it is written once.
  const again = await realtimeClient(app.baseUrl, u.key);
  t.teardown(() => again.close());
  await again.subscribe(u.channel);
  await u.notify('wake me');
  const { frame: created } = await within(u.socket, u.channel, 'notification.created', LIVE_MS);
  // 5 s: the snooze and the count below are done well before it ends, even on a loaded machine.
  const until = new Date(Date.now() + 5000);
  t.equal((await u.client.post(`/api/v1/notifications/${created.data.id}/snooze`, { until: until.toISOString() })).status, 200);
  t.equal(await u.unread(), 0, 'snoozed: not counted');
  const seen = u.socket.messages(u.channel).length;
  const released = await within(u.socket, u.channel, 'notification.released', until.getTime() + 2 * LIVE_MS - Date.now(), seen);
  const after = Date.now() - until.getTime();
  t.ok(released.frame, 'announced');
  t.same(released.frame?.data.ids, [created.data.id]);
  t.ok(after >= 0, 'not before the snooze ends');
  // Timed to the instant: 5 s of margin for a loaded machine still tells that from waiting for some later look.
  t.ok(after < LIVE_MS, `soon after it ends (${after} ms)`);
  t.equal(await u.unread(), 1, 'counted again');
  t.ok((await within(again, u.channel, 'notification.released', LIVE_MS)).frame, 'the second socket heard it too');
  await new Promise((r) => setTimeout(r, 300));
  t.equal(u.socket.messages(u.channel).filter((m) => m.kind === 'notification.released').length, 1, 'written once');
  t.same(again.messages(u.channel).map((m) => m.cursor), u.socket.messages(u.channel).map((m) => m.cursor), 'both sockets heard the same events');
});

t.test('one held by quiet hours is announced when the quiet hours end, and counted from then', async (t) => {
  const u = await person('night');
  const hhmm = (d: Date) => d.toISOString().slice(11, 16);
  const now = new Date();
  const prefs = await u.client.patch('/api/v1/notification-preferences', {
    timeZone: 'UTC', quietHours: { start: hhmm(new Date(now.getTime() - 3_600_000)), end: hhmm(new Date(now.getTime() + 3_600_000)) },
  });
  t.equal(prefs.status, 200, 'quiet hours around now');
  await u.socket.subscribe(u.channel);
  // Held until the quiet end (an hour away): the test moves that end to 5 s from now (room for the
  // count below on a loaded machine) in the same transaction, so the release timer, which reads
  // the database when it hears of the notification, sees the moved end.
  const ends = new Date(Date.now() + 5000);
  await app.db.db.transaction(async (tx) => {
    await u.notify('arrived at night', tx);
    await tx.execute(sql`UPDATE notifications SET held_until = ${ends.toISOString()}::timestamptz, visible_at = ${ends.toISOString()}::timestamptz
                          WHERE user_id = ${u.id} AND held_until IS NOT NULL`);
  });
  const { frame: created } = await within(u.socket, u.channel, 'notification.created', LIVE_MS);
  t.ok(created?.data.heldUntil, 'created held');
  t.equal(await u.unread(), 0, 'not counted during the quiet hours');
  const { frame: released } = await within(u.socket, u.channel, 'notification.released', ends.getTime() + 2 * LIVE_MS - Date.now(), 1);
  t.same(released?.data.ids, [created?.data.id], 'announced when it enters the inbox');
  t.ok(Date.now() >= ends.getTime(), 'not before');
  t.equal(await u.unread(), 1, 'counted from then');
});

t.test('after a disconnect the channel replays what was missed from the cursor', async (t) => {
  const u = await person('resumer');
  const sub = await u.socket.subscribe(u.channel);
  await u.notify('seen live');
  await u.socket.until(u.channel, 1);
  const cursor = u.socket.messages(u.channel)[0].cursor;
  u.socket.close();
  await u.notify('missed while away');
  const back = await realtimeClient(app.baseUrl, u.key);
  t.teardown(() => back.close());
  t.equal((await back.subscribe(u.channel, cursor)).type, 'subscribed');
  await back.until(u.channel, 1);
  const [missed] = (await u.client.get('/api/v1/notifications')).body.items;
  t.equal(missed.title, 'missed while away');
  t.same(back.messages(u.channel).map((m) => m.data.id), [missed.id], 'exactly the one missed');
  t.ok(Number(cursor) > Number(sub.cursor));
});
