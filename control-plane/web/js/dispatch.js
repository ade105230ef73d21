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
 * What a person does about each reason, as a button on the card (the board's delegated click
 * handler runs it, see board.js): mark it ready, open its Edit form at the field to change or the
 * question, open Project settings (the budget) or the Workstations view. Each name holds the
 * visible text and the mission's title. Reasons with no action here keep their text fix.
 */
const FIXES = {
  not_ready: { action: 'ready', text: 'Mark ready', label: (t) => `Mark ready: let an agent take “${t}”` },
  no_repository: { action: 'repository', text: 'Edit…', label: (t) => `Edit “${t}”: choose a repository` },
  blocked_by_dependencies: { action: 'dependencies', text: 'Edit…', label: (t) => `Edit “${t}”: its dependencies` },
  question_open: { action: 'answer', text: 'Answer…', label: (t) => `Answer the agent’s question on “${t}”` },
  budget_reached: { action: 'settings', text: 'Project settings', label: (t) => `Project settings: the monthly budget “${t}” waits on` },
  no_workstation_mapped: { action: 'workstations', text: 'Workstations', label: (t) => `Workstations: none serves the project of “${t}”` },
  workstation_paused: { action: 'workstations', text: 'Workstations', label: (t) => `Workstations: resume one paused for “${t}”` },
  no_workstation_online: { action: 'workstations', text: 'Workstations', label: (t) => `Workstations: none online for “${t}”` },
  agent_limited: { action: 'workstations', text: 'Workstations', label: (t) => `Workstations: agent limits and resets for “${t}”` },
  no_free_slot: { action: 'workstations', text: 'Workstations', label: (t) => `Workstations: what is running while “${t}” waits for a slot` },
};

/** Reasons a card lists before "+N more" (the panel lists every one). */
const CARD_REASONS = 3;

/**
 * A mission's dispatch state and its reasons, each with its fix, in the control plane's order (the
 * one to act on first comes first). On a card (not `all`) a reason whose fix the board can do gets
 * a button for it; the panel (`all`) lists every reason with its text fix.
 */
export function dispatchNote(m, { all = false } = {}) {
  const d = m.dispatch;
  if (!d || d.state === 'done' || (d.state === 'running' && d.reasons.length === 0)) return null;
  if (!all && d.state === 'in_review' && d.reasons.every((r) => r.code === 'waiting_for_review')) return null; // the column says it
  const shown = all ? d.reasons : d.reasons.slice(0, CARD_REASONS);
  const more = d.reasons.slice(shown.length);
  const fixButton = (r) => {
    const fix = !all && m.list === 'todo' ? FIXES[r.code] : undefined;
    return fix ? h('button', { type: 'button', className: 'fix-action', dataset: { action: fix.action, id: m.id, code: r.code }, 'aria-label': fix.label(m.title) }, fix.text) : null;
  };
  return h('div', { className: 'dispatch', dataset: { state: d.state, testid: 'dispatch' } },
    h('span', { className: `badge dispatch-${d.state}` }, STATE_NAMES[d.state] ?? d.state),
    d.reasons.length === 0 && d.state === 'queued' ? h('span', { className: 'muted' }, ' waiting for an agent to take it') : null,
    h('ul', { className: 'reasons' }, shown.map((r) => h('li', { dataset: { code: r.code } },
      h('span', { className: 'reason' }, r.message), ' ', h('span', { className: 'fix' }, `Fix: ${r.fix}`), ' ', fixButton(r)))),
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
