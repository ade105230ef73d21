import t from 'tap';
import { isoWeekStart, monthStart } from '../../src/modules/fallback/calendar.ts';
import { type PlanInput, type PlanTemplate, fairOrder, planRun } from '../../src/modules/fallback/planning.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

// Created in the order of their ids: never-proposed templates wait from their creation, so 'a' is first.
const tpl = (id: string, extra: Partial<PlanTemplate> = {}): PlanTemplate => ({
  id, name: id, priority: 3, estimatedEffortMinutes: 60, lastUsedAt: null, hasOpenProposal: false,
  createdAt: new Date(Date.UTC(2026, 0, 1) + id.charCodeAt(0) * 60_000), ...extra,
});
const input = (extra: Partial<PlanInput> = {}): PlanInput => ({
  backlogCount: 0, backlogThreshold: 5, openProposals: 0, openProposalMinutes: 0,
  weeklyMissionCap: 20, acceptedThisWeek: 0, monthlyTargetHours: 120, acceptedMinutesThisMonth: 0,
  templates: ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => tpl(id)), ...extra,
});
const chosen = (i: PlanInput) => planRun(i).chosen.map((c) => c.id);

t.test('the deficit is threshold − backlog − open proposals, never negative', async (t) => {
  t.equal(planRun(input({ backlogCount: 2 })).deficit, 3);
  t.equal(planRun(input({ backlogCount: 2, openProposals: 1 })).deficit, 2);
  t.equal(planRun(input({ backlogCount: 5 })).deficit, 0, 'backlog = threshold');
  t.equal(planRun(input({ backlogCount: 9 })).deficit, 0);
  t.same(chosen(input({ backlogCount: 5 })), []);
  t.same(chosen(input({ backlogThreshold: 0 })), [], 'threshold 0 never proposes');
});

t.test('each template at most once, and none with an open proposal', async (t) => {
  t.equal(chosen(input({ backlogThreshold: 10 })).length, 6);
  const plan = planRun(input({ templates: [tpl('a', { hasOpenProposal: true }), tpl('b')], openProposals: 1 }));
  t.same(plan.chosen.map((c) => c.id), ['b']);
  t.same(plan.decisions.find((d) => d.templateId === 'a'), { templateId: 'a', name: 'a', chosen: false, reason: 'open_proposal' });
});

t.test('fair order: priority first, then the longest wait (a never-proposed template waits from its creation)', async (t) => {
  const old = new Date('2026-01-01');
  const newer = new Date('2026-06-01');
  const order = fairOrder([
    tpl('recent-urgent', { priority: 1, lastUsedAt: newer }),
    tpl('low', { priority: 5 }),
    tpl('old-urgent', { priority: 1, lastUsedAt: old }),
    tpl('never-urgent', { priority: 1, createdAt: new Date('2025-06-01') }),
  ]).map((x) => x.id);
  t.same(order, ['never-urgent', 'old-urgent', 'recent-urgent', 'low']);
});

t.test('the weekly cap bounds proposals, counting accepted and still-open ones', async (t) => {
  t.same(chosen(input({ weeklyMissionCap: 3, backlogThreshold: 10 })).length, 3);
  t.same(chosen(input({ weeklyMissionCap: 3, acceptedThisWeek: 2, backlogThreshold: 10 })).length, 1);
  t.same(chosen(input({ weeklyMissionCap: 3, acceptedThisWeek: 2, openProposals: 1, backlogThreshold: 10 })).length, 0);
  const plan = planRun(input({ weeklyMissionCap: 1, backlogThreshold: 10 }));
  t.equal(plan.decisions.filter((d) => d.reason === 'weekly_cap').length, 5);
});

t.test('the monthly target hours bound proposals by estimated effort', async (t) => {
  const templates = [tpl('a', { estimatedEffortMinutes: 90 }), tpl('b', { estimatedEffortMinutes: 60 }), tpl('c', { estimatedEffortMinutes: 30 })];
  t.same(chosen(input({ templates, monthlyTargetHours: 2 })), ['a', 'c'], '90 + 30 fit in 120; b would not');
  t.same(chosen(input({ templates, monthlyTargetHours: 2, acceptedMinutesThisMonth: 100 })), [], 'only 20 minutes left');
  t.same(chosen(input({ templates, monthlyTargetHours: 2, openProposalMinutes: 60 })), ['b'], 'open proposals use room too: 60 minutes left fit b exactly');
});

t.test('week and month boundaries are UTC, weeks start on Monday', async (t) => {
  t.equal(isoWeekStart(new Date('2026-11-25T10:00:00Z')).toISOString(), '2026-11-23T00:00:00.000Z');
  t.equal(isoWeekStart(new Date('2026-11-29T23:59:59Z')).toISOString(), '2026-11-23T00:00:00.000Z', 'Sunday belongs to the week before');
  t.equal(isoWeekStart(new Date('2026-11-30T00:00:00Z')).toISOString(), '2026-11-30T00:00:00.000Z');
  t.equal(monthStart(new Date('2026-11-25T10:00:00Z')).toISOString(), '2026-11-01T00:00:00.000Z');
});
