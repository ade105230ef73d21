import { h, timeEl } from './dom.js';
import { formatCost, formatCount, untilText } from './format.js';

/** One line of text that says what an event means; the raw data stays one click away. */
export function summarize(kind, data = {}) {
  const d = data ?? {};
  switch (kind) {
    case 'mission.created': return `created “${d.title ?? ''}”`;
    case 'mission.moved': return `moved ${d.from} → ${d.to}`;
    case 'mission.reordered': return `reordered in ${d.to}`;
    case 'mission.reviewed': return `review: ${d.decision}${d.feedback ? ` — ${d.feedback}` : ''}`;
    case 'mission.updated':
      return `updated ${Object.entries(d.changes ?? {}).map(([field, c]) => `${field}: ${short(c?.from)} → ${short(c?.to)}`).join(', ')}`;
    case 'mission.dependencies_changed': return `dependencies not done: ${d.dependencyCount}`;
    case 'docs.changed': return `doc ${d.path} changed`;
    case 'attempt.finished': return `attempt ${d.status}${d.reason ? ` (${d.reason})` : ''}`;
    case 'pr.opened': return `pull request #${d.number} opened`;
    case 'pr.updated': return `pull request #${d.number} updated`;
    case 'pr.reopened': return `pull request #${d.number} reopened`;
    case 'pr.approved': return `pull request #${d.number} approved`;
    case 'pr.merged': return `pull request #${d.number} merged`;
    case 'pr.closed': return `pull request #${d.number} closed without merging: a person decides what happens next`;
    case 'pr.review': return `@${d.author} reviewed: ${(d.state ?? '').toLowerCase().replace('_', ' ')}${d.body ? ` — ${short(d.body, 200)}` : ''}`;
    case 'pr.comment': return `@${d.author}${d.path ? ` on ${d.path}` : ''}: ${short(d.body, 200)}`;
    case 'mission.changes_requested': return `changes requested on GitHub (round ${d.cycle} of ${d.maxCycles}): back to the agent`;
    case 'pr.feedback_cap_reached': return `PR feedback limit reached (${d.max} rounds): waiting for a person`;
    case 'pr.mode_fallback': return `no pull request: ${d.reason}`;
    case 'pr.failed': return `pull request not opened: ${d.reason}`;
    case 'agent.session': return `${d.agent ?? 'agent'} session ${d.agentSessionId}`;
    case 'agent.session_resumed': return `resumed the agent session of the earlier attempt (${d.reason})${d.workingTreeReset ? `; that attempt ended ${d.earlierOutcome}: what it left uncommitted is gone (the tree is at ${String(d.workingTreeReset).slice(0, 12)}), and the agent was told` : ''}`;
    case 'agent.session_fresh': return `started a fresh agent session (${d.reason})`;
    case 'agent.usage':
      return `+${formatCount(d.inputTokens)} in / +${formatCount(d.outputTokens)} out tokens${d.costUsd !== undefined ? `, ${formatCost(d.costUsd)}` : ''}`;
    case 'agent.permission_denied':
      return `refused: ${d.tool ?? 'a tool call'}${d.path || d.command ? ` ${d.path ?? d.command}` : ''}${d.reason ? ` — ${d.reason}` : ''}`;
    case 'agent.retrying': return `retrying (${d.reason}), try ${d.retry} in ${Math.round((d.delayMs ?? 0) / 1000)} s`;
    case 'agent.limited': return `usage limit reached${d.until ? `, resets at ${untilText(d.until)}` : ''}${d.message ? ` — ${short(d.message, 200)}` : ''}`;
    case 'mission.waiting_for_quota': return `waiting for quota${d.until ? ` until ${untilText(d.until)}` : ''} (${d.agentType}); the attempt does not count`;
    case 'mission.budget_reached': return `monthly budget reached: ${formatCost(d.spentUsd)} of ${formatCost(d.budgetUsd)} in ${d.month}; new dispatches wait`;
    case 'mission.handed_off': return `handed to ${d.to ? (d.workstationName ?? 'a workstation') : 'any workstation serving the project'}${d.reason ? ` — ${d.reason}` : ''}`;
    case 'mission.retried': return `retried from ${d.from}${d.reason ? ` — ${d.reason}` : ''}`;
    case 'mission.review_suggested': return `sent to review: the agent was refused ${d.permissionDenials} tool call${d.permissionDenials === 1 ? '' : 's'}`;
  }
  const text = d.text ?? d.message ?? d.content ?? d.reason;
  if (typeof text === 'string') return text;
  if (d.name) return `${d.name}${d.input ? ` ${short(d.input, 120)}` : ''}`;
  return '';
}

function short(value, max = 60) {
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  return s === undefined ? '∅' : s.length > max ? `${s.slice(0, max)}…` : s;
}

/** A timeline entry from a `mission:{id}:events` message (data = {id, origin, data}). */
export function eventItem(frame) {
  const { origin, data } = frame.data ?? {};
  const hasData = data && typeof data === 'object' && Object.keys(data).length > 0;
  return h('li', { className: `event origin-${origin}`, dataset: { seq: frame.cursor, kind: frame.kind, testid: 'timeline-event' } },
    h('div', { className: 'event-head' },
      h('span', { className: 'event-kind' }, frame.kind),
      h('span', { className: 'badge' }, origin ?? 'system'),
      timeEl(frame.at)),
    h('p', { className: 'event-text' }, summarize(frame.kind, data)),
    hasData ? h('details', {}, h('summary', {}, 'data'), h('pre', {}, JSON.stringify(data, null, 2))) : null);
}

/** The newest events stay in the Details timeline; the Conversation tab pages through the agent's. */
const TIMELINE_KEEP = 500;

/**
 * The Details tab's live timeline. A replay brings every event of the mission (10,000 for a long
 * agent session), so events reach the list once per frame, only the newest TIMELINE_KEEP get a
 * node, and the list says how many earlier ones it left out; "was the reader at the bottom?" is
 * asked once per frame too (each ask lays out the whole list).
 */
export function createTimeline() {
  let dropped = 0;
  let queue = [];
  let flushQueued;
  // The live region is the wrapper: an <ol> given role="log" would no longer be a list, and its
  // <li> items would be list items outside a list (axe: listitem).
  const list = h('ol', { className: 'timeline', dataset: { testid: 'timeline' } });
  const note = h('p', { className: 'muted', hidden: true, dataset: { testid: 'timeline-dropped' } });

  function flush() {
    flushQueued = undefined;
    const stick = list.scrollTop + list.clientHeight >= list.scrollHeight - 24;
    const batch = queue;
    queue = [];
    const skipped = Math.max(0, batch.length - TIMELINE_KEEP);
    list.append(...batch.slice(skipped).map(eventItem));
    dropped += skipped;
    for (let excess = list.childElementCount - TIMELINE_KEEP; excess > 0; excess--) {
      list.firstElementChild.remove();
      dropped++;
    }
    if (dropped) {
      note.hidden = false;
      note.textContent = `${dropped.toLocaleString('en-US')} earlier event${dropped === 1 ? '' : 's'} not shown here: the Conversation tab pages through the agent's session, and GET /api/v1/missions/{id}/events has them all.`;
    }
    if (stick) list.scrollTop = list.scrollHeight;
  }

  return {
    element: h('div', { role: 'log', 'aria-label': 'Event timeline' }, note, list),
    add(frame) {
      queue.push(frame);
      flushQueued ??= requestAnimationFrame(flush);
    },
    close: () => cancelAnimationFrame(flushQueued),
  };
}
