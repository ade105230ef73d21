// Mission Fallback template rotation (#18): weights, minimum waits, cooldowns — the rules directly,
// then properties over many simulated weeks of runs (fast-check picks the templates and decisions).
import fc from 'fast-check';
import t from 'tap';
import { type PlanInput, type PlanTemplate, planRun, rotationHold } from '../../src/modules/fallback/planning.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

const week = 7 * 24 * 60 * 60_000;
const start = new Date('2026-01-05T09:00:00Z');
const tpl = (id: string, extra: Partial<PlanTemplate> = {}): PlanTemplate => ({
  id, name: id, priority: 3, estimatedEffortMinutes: 60, lastUsedAt: null, hasOpenProposal: false, createdAt: start, ...extra,
});
const run = (templates: PlanTemplate[], now: Date, deficit = 1): ReturnType<typeof planRun> => planRun({
  backlogCount: 0, backlogThreshold: deficit, openProposals: 0, openProposalMinutes: 0,
  weeklyMissionCap: 1000, acceptedThisWeek: 0, monthlyTargetHours: 100_000, acceptedMinutesThisMonth: 0, templates, now,
} satisfies PlanInput);

t.test('a template in its cooldown or minimum wait is never proposed, and says until when', async (t) => {
  const now = new Date(start.getTime() + 2 * week);
  const discardedYesterday = tpl('cooling', { cooldownMinutes: 3 * 24 * 60, lastDiscardedAt: new Date(now.getTime() - 24 * 3600_000) });
  const proposedLastWeek = tpl('waiting', { minWaitMinutes: 14 * 24 * 60, lastProposedAt: new Date(now.getTime() - week) });
  const free = tpl('free', { lastProposedAt: new Date(now.getTime() - 60_000) });
  const plan = run([discardedYesterday, proposedLastWeek, free], now, 3);
  t.same(plan.chosen.map((c) => c.id), ['free'], 'only the free one, although the deficit is 3');
  t.same(plan.decisions.find((d) => d.templateId === 'cooling'), {
    templateId: 'cooling', name: 'cooling', chosen: false, reason: 'cooldown', eligibleAt: new Date(now.getTime() + 2 * 24 * 3600_000).toISOString(),
  });
  t.match(plan.decisions.find((d) => d.templateId === 'waiting'), { reason: 'min_wait', eligibleAt: new Date(now.getTime() + week).toISOString() });
  t.equal(rotationHold(discardedYesterday, new Date(now.getTime() + 2 * 24 * 3600_000)), undefined, 'eligible again when the cooldown ends');
});

t.test('the longest-waiting template first, its wait multiplied by its weight', async (t) => {
  const now = new Date(start.getTime() + 10 * week);
  const ago = (weeks: number) => new Date(now.getTime() - weeks * week);
  const order = (templates: PlanTemplate[]) => run(templates, now, templates.length).chosen.map((c) => c.id);
  t.same(order([tpl('recent', { lastProposedAt: ago(1) }), tpl('old', { lastProposedAt: ago(3) })]), ['old', 'recent']);
  t.same(order([tpl('recent-heavy', { lastProposedAt: ago(1), weight: 4 }), tpl('old', { lastProposedAt: ago(3) })]), ['recent-heavy', 'old'], '1 week × 4 beats 3 weeks × 1');
  t.same(order([tpl('never', { createdAt: ago(2) }), tpl('old', { lastProposedAt: ago(3) })]), ['old', 'never'], 'a new template waits from its creation');
  t.same(order([tpl('urgent', { priority: 1, lastProposedAt: ago(0.1) }), tpl('old', { lastProposedAt: ago(9), weight: 10 })]), ['urgent', 'old'], 'priority still comes first');
});

interface Sim { weight: number; minWaitWeeks: number; cooldownWeeks: number; discardRate: number }

