// An assignment the daemon never answered — the instance that sent it was killed between commit
// and send, or the daemon restarted before replying — is sent again on the workstation's next
// session: the same attempt and lease, not a requeue; one the daemon says it holds is not.
import t from 'tap';
import { queryRows } from '../helpers/sql.ts';
import { startTestApp } from '../helpers/app.ts';
import { connectRaw, hello } from '../workstations/helpers/ws-client.ts';
import { attemptFrames, servedProject } from './fixtures.ts';

const app = await startTestApp(t, { dispatch: { offlineGraceMs: 60_000, tickMs: 60_000, maxAttempts: 2 } });
const assignOf = (client: any, missionId: string) => client.waitFor((f: any) => f.type === 'mission.assign' && f.payload.mission.id === missionId, `assign of ${missionId}`);

async function reconnect(p: Awaited<ReturnType<typeof servedProject>>, attempts: unknown[] = []) {
  const client = await connectRaw(app.baseUrl, p.token);
  client.send(hello(p.workstationId, attempts));
  await client.waitFor((f) => f.type === 'session.welcome', 'welcome');
  return client;
}

t.test('a daemon that lost an assignment before answering gets the same one on its next session, and runs it once', async (t) => {
  const p = await servedProject(app);
  const first = await p.connect();
  const m = await p.mission({ title: 'Lost on the way' });
  const lost = await assignOf(first, m.id);
  await first.close(); // gone without a reply: as if the frame never arrived

  const again = await reconnect(p);
  const resent = await assignOf(again, m.id);
  t.equal(resent.payload.attemptId, lost.payload.attemptId, 'the same attempt');
  t.equal(resent.payload.leaseVersion, lost.payload.leaseVersion, 'the same lease');
  const f = attemptFrames(resent);
  again.send(f.accepted());
  again.send(f.event('agent.output', { line: 'working' }));
  again.send(f.finished('succeeded'));
  await again.waitFor((x) => x.type === 'event.ack' && x.payload.acks.some((a: any) => a.seq === 2), 'ack of the finish');
  const attempts = await queryRows<{ status: string }>(app.db, `SELECT status FROM code_agent_sessions WHERE mission_id = '${m.id}'`);
  t.same(attempts.map((a) => a.status), ['succeeded'], 'one attempt, succeeded: nothing requeued');
  t.equal((await app.admin.get(`/api/v1/missions/${m.id}`)).body.list, 'done');
  await again.close();
});

t.test('an assignment the daemon holds (its hello names it) is not sent again', async (t) => {
  const p = await servedProject(app);
  const first = await p.connect();
  const m = await p.mission({ title: 'Held across a reconnect' });
  const assign = await assignOf(first, m.id);
  await first.close();

  const held = [{ attemptId: assign.payload.attemptId, missionId: m.id, leaseVersion: assign.payload.leaseVersion, lastSeq: 0, state: 'running' }];
  const again = await reconnect(p, held);
  // A mission created after the welcome is dispatched after the session's opening work is done.
  const next = await p.mission({ title: 'Next one' });
  await assignOf(again, next.id);
  t.same(again.frames.filter((x) => x.type === 'mission.assign').map((x) => x.payload.mission.id), [next.id], 'no repeat of the assignment the daemon holds');
  const f = attemptFrames(assign);
  again.send(f.accepted());
  again.send(f.finished('succeeded'));
  await again.waitFor((x) => x.type === 'event.ack' && x.payload.acks.some((a: any) => a.attemptId === assign.payload.attemptId && a.seq === 1), 'ack of the finish');
  t.equal((await app.admin.get(`/api/v1/missions/${m.id}`)).body.list, 'done', 'and it finishes on the attempt it held');
  await again.close();
});
