// One ingest batch holding several missions' events and a finish: events are written per mission
// in bulk (one UPDATE, one INSERT), yet every mission's timeline keeps frame order, gap-free, and
// a finish's own entries come after the agent events it follows.
import { makeFrame } from '@solo-unicorn/shared';
import t from 'tap';
import { systemClock } from '../../src/lib/time.ts';
import { createEventIngest } from '../../src/sessions/ingest.ts';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject } from '../helpers/fixtures.ts';
import { queryRows } from '../helpers/sql.ts';
import { attemptRow, createAttempt } from './helpers/attempts.ts';
import { eventFrame } from './helpers/ws-client.ts';

const app = await startTestApp(t);
const org = await createOrg(app.admin);
const project = await createProject(app.admin, org.id);
const { body: reg } = await app.admin.post('/api/v1/workstations', { organizationId: org.id, name: 'batch' });

const timeline = (missionId: string) =>
  queryRows<{ seq: number; kind: string; attempt_seq: number | null }>(app.db, `SELECT seq, kind, attempt_seq FROM mission_events WHERE mission_id = '${missionId}' ORDER BY seq`);

t.test('interleaved missions and a finish mid-batch: per-mission order, no gaps, later frames of the finished attempt fenced', async (t) => {
  const [m1, m2] = [await createMission(app.admin, project.id), await createMission(app.admin, project.id)];
  const a1 = await createAttempt(app.db.db, { missionId: m1.id, projectId: project.id, workstationId: reg.workstation.id });
  const a2 = await createAttempt(app.db.db, { missionId: m2.id, projectId: project.id, workstationId: reg.workstation.id });
  const before1 = (await timeline(m1.id)).length;
  const before2 = (await timeline(m2.id)).length;
  const finish = makeFrame('mission.finished', { missionId: m1.id, attemptId: a1.attemptId, leaseVersion: 1, seq: 301, status: 'succeeded', at: new Date().toISOString() });
  const frames = [];
  for (let seq = 1; seq <= 300; seq++) frames.push(eventFrame(a1, seq), eventFrame(a2, seq));
  frames.push(finish as never, eventFrame(a1, 302), eventFrame(a2, 301));

  const result = await createEventIngest(app.db.db, systemClock).store(reg.workstation.id, frames as never);
  t.same(result.acks, [{ attemptId: a2.attemptId, seq: 301 }]);
  t.match(result.fenced, [{ attemptId: a1.attemptId, message: /already/ }], 'the frame after the finish is refused');
  t.equal((await attemptRow(app.db.db, a1.attemptId)).lastAckedSeq, 301, 'the finished attempt’s stored high-water mark');

  const t1 = (await timeline(m1.id)).slice(before1);
  const t2 = (await timeline(m2.id)).slice(before2);
  t.same(t1.map((e) => e.attempt_seq), Array.from({ length: 301 }, (_, i) => i + 1), 'mission 1: attempt seqs 1…301 in order');
  t.equal(t1.at(-1)!.kind, 'attempt.finished', 'the finish is last');
  t.same(t2.map((e) => e.attempt_seq), Array.from({ length: 301 }, (_, i) => i + 1), 'mission 2: 1…301 in order');
  for (const list of [await timeline(m1.id), await timeline(m2.id)]) {
    t.same(list.map((e) => e.seq), Array.from({ length: list.length }, (_, i) => i + 1), 'mission seqs gap-free from 1');
  }
  const [mission] = await queryRows<{ last_event_seq: number }>(app.db, `SELECT last_event_seq FROM missions WHERE id = '${m2.id}'`);
  t.equal(mission!.last_event_seq, before2 + 301, 'the mission’s counter matches its events');

  // The same batch again: all resends, nothing written twice.
  await createEventIngest(app.db.db, systemClock).store(reg.workstation.id, frames.slice(0, 600) as never);
  t.equal((await timeline(m2.id)).length, before2 + 301);
});
