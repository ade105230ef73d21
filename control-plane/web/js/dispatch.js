import { h } from './dom.js';

/**
 * "Why isn't it running?" on a card: the mission's dispatch state (computed by the control plane)
 * and each reason with its fix. Realtime summaries do not carry it, so cards whose mission changed
 * (and the Todo column when workstations come and go) are refetched, a little later and in bulk.
 */
export const STATE_NAMES = {
  not_ready: 'not ready', blocked: 'blocked', queued: 'queued', running: 'running', in_review: 'in review', done: 'done',
};

/**
 * The card shows the first reason with its fix (the one to act on first: the order is the
 * control plane's), and how many more there are; `all` (the panel) lists every one.
 */
export function dispatchNote(m, { all = false } = {}) {
  const d = m.dispatch;
  if (!d || d.state === 'done' || (d.state === 'running' && d.reasons.length === 0)) return null;
  if (!all && d.state === 'in_review' && d.reasons.every((r) => r.code === 'waiting_for_review')) return null; // the column says it
  const shown = all ? d.reasons : d.reasons.slice(0, 1);
  const more = d.reasons.slice(shown.length);
  return h('div', { className: 'dispatch', dataset: { state: d.state, testid: 'dispatch' } },
    h('span', { className: `badge dispatch-${d.state}` }, STATE_NAMES[d.state] ?? d.state),
    d.reasons.length === 0 && d.state === 'queued' ? h('span', { className: 'muted' }, ' waiting for an agent to take it') : null,
    h('ul', { className: 'reasons' }, shown.map((r) => h('li', { dataset: { code: r.code } },
      h('span', { className: 'reason' }, r.message), ' ', h('span', { className: 'fix' }, `Fix: ${r.fix}`)))),
    more.length ? h('span', { className: 'more muted', title: more.map((r) => r.message).join('\n'), dataset: { codes: more.map((r) => r.code).join(' ') } }, `+${more.length} more (open the mission)`) : null);
}

/** One line for a notice: the state and the first reason's fix. */
export function dispatchSummary(m) {
  const d = m.dispatch;
  if (!d) return '';
  const first = d.reasons[0];
  return first ? `${STATE_NAMES[d.state]}: ${first.message} ${first.fix}` : STATE_NAMES[d.state];
}

export function createDispatchRefresher({ api, store, projectId }) {
  const pending = new Set();
  let timer;
  let todoTimer;
  async function flush() {
    const ids = [...pending];
    pending.clear();
    for (const id of ids) {
      try {
        const fresh = await api.mission(id);
        if (store.get(id)) store.upsert(fresh);
      } catch {
        // Gone or no longer visible: the board's own feed says so.
      }
    }
  }
  return {
    mission(id) {
      pending.add(id);
      clearTimeout(timer);
      timer = setTimeout(flush, 250);
    },
    /** Workstations came or went: every Todo card's reasons may have changed. */
    todo() {
      clearTimeout(todoTimer);
      todoTimer = setTimeout(async () => {
        const id = projectId();
        if (!id) return;
        try {
          for (const m of await api.missions(id, 'todo')) if (store.get(m.id)) store.upsert(m);
        } catch {
          // The next change retries.
        }
      }, 300);
    },
  };
}
