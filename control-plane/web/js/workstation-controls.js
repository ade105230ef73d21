import { h } from './dom.js';

const VISIBILITY = [['full', 'full (everything)'], ['status', 'status (presence only)'], ['hidden', 'hidden (not listed)']];

/**
 * What a manager of a workstation changes on it (#18): pause with a reason / resume
 * (POST /workstations/:id/pause|resume) and what other members see of it (PATCH visibility).
 * Drawn only for organization admins; the API refuses anyone else with 403, and a refusal's
 * message is shown here. `onChanged(view)` gets the workstation as the API answered.
 */
export function workstationControls({ api, w, onChanged }) {
  const error = h('p', { className: 'error', role: 'alert', hidden: true, dataset: { testid: 'ws-control-error' } });
  async function run(control, action) {
    control.disabled = true;
    error.hidden = true;
    try {
      onChanged(await action());
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
      control.disabled = false;
    }
  }

  const visibility = h('select', { id: `ws-visibility-${w.id}`, dataset: { testid: 'ws-visibility' } },
    VISIBILITY.map(([value, label]) => h('option', { value, selected: value === w.visibility }, label)));
  visibility.addEventListener('change', () => run(visibility, () => api.patch(`/workstations/${w.id}`, { visibility: visibility.value })));

  return h('div', { className: 'ws-controls', role: 'group', 'aria-label': `Manage ${w.name}` },
    w.paused
      ? h('button', { type: 'button', dataset: { testid: 'ws-resume' }, onclick: (e) => run(e.currentTarget, () => api.post(`/workstations/${w.id}/resume`)) }, 'Resume')
      : pauseForm(w, (control, reason) => run(control, () => api.post(`/workstations/${w.id}/pause`, { reason }))),
    h('label', { for: visibility.id }, 'Visible to other members '), visibility,
    error);
}

/** "Pause…" opens a small form asking why (the reason is shown to members and in the audit log). */
function pauseForm(w, pause) {
  const reason = h('input', { id: `ws-pause-reason-${w.id}`, required: true, maxlength: 500, autocomplete: 'off' });
  const cancel = h('button', { type: 'button' }, 'Cancel');
  const form = h('form', {
    className: 'ws-pause', hidden: true, dataset: { testid: 'ws-pause-form' },
    onsubmit: (e) => {
      e.preventDefault();
      pause(e.submitter, reason.value.trim());
    },
  }, h('label', { for: reason.id }, `Why pause ${w.name}?`), reason,
  h('div', { className: 'actions' }, h('button', { type: 'submit', className: 'danger' }, 'Pause'), cancel));
  const open = h('button', { type: 'button', 'aria-expanded': 'false', dataset: { testid: 'ws-pause' } }, 'Pause…');
  const show = (on) => {
    form.hidden = !on;
    open.hidden = on;
    open.setAttribute('aria-expanded', String(on));
    (on ? reason : open).focus();
  };
  open.addEventListener('click', () => show(true));
  cancel.addEventListener('click', () => show(false));
  form.addEventListener('keydown', (e) => { if (e.key === 'Escape') show(false); });
  return h('div', {}, open, form);
}
