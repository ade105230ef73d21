import { h } from './dom.js';
import { clockTime, formatCount } from './format.js';

const dayAndTime = (iso) => `${new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'short' })} ${clockTime(iso)}`;

const percent = (fraction) => (fraction == null ? '—' : `${Math.round(fraction * 100)} %`);

/**
 * Mission Fallback's guardrail health beside the usage chart (GET /projects/:id/fallback/metrics,
 * the materialized views the scheduler refreshes): is the backlog kept above its threshold, how
 * much of the weekly cap and the monthly hours the accepted proposals used, how runs went, and
 * the last 30 days' proposals. `metrics.health` is null until the project has a fallback config.
 */
export function fallbackHealth(metrics) {
  const rows = [];
  const row = (field, label, value) => rows.push(h('dt', {}, label), h('dd', { dataset: { field } }, value));
  const health = metrics.health;
  if (!health) {
    return h('section', { className: 'fallback-health', 'aria-labelledby': 'fallback-health-title', dataset: { testid: 'fallback-health' } },
      h('h3', { id: 'fallback-health-title' }, 'Mission Fallback health'),
      h('p', { className: 'muted' }, 'Mission Fallback is not set up for this project (Project settings).'));
  }
  const sum = (key) => metrics.daily.reduce((n, d) => n + d[key], 0);
  row('status', 'Status', health.status);
  row('adherence', `Backlog at ${health.backlogThreshold}+ ready`, health.checks30d ? `${percent(health.thresholdAdherence)} of ${formatCount(health.checks30d)} checks` : 'not checked yet');
  row('week', 'Accepted this week', `${formatCount(health.acceptedThisWeek)}${health.weeklyCapUsage == null ? '' : ` (${percent(health.weeklyCapUsage)} of the weekly cap)`}`);
  row('month', 'Accepted this month', `${formatCount(Math.round(health.acceptedMinutesThisMonth / 6) / 10)} h${health.monthlyHoursUsage == null ? '' : ` (${percent(health.monthlyHoursUsage)} of the monthly hours)`}`);
  row('runs', 'Runs (30 days)', `${formatCount(health.runs30d)}, ${formatCount(health.erroredRuns30d)} errored`);
  row('proposals', 'Proposals (30 days)', `${formatCount(sum('fallbackGenerated'))} made, ${formatCount(sum('fallbackAccepted'))} accepted, ${formatCount(sum('fallbackDiscarded'))} discarded`);
  return h('section', { className: 'fallback-health', 'aria-labelledby': 'fallback-health-title', dataset: { testid: 'fallback-health' } },
    h('h3', { id: 'fallback-health-title' }, 'Mission Fallback health'),
    h('dl', {}, rows),
    h('p', { className: 'muted' }, `As of ${dayAndTime(health.refreshedAt)} (refreshed by the scheduler).`));
}
