import t from 'tap';
import { createMissionEventsRepository } from '../../src/modules/missions/mission-events.repository.ts';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject, createUser } from '../helpers/fixtures.ts';
import { realtimeClient } from '../helpers/ws-client.ts';

const app = await startTestApp(t, {});
const api = app.admin;
const org = await createOrg(api);
const project = await createProject(api, org.id);

async function produce(missionId: string, n: number, from = 0) {
  const events = createMissionEventsRepository(app.db.db);
  for (let i = from; i < from + n; i++) {
    await app.db.db.transaction((tx) => createMissionEventsRepository(tx).append({ missionId, origin: 'agent', kind: 'agent.output', data: { i } }, new Date()));
  }
  return events;
}

t.test('a subscriber that disconnects during 1,000 events resumes with its cursor and gets each exactly once, in order', async (t) => {
  const mission = await createMission(api, project.id);
  const channel = `mission:${mission.id}:events`;
  const first = await realtimeClient(app.baseUrl, api.key!);
  const ok = await first.subscribe(channel, '0');
  t.equal(ok.type, 'subscribed');
  await first.until(channel, 1); // the creation event
  const producing = produce(mission.id, 1000);
  await first.until(channel, 50);
  first.close();
  await first.closed;
  const seen = first.messages(channel);
  const last = seen.at(-1).cursor;
  await producing;

  const second = await realtimeClient(app.baseUrl, api.key!);
  await second.subscribe(channel, last);
  const total = 1001; // creation + 1,000
  await second.until(channel, total - seen.length);
  const all = [...seen, ...second.messages(channel)];
  const seqs = all.map((m) => Number(m.cursor));
  t.equal(all.length, total, 'nothing missing');
  t.same(seqs, Array.from({ length: total }, (_, i) => i + 1), 'in order, no duplicate');
  t.same(all.slice(1).map((m) => m.data.data.i), Array.from({ length: 1000 }, (_, i) => i), 'payloads intact');
  // live after replay
  await produce(mission.id, 1, 1000);
  await second.until(channel, total - seen.length + 1);
  t.equal(second.messages(channel).at(-1).cursor, String(total + 1));
  second.close();
});

t.test('without a cursor a subscription starts at the head; live changes arrive on the board channel', async (t) => {
  const client = await realtimeClient(app.baseUrl, api.key!);
  const channel = `project:${project.id}:missions`;
  const sub = await client.subscribe(channel);
  t.equal(sub.type, 'subscribed');
  const created = await createMission(api, project.id, { title: 'watch me' });
  await api.post(`/api/v1/missions/${created.id}/move`, { list: 'review' });
  await client.until(channel, 2);
  const [a, b] = client.messages(channel);
  t.match(a, { kind: 'mission.created', data: { missionId: created.id, title: 'watch me', list: 'todo' } });
  t.match(b, { kind: 'mission.changed', data: { missionId: created.id, list: 'review' } });
  t.equal(Number(b.cursor), Number(a.cursor) + 1);
  t.equal(Number(a.cursor), Number(sub.cursor) + 1, 'nothing before the subscription was replayed');
  client.close();
});

t.test("a subscription to another organization's project is refused; a garbage frame gets an error and the socket stays", async (t) => {
  const stranger = await createUser(app, 'stranger@example.com');
  const client = await realtimeClient(app.baseUrl, stranger.key);
  const refused = await client.subscribe(`project:${project.id}:missions`);
  t.match(refused, { type: 'error', code: 'SU_ERR_NOT_FOUND' });
  client.send('{nope');
  t.match(await client.next((f) => f.type === 'error' && f.code === 'SU_ERR_PROTOCOL_FRAME'), { message: /not JSON/ });
  client.send({ type: 'subscribe', channel: 'project:nope:missions' });
  await client.next((f) => f.type === 'error' && /realtime protocol/.test(f.message));
  client.send({ type: 'ping' });
  t.ok(await client.next((f) => f.type === 'pong'), 'still serving');
  const own = await createOrg(stranger.client, 'Stranger Co');
  t.equal((await client.subscribe(`organization:${own.id}:workstations`)).type, 'subscribed');
  client.close();
});

t.test('no key, no socket', async (t) => {
  await t.rejects(realtimeClient(app.baseUrl, 'su_wrong_key_123456789012345'), /401/);
});

t.test('an unsubscribe that arrives while the subscribe is being authorized leaves no live subscription', async (t) => {
  const mission = await createMission(api, project.id);
  const channel = `mission:${mission.id}:events`;
  const client = await realtimeClient(app.baseUrl, api.key!);
  client.send({ type: 'subscribe', channel, cursor: '0' });
  client.send({ type: 'unsubscribe', channel });
  await client.next((f) => f.type === 'unsubscribed' && f.channel === channel);
  await produce(mission.id, 3);
  // Subscribing again replays everything once; a leaked first subscription would double it.
  const again = await client.subscribe(channel, '0');
  t.equal(again.type, 'subscribed');
  await client.until(channel, 4);
  await produce(mission.id, 1, 3);
  await client.until(channel, 5);
  t.same(client.messages(channel).map((m) => Number(m.cursor)), [1, 2, 3, 4, 5], 'each event once');
  client.close();
});
