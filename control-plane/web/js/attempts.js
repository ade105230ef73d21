import { h } from './dom.js';
import { formatCost, formatCount, formatDuration, untilText } from './format.js';

/**
 * The panel's "Agent" section: one row per attempt (GET /missions/:id/attempts, newest first)
 * with tokens, cost, turns, wall time, permission denials and whether the agent's session was
 * resumed; then the mission's totals. `denials` are the timeline's agent.permission_denied events.
 */
export function agentSection(result, denials = []) {
  const body = h('section', { className: 'agent-usage', 'aria-labelledby': 'agent-title', dataset: { testid: 'agent-usage' } },
    h('h3', { id: 'agent-title' }, 'Agent'));
  if (result === undefined) return append(body, h('p', { className: 'muted' }, 'Loading attempts…'));
  if (result === null) return append(body, h('p', { className: 'muted' }, 'Attempts are not available.'));
  if (!result.items.length) return append(body, h('p', { className: 'muted' }, 'No agent has worked on this mission yet.'));
  const byId = new Map(result.items.map((a) => [a.id, a]));
  const deniedBy = groupDenials(result.items, denials);
  return append(body,
    h('div', { className: 'table-scroll', role: 'region', 'aria-label': 'Attempts', tabindex: '0' },
      h('table', { className: 'attempts' },
        h('thead', {}, h('tr', {}, ['Attempt', 'Status', 'Agent', 'Tokens in / out (cache)', 'Cost', 'Turns', 'Wall time', 'Denials', 'Session']
          .map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, result.items.map((a) => attemptRow(a, byId))))),
    denialList(result.items, deniedBy),
    h('p', { className: 'totals', dataset: { testid: 'agent-totals' } }, totalsText(result.totals, knownCost(result.items))));
}

function append(parent, ...children) {
  parent.append(...children.filter(Boolean));
  return parent;
}

function attemptRow(a, byId) {
  const cell = (value, field) => h('td', { dataset: { field } }, value);
  const status = a.status === 'limited' && a.limitedUntil ? `limited until ${untilText(a.limitedUntil)}` : a.status;
  const wall = a.wallMs ?? (a.finishedAt ? null : a.startedAt ? 'running' : null);
  const denied = a.permissionDenials > 0;
  return h('tr', { dataset: { attemptId: a.id, testid: 'attempt' } },
    h('th', { scope: 'row', dataset: { field: 'attempt' } }, `#${a.attemptNumber}`, a.stage ? h('span', { className: 'muted' }, ` ${a.stage}`) : null),
    cell(status, 'status'),
    cell(a.agentType ?? '—', 'agent'),
    cell(tokensText(a), 'tokens'),
    cell(formatCost(a.costUsd), 'cost'),
    cell(a.numTurns ?? '—', 'turns'),
    cell(typeof wall === 'string' ? wall : formatDuration(wall), 'wall'),
    h('td', { dataset: { field: 'denials' }, className: denied ? 'denied' : undefined }, String(a.permissionDenials ?? 0)),
    cell(sessionText(a, byId), 'session'));
}

export const tokensText = (x) =>
  `${formatCount(x.inputTokens)} / ${formatCount(x.outputTokens)} (${formatCount(x.cacheReadTokens)} read, ${formatCount(x.cacheWriteTokens)} write)`;

function sessionText(a, byId) {
  if (a.resumedFromAttemptId) {
    const from = byId.get(a.resumedFromAttemptId);
    return from ? `resumed from #${from.attemptNumber}` : 'resumed';
  }
  return a.agentSessionId || a.startedAt ? 'fresh' : '—';
}

/** The mission's cost so far, or null when no attempt reported one (unknown is not $0). */
const knownCost = (items) => (items.some((a) => a.costUsd !== null && a.costUsd !== undefined)
  ? items.reduce((sum, a) => sum + Number(a.costUsd ?? 0), 0) : null);

function totalsText(t, cost) {
  if (!t) return '';
  return [
    `Total: ${t.attempts} attempt${t.attempts === 1 ? '' : 's'}`,
    `${tokensText(t)} tokens`,
    formatCost(cost),
    `${t.numTurns ?? 0} turns`,
    `wall ${formatDuration(t.wallMs)}`,
    `${t.permissionDenials ?? 0} denied`,
  ].join(' · ');
}

/**
 * Denial events by attempt. A timeline frame does not name its attempt, so an event belongs to
 * the attempt that was running when it was written (attempts do not overlap within a mission).
 */
function groupDenials(attempts, denials) {
  const out = new Map();
  for (const d of denials) {
    const at = Date.parse(d.at);
    const owner = d.attemptId ? attempts.find((a) => a.id === d.attemptId)
      : attempts.find((a) => Date.parse(a.startedAt ?? a.createdAt) <= at && (!a.finishedAt || at <= Date.parse(a.finishedAt)));
    if (!owner) continue;
    if (!out.has(owner.id)) out.set(owner.id, []);
    out.get(owner.id).push(d.data);
  }
  return out;
}

function denialList(attempts, deniedBy) {
  const rows = attempts.filter((a) => deniedBy.has(a.id));
  if (!rows.length) return null;
  return h('div', { className: 'denials' },
    h('h4', {}, 'Refused tool calls'),
    h('ul', { dataset: { testid: 'denials' } }, rows.flatMap((a) => deniedBy.get(a.id).map((d) =>
      h('li', {}, h('span', { className: 'muted' }, `#${a.attemptNumber} `), h('code', {}, d.tool ?? 'tool'),
        d.path || d.command ? ` ${d.path ?? d.command}` : '', d.reason ? h('span', { className: 'muted' }, ` — ${d.reason}`) : null)))));
}
