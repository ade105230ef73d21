import t from 'tap';
import { createMissionEventsRepository } from '../../src/modules/missions/mission-events.repository.ts';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject } from '../helpers/fixtures.ts';
import { realtimeClient } from '../helpers/ws-client.ts';

// A tiny buffer allowance so a client that stops reading is detected quickly.
const app = await startTestApp(t, { realtimeMaxBufferedBytes: 16 * 1024 });
const api = app.admin;
const project = await createProject(api, (await createOrg(api)).id);

t.test('a client that stops reading is dropped with the slow-consumer close code instead of growing memory', async (t) => {
  const mission = await createMission(api, project.id);
  // ~40 MB of backlog: more than loopback's kernel socket buffers can absorb for a reader that stopped.
  const big = 'x'.repeat(64 * 1024);
  for (let i = 0; i < 20; i++) {
    await app.db.db.transaction(async (tx) => {
      for (let j = 0; j < 32; j++) await createMissionEventsRepository(tx).append({ missionId: mission.id, origin: 'agent', kind: 'agent.output', data: { big } }, new Date());
    });
  }
  const client = await realtimeClient(app.baseUrl, api.key!);
  (client.ws as any)._socket.pause(); // stop reading: the kernel buffers fill, then the server's
  client.send({ type: 'subscribe', channel: `mission:${mission.id}:events`, cursor: '0' });
  // A paused client cannot even read the close frame, so watch the server's own account of it.
  const deadline = Date.now() + 60_000;
  let dropped = 0;
  while (dropped === 0 && Date.now() < deadline) {
    const metrics = (await api.get('/metrics')).body as string;
    dropped = Number(/^su_realtime_slow_consumers_dropped_total (\d+)/m.exec(metrics)?.[1] ?? 0);
    if (dropped === 0) await new Promise((r) => setTimeout(r, 100));
  }
  t.equal(dropped, 1, 'the server dropped the slow consumer');
  (client.ws as any)._socket.destroy();
  await client.closed;
  let open = -1;
  while (open !== 0 && Date.now() < deadline) {
    open = Number(/^su_realtime_connections (\d+)/m.exec((await api.get('/metrics')).body as string)?.[1]);
    if (open !== 0) await new Promise((r) => setTimeout(r, 50));
  }
  t.equal(open, 0, 'and holds no connection for it');
});
