import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { createOrg, createProject, createUser } from '../helpers/fixtures.ts';

// #18 Workstation visibility reaches the audit timeline: a project admin who may not see a
// workstation (hidden from members who do not manage it) reads its mapping entries as "a hidden
// workstation" — the entry stays, its id and name do not — like GET /workstations/:id answers 404.

const app = await startTestApp(t, {});
const alice = await createUser(app, 'alice@timeline.test'); // owner of Acme
const bob = await createUser(app, 'bob@timeline.test'); // registers a box as org admin, then only a member + project admin
const acme = await createOrg(alice.client, 'Acme');
await alice.client.post(`/api/v1/organizations/${acme.id}/members`, { userId: bob.id, role: 'admin' });
const project = await createProject(alice.client, acme.id, { name: 'Widget' });
const P = `/api/v1/projects/${project.id}`;

async function box(client: typeof alice.client, name: string, visibility: 'hidden' | 'status' | 'full') {
  const ws = (await client.post('/api/v1/workstations', { organizationId: acme.id, name })).body.workstation as { id: string };
  await alice.client.patch(`/api/v1/workstations/${ws.id}`, { visibility });
  await alice.client.post(`${P}/workstations`, { workstationId: ws.id });
  return { id: ws.id, name };
}
const hidden = await box(alice.client, 'alices-secret-box', 'hidden');
const status = await box(alice.client, 'status-box', 'status');
const full = await box(alice.client, 'full-box', 'full');
const bobs = await box(bob.client, 'bobs-own-box', 'hidden');
await alice.client.delete(`${P}/workstations/${hidden.id}`); // an unmapping names it too
await alice.client.patch(`/api/v1/organizations/${acme.id}/members/${bob.id}`, { role: 'member' });
await alice.client.post(`${P}/members`, { userId: bob.id, role: 'admin' });

const mappingEntries = (items: any[]) => items.filter((e) => e.action.startsWith('project_workstation.'));

t.test('a project admin reads hidden workstations on the timeline as "a hidden workstation"', async (t) => {
  t.equal((await bob.client.get(`/api/v1/workstations/${hidden.id}`)).status, 404, 'the workstation routes hide it from bob');
  const res = await bob.client.get(`${P}/timeline`);
  t.equal(res.status, 200);
  const entries = mappingEntries(res.body.items);
  t.equal(entries.length, 5, 'every mapping entry is kept (4 mapped, 1 unmapped)');
  const redacted = entries.filter((e) => e.targetId === null);
  t.same(redacted.map((e) => e.action).sort(), ['project_workstation.mapped', 'project_workstation.unmapped'], 'both entries naming the hidden box, and only those');
  for (const e of redacted) t.match(e, { targetType: 'workstation', data: { target: 'a hidden workstation', projectId: project.id } });
  const text = JSON.stringify(res.body);
  t.notOk(text.includes(hidden.id), 'its id appears nowhere');
  t.notOk(text.includes(hidden.name), 'nor its name');
  const shown = entries.map((e) => e.targetId);
  t.ok(shown.includes(status.id), 'a status-only workstation keeps its id (its presence is shown to members)');
  t.ok(shown.includes(full.id), 'a full one too');
  t.ok(shown.includes(bobs.id), 'and bob sees the hidden box he registered himself, as the workstation routes let him');
});

t.test('organization admins, and the audit log they read, see every workstation', async (t) => {
  const entries = mappingEntries((await alice.client.get(`${P}/timeline`)).body.items);
  t.equal(entries.filter((e) => e.targetId === hidden.id).length, 2);
  t.notOk(entries.some((e) => e.targetId === null));
  const log = (await alice.client.get(`/api/v1/audit-events?organizationId=${acme.id}&targetId=${hidden.id}`)).body.items;
  t.ok(log.length >= 3, 'registered, visibility changed, mapped, unmapped');
  t.equal((await bob.client.get(`/api/v1/audit-events?organizationId=${acme.id}`)).status, 403, 'bob may not read the organization log at all');
});

t.test('making the workstation visible shows it on the timeline at once; hiding it again hides it', async (t) => {
  await alice.client.patch(`/api/v1/workstations/${hidden.id}`, { visibility: 'status' });
  let entries = mappingEntries((await bob.client.get(`${P}/timeline`)).body.items);
  t.equal(entries.filter((e) => e.targetId === hidden.id).length, 2);
  await alice.client.patch(`/api/v1/workstations/${hidden.id}`, { visibility: 'hidden' });
  entries = mappingEntries((await bob.client.get(`${P}/timeline`)).body.items);
  t.equal(entries.filter((e) => e.targetId === null).length, 2);
  // Pages redact the same way: walk the timeline two entries at a time.
  const seen: any[] = [];
  let cursor: string | null = null;
  do {
    const page: any = (await bob.client.get(`${P}/timeline?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).body;
    seen.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  t.notOk(JSON.stringify(seen).includes(hidden.id), 'no page names it');
  t.equal(mappingEntries(seen).length, 5);
});
