// A workstation's disk use (#16): the daemon measures each worktree after a release and sends the
// sizes in workstation.inventory; the API shows each worktree's size, the pool's sum, and the sum
// on the workstation itself. An older daemon sends no sizes: unknown, never zero.
import { makeFrame } from '@solo-unicorn/shared';
import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { createOrg, createProject } from '../helpers/fixtures.ts';
import { connectRaw, hello } from './helpers/ws-client.ts';

const app = await startTestApp(t);
const api = app.admin;
const org = await createOrg(api);
const project = await createProject(api, org.id);
const repo = (await api.post(`/api/v1/projects/${project.id}/repositories`, { url: 'https://github.com/acme/disk.git' })).body;

async function workstation(name: string) {
  const { body } = await api.post('/api/v1/workstations', { organizationId: org.id, name });
  const client = await connectRaw(app.baseUrl, body.token);
  t.teardown(() => client.close());
  client.send(hello(body.workstation.id));
  await client.waitFor((f) => f.type === 'session.welcome');
  return { id: body.workstation.id as string, client };
}

const tree = (n: number, extra: Record<string, unknown>) => ({
  path: `/home/me/.solo-unicorn/worktrees/${repo.id}/wt-${n}`, repositoryId: repo.id, branch: null, state: 'free', missionId: null, attemptId: null, lastUsedAt: null, ...extra,
});

/** Sends an inventory and waits until the API has stored it (the frame is not acknowledged). */
async function report(ws: { id: string; client: Awaited<ReturnType<typeof connectRaw>> }, worktrees: unknown[]) {
  ws.client.send(makeFrame('workstation.inventory', { repositories: [{ repositoryId: repo.id, localPath: '/home/me/.solo-unicorn/repos/x' }], worktrees }));
  for (let i = 0; i < 200; i++) {
    const got = await api.get(`/api/v1/workstations/${ws.id}/worktrees`);
    if (got.body.worktrees.length === worktrees.length) return got.body;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the inventory never arrived');
}

t.test('sizes per worktree, their sum for the pool and on the workstation', async (t) => {
  const ws = await workstation('measured');
  const inv = await report(ws, [tree(1, { sizeBytes: 300_000_000 }), tree(2, { sizeBytes: 12_345 }), tree(3, { sizeBytes: null })]);
  t.same(inv.worktrees.map((w: { sizeBytes: number | null }) => w.sizeBytes), [300_000_000, 12_345, null]);
  t.equal(inv.diskBytes, 300_012_345, 'the measured ones together');
  t.equal((await api.get(`/api/v1/workstations/${ws.id}`)).body.diskBytes, 300_012_345);
  const listed = (await api.get(`/api/v1/workstations?organizationId=${org.id}`)).body.items.find((w: { id: string }) => w.id === ws.id);
  t.equal(listed.diskBytes, 300_012_345, 'in the list the board reads');

  // A new report replaces the old one: a worktree evicted takes its bytes with it.
  const after = await report(ws, [tree(1, { sizeBytes: 310_000_000 })]);
  t.equal(after.diskBytes, 310_000_000);
  t.equal((await api.get(`/api/v1/workstations/${ws.id}`)).body.diskBytes, 310_000_000);
});

t.test('an older daemon reports no sizes: disk use unknown (null), not zero', async (t) => {
  const ws = await workstation('older');
  const inv = await report(ws, [tree(7, {})]);
  t.equal(inv.worktrees[0].sizeBytes, null);
  t.equal(inv.diskBytes, null);
  t.equal((await api.get(`/api/v1/workstations/${ws.id}`)).body.diskBytes, null);
});

t.test('a negative, fractional or impossibly large size is refused like any bad frame, and the session stays up', async (t) => {
  const ws = await workstation('hostile');
  await report(ws, [tree(1, { sizeBytes: 1000 })]);
  for (const sizeBytes of [-5, 1.5, 2 ** 53]) {
    const bad = makeFrame('workstation.inventory', { repositories: [], worktrees: [tree(2, { sizeBytes })] });
    ws.client.send(bad);
    const refused = await ws.client.waitFor((f) => f.type === 'error' && f.payload.refId === bad.id, `the refusal of ${sizeBytes}`);
    t.equal(refused.payload.retryable, false, `${sizeBytes}: refused, not retryable`);
  }
  t.equal((await api.get(`/api/v1/workstations/${ws.id}/worktrees`)).body.diskBytes, 1000, 'the bad report changed nothing');
  t.equal((await api.get(`/api/v1/workstations/${ws.id}`)).body.online, true, 'still connected');
});