/** Weekly runs over `weeks`: chosen templates are proposed; some proposals are discarded (cooldown). */
function simulate(specs: Sim[], weeks: number, deficit: number, discards: boolean[]) {
  const templates = specs.map((s, i) => tpl(`t${i}`, {
    weight: s.weight, minWaitMinutes: s.minWaitWeeks * 7 * 24 * 60, cooldownMinutes: s.cooldownWeeks * 7 * 24 * 60, lastProposedAt: null, lastDiscardedAt: null,
  }));
  const counts = specs.map(() => 0);
  const violations: string[] = [];
  let d = 0;
  for (let w = 1; w <= weeks; w++) {
    const now = new Date(start.getTime() + w * week);
    const plan = run(templates, now, deficit);
    for (const c of plan.chosen) {
      if (rotationHold(c, now)) violations.push(`${c.id} proposed in week ${w} while held`);
      const i = Number(c.id.slice(1));
      counts[i]!++;
      c.lastProposedAt = now;
      if (discards[d++ % discards.length]) c.lastDiscardedAt = now;
    }
    const chosenIds = new Set(plan.chosen.map((c) => c.id));
    const eligibleLeft = templates.filter((x) => !chosenIds.has(x.id) && !rotationHold(x, now));
    if (plan.chosen.length < deficit && eligibleLeft.length) violations.push(`week ${w}: room left but ${eligibleLeft.map((x) => x.id)} not proposed`);
  }
  return { counts, violations };
}

t.test('property: over many weeks nothing held is proposed, room is never left unused, and no eligible template starves', async (t) => {
  fc.assert(fc.property(
    fc.array(fc.record({ weight: fc.integer({ min: 1, max: 5 }), minWaitWeeks: fc.integer({ min: 0, max: 3 }), cooldownWeeks: fc.integer({ min: 0, max: 4 }), discardRate: fc.constant(0) }), { minLength: 1, maxLength: 8 }),
    fc.integer({ min: 1, max: 3 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 10 }),
    (specs, deficit, discards) => {
      const { counts, violations } = simulate(specs, 104, deficit, discards);
      if (violations.length) throw new Error(violations.slice(0, 3).join('; '));
      // A template waits at most its own holds plus one round of the others: over two years each is proposed.
      return counts.every((c) => c > 0);
    },
  ), { numRuns: 150 });
  t.pass('150 simulated two-year histories');
});

t.test('with no waits and one proposal a week, shares follow the weights exactly', async (t) => {
  const shares = (weights: number[]) => simulate(weights.map((weight) => ({ weight, minWaitWeeks: 0, cooldownWeeks: 0, discardRate: 0 })), 520, 1, [false]).counts;
  t.same(shares([1, 3]), [130, 390], 'weight 3 is proposed three times as often as weight 1');
  t.same(shares([1, 2]), [173, 347], 'weight 2 twice as often as weight 1');
});

t.test('property: with no waits, shares follow the weights and equal weights share equally', async (t) => {
  fc.assert(fc.property(
    fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 2, maxLength: 7 }), fc.integer({ min: 1, max: 3 }),
    (weights, deficit) => {
      const { counts } = simulate(weights.map((weight) => ({ weight, minWaitWeeks: 0, cooldownWeeks: 0, discardRate: 0 })), 260, deficit, [false]);
      const tol = (a: number, b: number) => Math.max(4, 0.2 * Math.max(a, b));
      const ordered = weights.every((wi, i) => weights.every((wj, j) =>
        wi > wj ? counts[i]! >= counts[j]! - tol(counts[i]!, counts[j]!) : wi === wj ? Math.abs(counts[i]! - counts[j]!) <= tol(counts[i]!, counts[j]!) : true));
      // A run proposes a template at most once: a weight whose fair share is above one per run is capped.
      const weightSum = weights.reduce((a, b) => a + b, 0);
      const total = counts.reduce((a, b) => a + b, 0);
      const uncapped = weights.every((w) => (w / weightSum) * Math.min(deficit, weights.length) <= 1);
      const proportional = !uncapped || counts.every((c, i) => {
        const ratio = c / total / (weights[i]! / weightSum);
        // Runs are weekly, so a template's period is a whole number of weeks: shares are quantized.
        return ratio >= 0.5 && ratio <= 2;
      });
      return ordered && proportional;
    },
  ), { numRuns: 500 });
  t.pass('over five simulated years');
});
