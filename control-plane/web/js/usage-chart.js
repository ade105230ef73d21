import { $, h, notify } from './dom.js';
import { fallbackHealth } from './fallback-health.js';
import { formatCost, formatCount, formatDuration } from './format.js';

/**
 * The project's agent usage per day over the last 30 days (GET /projects/:id/usage), drawn with
 * uPlot (vendored at /vendor/uplot.js, loaded when the chart is first opened): cost (left axis) and
 * tokens (input + output, right), then turns and agent minutes; a line under the charts sums them
 * up in words. Mission Fallback's health figures
 * sit beside it (fallback-health.js): what the agents cost next to how well the backlog is kept.
 */
export function createUsageChart({ api }) {
  const button = h('button', { type: 'button', id: 'usage-toggle', 'aria-expanded': 'false', 'aria-controls': 'usage-chart', onclick: () => toggle() }, 'Usage');
  const plot = h('div', { className: 'usage-plot', dataset: { testid: 'usage-plot' } });
  const timePlot = h('div', { className: 'usage-plot', dataset: { testid: 'usage-time-plot' } });
  const summary = h('p', { className: 'muted', dataset: { testid: 'usage-summary' } });
  const health = h('div', { className: 'usage-health' });
  const box = h('section', { id: 'usage-chart', className: 'usage-chart', 'aria-label': 'Cost and tokens per day', hidden: true },
    h('h2', {}, 'Cost and tokens per day (30 days)'),
    h('div', { className: 'usage-row' }, h('div', { className: 'usage-main' }, plot, h('h3', {}, 'Turns and agent time per day'), timePlot, summary), health));
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
      const turns = days.map((d) => d.turns);
      const minutes = days.map((d) => d.wallMs / 60_000);
      const width = Math.min(720, Math.max(280, plot.clientWidth || box.clientWidth - 24));
      const twoAxes = (left, right, leftValues) => ({
        width, height: 180, legend: { show: false },
        scales: { x: { time: true }, [left.scale]: {}, [right.scale]: {} },
        axes: [{}, { scale: left.scale, ...(leftValues ? { values: leftValues } : {}) }, { scale: right.scale, side: 1, grid: { show: false } }],
        series: [{}, { width: 2, ...left }, { width: 2, ...right }],
      });
      plot.replaceChildren();
      timePlot.replaceChildren();
      // uPlot draws into the element it is given.
      new uPlot(twoAxes({ label: 'cost (USD)', scale: 'usd', stroke: '#b3261e' }, { label: 'tokens', scale: 'tok', stroke: '#0b4f94' }, (_u, v) => v.map((n) => `$${n}`)), [xs, cost, tokens], plot);
      new uPlot(twoAxes({ label: 'turns', scale: 'turns', stroke: '#1b6e3a' }, { label: 'agent minutes', scale: 'min', stroke: '#7a4b00' }), [xs, turns, minutes], timePlot);
      const sum = (xs) => xs.reduce((a, b) => a + b, 0);
      summary.textContent = `${formatCost(sum(cost))}, ${formatCount(sum(tokens))} tokens, ${formatCount(sum(turns))} turns and ${formatDuration(sum(days.map((d) => d.wallMs)))} of agent time over ${days.length} days; red: cost, blue: tokens, green: turns, brown: agent minutes.`;
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
      timePlot.replaceChildren();
      health.replaceChildren();
      summary.textContent = '';
    },
  };
}
