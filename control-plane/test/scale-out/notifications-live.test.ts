// The live inbox with two control planes on one PostgreSQL: a notification written by instance B
// reaches a person's socket on instance A (the event is in the database, announced by NOTIFY), and
// a release by time alone is written once though both instances time it. Real PostgreSQL only.
import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { onPostgres } from '../helpers/database.ts';
import { createOrg, createProject, createUser } from '../helpers/fixtures.ts';
import { realtimeClient } from '../helpers/ws-client.ts';
import { startPeer } from './helpers.ts';

type Socket = Awaited<ReturnType<typeof realtimeClient>>;

/** How long a live event may take: pushed (NOTIFY), with no polling behind it; 5 s is room for a loaded machine. */
const LIVE_MS = 5000;

/** The next message of `kind` on the channel after the first `seen` ones, or undefined after `ms`. */
const within = (socket: Socket, channel: string, kind: string, ms: number, seen = 0) => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    socket.next((f) => f.type === 'message' && f.channel === channel && f.kind === kind && socket.messages(channel).indexOf(f) >= seen),
    new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms))),
  ]).finally(() => clearTimeout(timer)); // the windows are long: a pending one would hold the file open
};

if (!onPostgres) {
  t.pass('runs on real PostgreSQL only (set TEST_DATABASE_URL)');
} else {
  const a = await startTestApp(t);
  const b = await startPeer(t, a);
  const org = await createOrg(a.admin, 'Two planes');
  const project = await createProject(a.admin, org.id, { name: 'Shared' });
  const me = (await a.admin.get('/api/v1/users/me')).body as { id: string };
  const channel = `user:${me.id}:notifications`;
  const unreadOn = async (client: typeof a.admin) => (await client.get('/api/v1/notifications/counts')).body.unread as number;

  t.test('an access request made through B reaches the admin watching on A within a second; marking it read on B is heard on A', async (t) => {
    const onA = await realtimeClient(a.baseUrl, a.admin.key!);
    t.teardown(() => onA.close());
    t.equal((await onA.subscribe(channel)).type, 'subscribed');
    const viewer = await createUser(a, `viewer-${Math.random()}@example.com`);
    await a.admin.post(`/api/v1/organizations/${org.id}/members`, { userId: viewer.id, role: 'viewer' });
    const before = await unreadOn(a.admin);

    const asked = await b.app.inject({
      method: 'POST', url: `/api/v1/projects/${project.id}/access-requests`,
      headers: { authorization: `Bearer ${viewer.key}` }, payload: { role: 'member', message: 'let me help' },
    });
    t.equal(asked.statusCode, 201, 'asked through instance B');
    const sent = Date.now(); // committed: from here the event must cross to A
    const created = await within(onA, channel, 'notification.created', LIVE_MS);
    t.ok(created, `heard on A promptly after the commit (${Date.now() - sent} ms)`);
    t.match(created?.data, { kind: 'access_request.created', segment: 'access', projectId: project.id });
    const listedOnA = (await a.admin.get('/api/v1/notifications?segment=access')).body.items[0];
    t.same([listedOnA.id, listedOnA.body], [created?.data.id, 'let me help'], 'the one A lists');
    t.equal(await unreadOn(a.admin), before + 1, 'the count on A moved');

    const seen = onA.messages(channel).length;
    t.equal((await b.admin.post(`/api/v1/notifications/${created.data.id}/read`, {})).status, 204, 'read through B');
    t.same((await within(onA, channel, 'notification.read', LIVE_MS, seen))?.data, { id: created.data.id }, 'heard on A');
    t.equal(await unreadOn(a.admin), before);
  });

  t.test('a snooze ending is announced once to sockets on both instances', async (t) => {
    const onA = await realtimeClient(a.baseUrl, a.admin.key!);
    const onB = await realtimeClient(b.baseUrl, a.admin.key!);
    t.teardown(() => { onA.close(); onB.close(); });
    await onA.subscribe(channel);
    await onB.subscribe(channel);
    const viewer = await createUser(a, `sleepy-${Math.random()}@example.com`);
    await a.admin.post(`/api/v1/organizations/${org.id}/members`, { userId: viewer.id, role: 'viewer' });
    await viewer.client.post(`/api/v1/projects/${project.id}/access-requests`, { role: 'member' });
    const created = await within(onB, channel, 'notification.created', LIVE_MS);
    t.ok(created);
    // 5 s: the snooze is in well before it ends (one in the past is refused), even on a loaded machine.
    const until = new Date(Date.now() + 5000);
    t.equal((await a.admin.post(`/api/v1/notifications/${created.data.id}/snooze`, { until: until.toISOString() })).status, 200);
    const seen = onA.messages(channel).length;
    const [onAReleased, onBReleased] = await Promise.all([
      within(onA, channel, 'notification.released', until.getTime() + 2 * LIVE_MS - Date.now(), seen),
      within(onB, channel, 'notification.released', until.getTime() + 2 * LIVE_MS - Date.now(), seen),
    ]);
    t.same(onAReleased?.data.ids, [created.data.id], 'A heard it come back');
    t.same(onBReleased?.data.ids, [created.data.id], 'B heard it come back');
    t.equal(onAReleased?.cursor, onBReleased?.cursor, 'the same event');
    await new Promise((r) => setTimeout(r, 500));
    t.equal(onA.messages(channel).filter((m) => m.kind === 'notification.released').length, 1, 'written once, though both instances timed it');
    t.ok(Date.now() >= until.getTime());
  });
}
