import { agentSection } from './attempts.js';
import { dispatchNote } from './dispatch.js';
import { $, h, notify, timeEl } from './dom.js';
import { loadProjectOptions, missionFields } from './mission-fields.js';
import { handoffSection, loadHandoffTargets } from './mission-handoff.js';
import { httpHref } from './links.js';
import { POLICY_CHOICES } from './policy.js';
import { questionSection } from './question.js';
import { LIST_NAMES } from './store.js';
import { missionTabs } from './tabs.js';
import { createTimeline } from './timeline.js';

/**
 * The mission panel (a modal <dialog>): details, edit form, review gate, and the live timeline
 * from `mission:{id}:events`, replayed from cursor 0 and resumed after reconnects; the agent's
 * attempts (tokens, cost, denials) reload as the mission's events arrive.
 */
export function createPanel({ api, realtime, store }) {
  const dialog = $('#mission-panel');
  let current; // { id, mission, pulls: [], attempts, denials: [], parts }
  let attemptsTimer;

  dialog.addEventListener('close', () => {
    stopAttemptsReload();
    if (current) realtime.unsubscribe(`mission:${current.id}:events`);
    current?.parts.tabs?.close();
    current?.parts.timeline.close();
    const id = current?.id;
    current = undefined;
    dialog.replaceChildren();
    document.querySelector(`.card-title[data-id="${id}"]`)?.focus();
  });
  async function refresh() {
    if (!current) return;
    const id = current.id;
    try {
      const [mission, pulls] = await Promise.all([api.mission(id), api.pullRequests(id)]);
      if (current?.id !== id) return;
      current.mission = mission;
      current.pulls = pulls.items;
      renderDetails();
    } catch (error) {
      notify(`Could not load the mission: ${error.message}`);
    }
  }

  /** The attempts; null when the control plane cannot say (the panel shows that instead). */
  async function loadAttempts(id) {
    let result = null;
    try {
      result = await api.attempts(id);
    } catch (error) {
      if (error.status !== 404) notify(`Could not load the attempts: ${error.message}`);
    }
    if (current?.id !== id) return;
    current.attempts = result;
    renderAgent();
  }

  /**
   * Events arrive in bursts (a replay, a busy agent): at most one reload per 400 ms, so the figures
   * keep moving while an agent streams, without a request per event.
   */
  function attemptsChanged(id) {
    if (attemptsTimer) return;
    attemptsTimer = setTimeout(() => {
      attemptsTimer = undefined;
      loadAttempts(id);
    }, 400);
  }

  function stopAttemptsReload() {
    clearTimeout(attemptsTimer);
    attemptsTimer = undefined;
  }

  function renderAgent() {
    current.parts.agent.replaceWith((current.parts.agent = agentSection(current.attempts, current.denials)));
  }

  /** The project's repositories, flows and actors for the Edit form's choices. */
  async function loadOptions(id) {
    const projectId = current?.mission?.projectId ?? (await api.mission(id)).projectId;
    try {
      const options = await loadProjectOptions(api, projectId);
      if (current?.id !== id) return;
      current.options = options;
      if (current.mission && !current.parts.edit.contains(document.activeElement)) current.parts.edit.replaceWith((current.parts.edit = editForm(current.mission)));
    } catch (error) {
      notify(`Could not load the project's repositories, flows and actors: ${error.message}`);
    }
  }

  async function act(button, action) {
    button.disabled = true;
    try {
      const mission = await action();
      if (mission?.id) {
        store.upsert(mission);
        if (current?.id === mission.id) {
          current.mission = mission;
          renderDetails();
        }
      }
    } catch (error) {
      notify(error.message);
    } finally {
      button.disabled = false;
    }
  }

  /** The project's workstations for "Hand to…" (#18); without them the form offers "any" only. */
  async function loadTargets(id) {
    try {
      const projectId = current?.mission?.projectId ?? (await api.mission(id)).projectId;
      const targets = await loadHandoffTargets(api, projectId);
      if (current?.id !== id) return;
      current.targets = targets;
      if (current.mission) renderDetails();
    } catch (error) {
      notify(`Could not load the project's workstations: ${error.message}`);
    }
  }

  function workstationName(m) {
    if (!m.workstationId) return 'any serving the project';
    return current.targets?.find((w) => w.id === m.workstationId)?.name ?? m.workstationId;
  }

  function meta(m) {
    const row = (term, value) => [h('dt', {}, term), h('dd', {}, value ?? '—')];
    return h('dl', { className: 'meta' },
      row('Column', LIST_NAMES[m.list]), row('Priority', String(m.priority)), row('Stage', m.stage),
      row('Ready', m.ready ? 'yes' : 'no'), row('Dispatch', dispatchNote(m, { all: true }) ?? (m.dispatch ? m.dispatch.state.replace('_', ' ') : null)), row('Agent session', m.agentSessionStatus),
      row('Workstation', workstationName(m)),
      row('Agent permissions', m.agentPermissionPolicy ?? 'project default'),
      row('Review', m.requiresReview ? (m.reviewStatus ?? 'required') : (m.reviewStatus ?? 'not required')),
      m.reviewFeedback ? row('Review feedback', m.reviewFeedback) : [],
      row('Blocked by', m.dependencyCount ? `${m.dependencyCount} unfinished` : 'nothing'),
      row('Origin', m.origin), m.prBranchName ? row('PR branch', m.prBranchName) : [],
      pullRequestRow(m, row),
      row('Last event', m.lastEventAt ? timeEl(m.lastEventAt) : 'none'));
  }

  /** The newest PR, linked, with its state; one closed without merging is flagged for a person. */
  function pullRequestRow(m, row) {
    const pr = current.pulls?.at(-1);
    if (!pr) return m.githubPrNumber ? row('Pull request', `#${m.githubPrNumber}`) : [];
    const state = pr.state === 'closed' ? 'closed without merging' : pr.state;
    const href = httpHref(pr.url);
    return row('Pull request', h('span', {},
      href ? h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, `#${pr.number}`) : `#${pr.number}`,
      ' ', h('span', { className: `badge pr-${pr.state}`, dataset: { testid: 'pr-state' } }, state),
      pr.feedbackCycles ? h('span', { className: 'muted' }, ` · ${pr.feedbackCycles} change request${pr.feedbackCycles === 1 ? '' : 's'}`) : null));
  }

  /**
   * Approve (Review only), and reject with guidance from Todo, Doing and Review (#15): a mission
   * back in Todo after a merge conflict, or an agent in Doing going the wrong way (its run is
   * cancelled). A Done mission's work is merged and cannot be taken back: no form there.
   */
  function reviewSection(m) {
    if (m.list === 'done') return h('div', { hidden: true });
    const inReview = m.list === 'review';
    const feedback = h('textarea', { id: 'review-feedback', rows: 3, required: true, maxlength: 100000 });
    const hint = {
      todo: 'The mission stays in Todo, ready; the agent gets your guidance on its next run.',
      doing: 'Rejecting cancels the running agent; the mission goes back to Todo, ready, with your guidance.',
    }[m.list];
    return h('section', { className: 'review', 'aria-labelledby': 'review-title' },
      h('h3', { id: 'review-title' }, inReview ? 'Review' : 'Guide the agent'),
      inReview ? h('button', { type: 'button', className: 'primary', onclick: (e) => act(e.currentTarget, () => api.review(m.id, 'approve')) }, 'Approve') : null,
      h('form', {
        className: 'reject',
        onsubmit: (e) => {
          e.preventDefault();
          act(e.submitter, () => api.review(m.id, 'reject', feedback.value.trim()));
        },
      }, h('label', { for: 'review-feedback' }, 'Feedback for the agent (required to reject)'), feedback,
      hint ? h('p', { className: 'muted' }, hint) : null,
      h('button', { type: 'submit', className: 'danger' }, inReview ? 'Reject' : 'Reject with guidance')));
  }

  function editForm(m) {
    const field = (label, input) => [h('label', { for: input.id }, label), input];
    const title = h('input', { id: 'edit-title', name: 'title', required: true, maxlength: 500, value: m.title });
    const description = h('textarea', { id: 'edit-description', name: 'description', rows: 4 });
    description.value = m.description ?? '';
    const priority = h('select', { id: 'edit-priority', name: 'priority' }, [1, 2, 3, 4, 5].map((p) => h('option', { value: String(p), selected: p === m.priority }, String(p))));
    const ready = h('input', { type: 'checkbox', id: 'edit-ready', checked: m.ready });
    const requiresReview = h('input', { type: 'checkbox', id: 'edit-requires-review', checked: m.requiresReview });
    const policy = h('select', { id: 'edit-policy', name: 'agentPermissionPolicy' },
      POLICY_CHOICES.map(([value, label]) => h('option', { value, selected: value === (m.agentPermissionPolicy ?? '') }, label)));
    // Repository, flow, actor, PR mode, dependencies: once the project's choices are loaded.
    const candidates = [...store.missions.values()].filter((x) => x.id !== m.id);
    const run = current.options ? missionFields('edit', current.options, m, candidates) : null;
    return h('form', {
      className: 'edit', 'aria-labelledby': 'edit-title-h',
      onsubmit: (e) => {
        e.preventDefault();
        const was = current.mission;
        const next = { title: title.value.trim(), description: description.value || null, priority: Number(priority.value), ready: ready.checked, requiresReview: requiresReview.checked, agentPermissionPolicy: policy.value || null, ...run?.read() };
        const same = (k, v) => (Array.isArray(v) ? v.join() === (was[k] ?? []).join() : v === (was[k] ?? null));
        const patch = Object.fromEntries(Object.entries(next).filter(([k, v]) => !same(k, v)));
        if (Object.keys(patch).length === 0) return notify('Nothing changed', 'info');
        act(e.submitter, () => api.updateMission(m.id, patch));
      },
    },
    h('h3', { id: 'edit-title-h' }, 'Edit'),
    field('Title', title), field('Description', description), field('Priority', priority), field('Agent permissions', policy),
    h('label', { className: 'check' }, ready, ' Ready for an agent'),
    h('label', { className: 'check' }, requiresReview, ' Requires review'),
    run?.elements,
    h('div', { className: 'actions' }, h('button', { type: 'submit', className: 'primary' }, 'Save')));
  }

  function renderDetails() {
    const m = current.mission;
    const p = current.parts;
    p.title.textContent = m.title;
    p.meta.replaceWith((p.meta = meta(m)));
    // Do not clobber what the user is typing; a fresh form otherwise (e.g. after a save).
    // The agent's open question (mission_ask) above the review: answering it is what unblocks the agent.
    if (!p.question.contains(document.activeElement)) p.question.replaceWith((p.question = questionSection(m, { api, act })));
    if (!p.review.contains(document.activeElement)) p.review.replaceWith((p.review = reviewSection(m)));
    if (!p.handoff.contains(document.activeElement)) p.handoff.replaceWith((p.handoff = handoffSection(m, { api, act, targets: current.targets })));
    if (!p.edit.contains(document.activeElement)) p.edit.replaceWith((p.edit = editForm(m)));
  }

  /**
   * Where a card's button puts the cursor: `guidance` (“Reject…”) the feedback field, `answer` the
   * agent's question, `repository` / `dependencies` those fields of the Edit form (what a Todo card asks for).
   */
  function focusOn(focus) {
    const target = { guidance: '#review-feedback', answer: '#question-answer', repository: '#edit-repositoryId', dependencies: '#edit-dependsOn' }[focus];
    const field = target && $(target, dialog);
    if (!field) return;
    field.scrollIntoView({ block: 'center' });
    field.focus();
  }

  /** `focus` (see focusOn): a card's button opened the panel for one thing to do. */
  async function open(id, { focus } = {}) {
    // Switching missions in an open panel: drop the old timeline, keep the dialog.
    if (current) realtime.unsubscribe(`mission:${current.id}:events`);
    current?.parts.tabs?.close();
    current?.parts.timeline.close();
    stopAttemptsReload();
    const cached = store.get(id);
    const parts = {
      title: h('h2', { id: 'panel-title' }, cached?.title ?? 'Mission'),
      meta: h('dl'), agent: agentSection(undefined), question: h('div'), review: h('div'), handoff: h('div'), edit: h('form'),
      timeline: createTimeline(),
    };
    current = { id, mission: cached, pulls: [], attempts: undefined, denials: [], parts };
    dialog.replaceChildren(
      h('header', { className: 'panel-head' }, parts.title, h('button', { type: 'button', className: 'close', 'aria-label': 'Close the mission panel', onclick: () => dialog.close() }, '✕')),
      h('div', { className: 'panel-body' },
        parts.agent,
        // Details (the fields, review, edit, timeline) is the first tab; Files, Docs, Conversation follow (tabs.js).
        (parts.tabs = missionTabs({ api, missionId: id, details: [
          h('div', { className: 'panel-main' }, parts.meta, parts.question, parts.review, parts.handoff, parts.edit),
          h('section', { className: 'panel-timeline', 'aria-labelledby': 'timeline-title' }, h('h3', { id: 'timeline-title' }, 'Timeline'), parts.timeline.element)] })).element));
    if (!dialog.open) dialog.showModal();
    await Promise.all([refresh(), loadAttempts(id), loadOptions(id), loadTargets(id)]);
    if (current?.id === id) focusOn(focus);
    const channel = `mission:${id}:events`;
    realtime.subscribe(channel, {
      onMessage(frame) {
        if (current?.id !== id) return;
        current.parts.timeline.add(frame);
        current.parts.tabs.onEvent(frame);
        if (frame.kind === 'agent.permission_denied') current.denials.push({ at: frame.at, attemptId: frame.data?.attemptId, data: frame.data?.data ?? {} });
        if (frame.kind.startsWith('agent.') || frame.kind.startsWith('attempt.') || frame.kind.startsWith('mission.')) attemptsChanged(id);
      },
      onError: (frame) => notify(`Timeline unavailable: ${frame.message}`),
    }, '0');
  }

  return {
    open,
    close() {
      if (dialog.open) dialog.close();
    },
    /** The board heard that a mission changed: if it is the open one, reload its details. */
    changed(id) {
      if (current?.id !== id) return;
      refresh();
      attemptsChanged(id);
    },
  };
}
