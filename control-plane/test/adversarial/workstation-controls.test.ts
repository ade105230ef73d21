import pg from 'pg';
import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { onPostgres } from '../helpers/database.ts';
import { createOrg, createProject, createUser } from '../helpers/fixtures.ts';
import { servedProject } from '../dispatch/fixtures.ts';

// Adversarial review of workstation pause / resume / unmap (#15, #18). The authorization matrix
// covers each route against every principal; this file attacks what it does not: ids that mix two
// organizations, and a pause landing while the dispatcher is in the middle of a claim.

const app = await startTestApp(t, { dispatch: { offlineGraceMs: 60_000, tickMs: 3_600_000, maxAttempts: 2 } });
const api = app.admin;
const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

t.test('ids mixed across organizations: an admin of B cannot pause, resume, map or unmap A\'s workstation through B\'s project', async (t) => {
  const a = await servedProject(app);
  const bOwner = await createUser(app, `b-owner-${Date.now()}@example.com`);
  const orgB = await createOrg(bOwner.client, 'B');
  const projectB = await createProject(bOwner.client, orgB.id);
  const W = `/api/v1/workstations/${a.workstationId}`;

  for (const [what, res] of [
    ['pause', await bOwner.client.post(`${W}/pause`, { reason: 'mine now' })],
    ['resume', await bOwner.client.post(`${W}/resume`)],
    ['map into B', await bOwner.client.post(`/api/v1/projects/${projectB.id}/workstations`, { workstationId: a.workstationId })],
    ['unmap from B', await bOwner.client.delete(`/api/v1/projects/${projectB.id}/workstations/${a.workstationId}`)],
    ['unmap from A', await bOwner.client.delete(`/api/v1/projects/${a.project.id}/workstations/${a.workstationId}`)],
  ] as const) {
    t.ok([400, 403, 404].includes(res.status), `${what}: refused (${res.status} ${res.body?.error?.code})`);
    t.notOk(JSON.stringify(res.body ?? '').includes(a.workstationId) && res.status === 403 && what !== 'map into B', `${what}: no detail of A's workstation`);
  }
  t.match((await api.get(W)).body, { paused: false }, 'A\'s workstation is not paused');
  t.same((await api.get(`/api/v1/projects/${a.project.id}/workstations`)).body.items.map((i: any) => i.workstationId), [a.workstationId], 'still mapped to A\'s project');
  t.same((await bOwner.client.get(`/api/v1/projects/${projectB.id}/workstations`)).body.items, [], 'and not to B\'s');

  // A workstation token is not a user: the pause routes refuse it.
  const asDaemon = app.as(a.token);
  const byToken = await asDaemon.post(`${W}/pause`, { reason: 'self-pause' });
  t.ok([401, 403].includes(byToken.status), `a workstation token cannot pause (${byToken.status})`);
});

t.test('pause while the dispatcher is claiming: once pause answers, nothing new reaches the workstation', {
  skip: onPostgres ? false : 'needs a second PostgreSQL connection to hold the claim mid-way',
}, async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  await settle();
  const m = await p.mission({ title: 'claimed across a pause', ready: false });

  // Hold the project's row lock: the dispatcher's claim stops at its per-project count, after it
  // has read the workstation (not paused yet) and locked the mission.
  const holder = new pg.Client({ connectionString: app.db.url });
  await holder.connect();
  t.teardown(() => holder.end());
  await holder.query('BEGIN');
  await holder.query('SELECT id FROM projects WHERE id = $1 FOR NO KEY UPDATE', [p.project.id]);
  t.equal((await api.patch(`/api/v1/missions/${m.id}`, { ready: true })).status, 200);
  const claiming = app.app.dispatcher.dispatchFor(p.workstationId);
  await settle(500);

  const paused = await api.post(`/api/v1/workstations/${p.workstationId}/pause`, { reason: 'disk full' });
  t.equal(paused.status, 200, 'the pause answers');
  await holder.query('COMMIT');
  await claiming;
  await settle(500);
  const assigned = client.frames.filter((f: any) => f.type === 'mission.assign' && f.payload.mission.id === m.id);
  t.same(assigned.map((f: any) => f.payload.attemptId), [], 'no assignment after the pause was confirmed');
  await client.close();
});
