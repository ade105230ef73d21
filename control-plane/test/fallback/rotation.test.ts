// Template rotation through the API (#18): weight, minimum wait and cooldown are stored and
// validated; a discard starts the cooldown, a proposal the minimum wait; runs skip held templates;
// each template says when it is eligible again and when it was last proposed.
import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { manualClock } from '../helpers/clock.ts';
import { fallbackProject } from './fixtures.ts';

const clock = manualClock('2026-11-25T10:00:00.000Z');
const app = await startTestApp(t, { clock });
const api = app.admin;
const day = 24 * 60;

t.test('rotation fields: defaults, validation, round trip', async (t) => {
  const f = await fallbackProject(api);
  const plain = await f.template('plain');
  t.match(plain, { weight: 1, minWaitMinutes: 0, cooldownMinutes: 0, lastProposedAt: null, lastDiscardedAt: null, nextEligibleAt: null });
  const tuned = await f.template('tuned', { weight: 3, minWaitMinutes: 7 * day, cooldownMinutes: 2 * day });
  t.match(tuned, { weight: 3, minWaitMinutes: 7 * day, cooldownMinutes: 2 * day });
  const bad = await api.post(`${f.P}/fallback/templates`, { name: 'x', flowId: f.flow.id, actorId: f.actor.id, repositoryId: f.repo.id, estimatedEffortMinutes: 5, weight: 0, cooldownMinutes: -1 });
  t.equal(bad.status, 400);
  t.match(bad.body.error, { code: 'SU_ERR_VALIDATION', message: /weight[^]*cooldownMinutes|cooldownMinutes[^]*weight/ });
  const patched = await api.patch(`${f.P}/fallback/templates/${plain.id}`, { weight: 10, minWaitMinutes: 60 });
  t.match(patched.body, { weight: 10, minWaitMinutes: 60, cooldownMinutes: 0 });
  t.equal((await api.patch(`${f.P}/fallback/templates/${plain.id}`, { weight: 11 })).status, 400, 'weight is 1–10');
});

t.test('a discard starts the cooldown, a proposal the minimum wait; runs skip held templates until they end', async (t) => {
  const f = await fallbackProject(api);
  await f.config({ backlogThreshold: 3 });
  const cadenced = await f.template('weekly chores', { minWaitMinutes: 7 * day });
  const touchy = await f.template('touchy', { cooldownMinutes: 3 * day });
  const first = await api.post(`${f.P}/fallback/runs`, {});
  t.equal(first.status, 201);
  const items = first.body.items as { id: string; templateId: string }[];
  t.same(items.map((i) => i.templateId).sort(), [cadenced.id, touchy.id].sort(), 'both proposed in the first run');
  const proposedAt = clock.now().toISOString();

  for (const i of items) t.equal((await api.post(`/api/v1/fallback/items/${i.id}/discard`, { feedback: 'not now' })).status, 200);
  const templates = (await api.get(`${f.P}/fallback/templates`)).body.items as Record<string, unknown>[];
  const byId = (id: string) => templates.find((x) => x.id === id)!;
  t.match(byId(cadenced.id), { lastProposedAt: proposedAt, nextEligibleAt: new Date(clock.now().getTime() + 7 * day * 60_000).toISOString() }, 'in its minimum wait');
  t.match(byId(touchy.id), { lastDiscardedAt: proposedAt, nextEligibleAt: new Date(clock.now().getTime() + 3 * day * 60_000).toISOString() }, 'in its cooldown');
  const area = (await api.get(`${f.P}/fallback/area`)).body;
  t.ok(area.templates.every((x: { nextEligibleAt: string | null }) => x.nextEligibleAt), 'the Fallback area shows when each is eligible again');

  clock.minutes(day);
  const held = await api.post(`${f.P}/fallback/runs`, {});
  t.same(held.body.items, [], 'a run one day later proposes neither');

  clock.minutes(2 * day + 1);
  const afterCooldown = await api.post(`${f.P}/fallback/runs`, {});
  t.same(afterCooldown.body.items.map((i: { templateId: string }) => i.templateId), [touchy.id], 'the cooldown is over, the minimum wait is not');
  for (const i of afterCooldown.body.items) await api.post(`/api/v1/fallback/items/${i.id}/accept`, {});

  clock.minutes(4 * day);
  const afterWait = await api.post(`${f.P}/fallback/runs`, {});
  t.same(afterWait.body.items.map((i: { templateId: string }) => i.templateId), [cadenced.id, touchy.id],
    'a week after its proposal the cadenced one is back, first: it waited longest (touchy has no wait of its own)');

  // A person can always launch a template by hand, held or not.
  const launched = await api.post(`${f.P}/fallback/templates/${touchy.id}/launch`, {});
  t.equal(launched.status, 201);
});
