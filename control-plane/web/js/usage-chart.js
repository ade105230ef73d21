import { $, h, notify } from './dom.js';
import { fallbackHealth } from './fallback-health.js';
import { formatCost, formatCount } from './format.js';

/**
 * The project's cost and tokens per day over the last 30 days (GET /projects/:id/usage, the
 * daily metrics the API serves), drawn with uPlot (vendored at /vendor/uplot.js, loaded when the
 * chart is first opened). Cost on the left axis, tokens (input + output) on the right; a table
 * under the chart sums them up in words. Mission Fallback's health figures
 * sit beside it (fallback-health.js): what the agents cost next to how well the backlog is kept.
 */
export function createUsageChart({ api }) {
  const button = h('button', { type: 'button', id: 'usage-toggle', 'aria-expanded': 'false', 'aria-controls': 'usage-chart', onclick: () => toggle() }, 'Usage');
  const plot = h('div', { className: 'usage-plot', dataset: { testid: 'usage-plot' } });
  const summary = h('p', { className: 'muted', dataset: { testid: 'usage-summary' } });
  const health = h('div', { className: 'usage-health' });
  const box = h('section', { id: 'usage-chart', className: 'usage-chart', 'aria-label': 'Cost and tokens per day', hidden: true },
    h('h2', {}, 'Cost and tokens per day (30 days)'), h('div', { className: 'usage-row' }, h('div', { className: 'usage-main' }, plot, summary), health));
  $('#live-status').before(button);
  $('#notice').after(box);
  let projectId;

  async function toggle() {
    box.hidden = !box.hidden;
    button.setAttribute('aria-expanded', String(!box.hidden));
    if (!box.hidden) await load();
  }

  async function load() {
    if (!projectId) return;
    const forProject = projectId;
    try {
      // The health figures are a side panel: their failure must not take the chart with it.
      const [{ days }, metrics, { default: uPlot }] = await Promise.all([
        api.usage(forProject), api.fallbackMetrics(forProject).catch(() => undefined), import('/vendor/uplot.js')]);
      if (forProject !== projectId || box.hidden) return; // another project was chosen, or it was closed, meanwhile
      health.replaceChildren(metrics ? fallbackHealth(metrics) : h('p', { className: 'muted' }, 'Could not load the Mission Fallback health figures.'));
      const xs = days.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000);
      const cost = days.map((d) => d.costUsd);
      const tokens = days.map((d) => d.inputTokens + d.outputTokens);
      plot.replaceChildren();
      // eslint-disable-next-line no-new -- uPlot draws into the element it is given.
      new uPlot({
        width: Math.min(720, Math.max(280, plot.clientWidth || box.clientWidth - 24)), height: 220, legend: { show: false },
        scales: { x: { time: true }, usd: {}, tok: {} },
        axes: [{}, { scale: 'usd', values: (_u, v) => v.map((n) => `$${n}`) }, { scale: 'tok', side: 1, grid: { show: false } }],
        series: [{}, { label: 'cost (USD)', scale: 'usd', stroke: '#b3261e', width: 2 }, { label: 'tokens', scale: 'tok', stroke: '#0b4f94', width: 2 }],
      }, [xs, cost, tokens], plot);
      const total = cost.reduce((a, b) => a + b, 0);
      summary.textContent = `${formatCost(total)} and ${formatCount(tokens.reduce((a, b) => a + b, 0))} tokens over ${days.length} days; red: cost, blue: tokens.`;
    } catch (error) {
      notify(`Could not load the usage: ${error.message}`);
    }
  }

  return {
    show(id) {
      projectId = id;
      if (!box.hidden) load();
    },
    /** Signed out: closed and emptied, so no project's figures stay on the sign-in screen. */
    reset() {
      projectId = undefined;
      box.hidden = true;
      button.setAttribute('aria-expanded', 'false');
      plot.replaceChildren();
      health.replaceChildren();
      summary.textContent = '';
    },
  };
}
