import { $, h, notify } from './dom.js';
import { untilText } from './format.js';

/**
 * The Todo column's Fallback area: enabled templates (one-click Launch) and open proposals
 * (Accept, or Discard with optional feedback). Reloaded whenever `project:{id}:fallback` speaks.
 */
export function createFallbackArea({ api, onMission }) {
  const templatesEl = $('#fallback-templates');
  const proposalsEl = $('#fallback-proposals');
  let projectId;

  $('#fallback-run').addEventListener('click', (e) => busy(e.currentTarget, async () => {
    const { items } = await api.runFallback(projectId);
    notify(items.length ? `Proposed ${items.length} mission${items.length === 1 ? '' : 's'}` : 'Nothing to propose right now', 'info');
    await load();
  }));

  async function load() {
    if (!projectId) return;
    const forProject = projectId;
    try {
      const area = await api.fallbackArea(forProject);
      if (forProject === projectId) render(area);
    } catch (error) {
      notify(`Could not load the Fallback area: ${error.message}`);
    }
  }

  /** Runs an action with its button disabled, so a double click cannot launch twice. */
  async function busy(button, action) {
    button.disabled = true;
    try {
      await action();
    } catch (error) {
      notify(error.message);
    } finally {
      button.disabled = false;
    }
  }

  /** Rotation: when it was last proposed, and when a cooldown or minimum wait lets it come back. */
  function rotation(t) {
    const parts = [];
    if (t.weight > 1) parts.push(`weight ${t.weight}`);
    parts.push(t.lastProposedAt ? `last proposed ${untilText(t.lastProposedAt)}` : 'never proposed');
    if (t.nextEligibleAt) parts.push(`eligible again ${untilText(t.nextEligibleAt)}`);
    return h('span', { className: 'muted fallback-rotation', dataset: { testid: 'fallback-rotation' } }, parts.join(' · '));
  }

  function template(t) {
    const effort = t.estimatedEffortMinutes ? ` · ~${t.estimatedEffortMinutes} min` : '';
    return h('li', { className: 'fallback-item', dataset: { testid: 'fallback-template', id: t.id } },
      h('div', { className: 'fallback-text' }, h('strong', {}, t.name), h('span', { className: 'muted' }, ` P${t.priority}${effort}`), h('br'), rotation(t)),
      h('button', {
        type: 'button', className: 'primary', 'aria-label': `Launch template “${t.name}”`,
        onclick: (e) => busy(e.currentTarget, async () => {
          const result = await api.launchTemplate(projectId, t.id);
          const missionId = result.items.find((i) => i.missionId)?.missionId;
          if (missionId) onMission(await api.mission(missionId));
          notify(`Launched “${t.name}”`, 'info');
        }),
      }, 'Launch'));
  }

  function proposal(p) {
    const feedback = h('textarea', { id: `discard-${p.id}`, rows: 2, maxlength: 10000 });
    const discardForm = h('form', {
      className: 'discard-form', hidden: true,
      onsubmit: (e) => {
        e.preventDefault();
        busy(e.submitter ?? e.currentTarget, async () => {
          await api.discard(p.id, feedback.value.trim() || undefined);
          await load();
        });
      },
    },
    h('label', { for: `discard-${p.id}` }, 'Why discard? (optional)'), feedback,
    h('div', { className: 'actions' },
      h('button', { type: 'button', onclick: () => { discardForm.hidden = true; } }, 'Cancel'),
      h('button', { type: 'submit', className: 'danger' }, 'Discard')));
    return h('li', { className: 'fallback-item proposal', dataset: { testid: 'fallback-proposal', id: p.id } },
      h('div', { className: 'fallback-text' }, h('strong', {}, p.title), p.description ? h('p', { className: 'muted' }, p.description) : null),
      h('div', { className: 'actions' },
        h('button', {
          type: 'button', className: 'primary', 'aria-label': `Accept proposal “${p.title}”`,
          onclick: (e) => busy(e.currentTarget, async () => {
            const item = await api.accept(p.id);
            if (item.missionId) onMission(await api.mission(item.missionId));
            await load();
          }),
        }, 'Accept'),
        h('button', {
          type: 'button', 'aria-label': `Discard proposal “${p.title}”`, 'aria-expanded': 'false',
          onclick: (e) => {
            discardForm.hidden = !discardForm.hidden;
            e.currentTarget.setAttribute('aria-expanded', String(!discardForm.hidden));
            if (!discardForm.hidden) feedback.focus();
          },
        }, 'Discard…')),
      discardForm);
  }

  function render(area) {
    templatesEl.replaceChildren(...(area.templates.length ? area.templates.map(template) : [h('li', { className: 'muted' }, 'No enabled templates.')]));
    // A reload (any live Fallback event) must not close a discard form someone is writing in.
    const writing = new Map([...proposalsEl.querySelectorAll('form.discard-form:not([hidden])')].map((form) => {
      const box = form.querySelector('textarea');
      return [form.closest('li').dataset.id, { text: box.value, focused: document.activeElement === box }];
    }));
    proposalsEl.replaceChildren(...(area.proposals.length ? area.proposals.map(proposal) : [h('li', { className: 'muted' }, 'No open proposals.')]));
    for (const [id, { text, focused }] of writing) {
      const li = [...proposalsEl.children].find((el) => el.dataset.id === id);
      if (!li) continue; // decided meanwhile (elsewhere): nothing left to write about
      li.querySelector('form.discard-form').hidden = false;
      li.querySelector('button[aria-expanded]').setAttribute('aria-expanded', 'true');
      const box = li.querySelector('textarea');
      box.value = text;
      if (focused) box.focus();
    }
  }

  return {
    show(id) {
      projectId = id;
      templatesEl.replaceChildren();
      proposalsEl.replaceChildren();
      return load();
    },
    reload: load,
  };
}
