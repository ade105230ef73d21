import t from 'tap';
import { fairOrder, planRun, rotationHold, type PlanTemplate } from '../../src/modules/fallback/planning.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

// Adversarial review of template rotation (#18) at its edges: the instant a wait ends, stamps in
// the future (another instance's clock ahead), every template held, weights outside 1–10 reaching
// the planner from an old row, and the longest waits the API accepts.

runOnceAcrossEngines(t, 'the rotation planner is pure');
const minute = 60_000;
const now = new Date('2027-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(now.getTime() + ms);
const template = (id: string, extra: Partial<PlanTemplate> = {}): PlanTemplate => ({
  id, name: id, priority: 2, estimatedEffortMinutes: 30, lastUsedAt: null, hasOpenProposal: false, createdAt: at(-30 * 24 * 60 * minute), ...extra,
});
const input = (templates: PlanTemplate[], when = now) => ({
  backlogCount: 0, backlogThreshold: 10, openProposals: 0, openProposalMinutes: 0, weeklyMissionCap: 100, acceptedThisWeek: 0,
  monthlyTargetHours: 1000, acceptedMinutesThisMonth: 0, templates, now: when,
});

t.test('the instant a cooldown or minimum wait ends, the template is eligible; a millisecond before, it is held until exactly then', async (t) => {
  const cooled = template('cooled', { lastDiscardedAt: at(-60 * minute), cooldownMinutes: 60 });
  const waited = template('waited', { lastProposedAt: at(-60 * minute), minWaitMinutes: 60 });
  t.equal(rotationHold(cooled, now), undefined, 'cooldown over at its end');
  t.equal(rotationHold(waited, now), undefined, 'minimum wait over at its end');
  t.same(rotationHold(cooled, at(-1)), { reason: 'cooldown', until: now });
  t.same(rotationHold(waited, at(-1)), { reason: 'min_wait', until: now });
  t.same(planRun(input([cooled, waited])).chosen.map((x) => x.id).sort(), ['cooled', 'waited']);
});

t.test('every template held: nothing chosen, each says why and until when', async (t) => {
  const held = [
    template('a', { lastDiscardedAt: at(-minute), cooldownMinutes: 525_600 }),
    template('b', { lastProposedAt: at(-minute), minWaitMinutes: 525_600 }),
    template('c', { lastProposedAt: at(-minute), minWaitMinutes: 10, lastDiscardedAt: at(-minute), cooldownMinutes: 20 }),
  ];
  const plan = planRun(input(held));
  t.same(plan.chosen, []);
  t.same(plan.decisions.map((d) => [d.templateId, d.reason, d.eligibleAt]).sort(), [
    ['a', 'cooldown', at(-minute + 525_600 * minute).toISOString()],
    ['b', 'min_wait', at(-minute + 525_600 * minute).toISOString()],
    ['c', 'cooldown', at(-minute + 20 * minute).toISOString()],
  ], 'a year is representable; the cooldown outranks a shorter wait');
});

t.test('stamps in the future (a clock ahead elsewhere): held until the wait from that stamp ends, never chosen first for it', async (t) => {
  const ahead = template('ahead', { lastProposedAt: at(10 * minute), minWaitMinutes: 5 });
  t.same(rotationHold(ahead, now), { reason: 'min_wait', until: at(15 * minute) });
  const fresh = template('fresh', { lastProposedAt: at(10 * minute) });
  const old = template('old', { lastProposedAt: at(-10 * minute) });
  t.same(fairOrder([fresh, old], now).map((x) => x.id), ['old', 'fresh'], 'a template that waited goes before one stamped in the future');
});

t.test('weights the API refuses (0, negative, huge, NaN) from an old row: the order is still a total, stable order', async (t) => {
  const weights = [0, -5, 1, 3, 10, 1e9, Number.NaN, undefined];
  const templates = weights.map((w, i) => template(`w${i}`, { weight: w, lastProposedAt: at(-(i + 1) * 60 * minute) }));
  const once = fairOrder(templates, now).map((x) => x.id);
  t.equal(new Set(once).size, templates.length, 'a permutation');
  for (let k = 0; k < 5; k++) {
    const shuffled = [...templates].sort(() => (k % 2 ? 1 : -1));
    t.same(fairOrder(shuffled, now).map((x) => x.id), once, `the same order whatever the input order (${k})`);
  }
});
