import { h } from './dom.js';

/**
 * The workstations a mission of `projectId` may be handed to: those mapped to the project that the
 * caller may see (GET /projects/:id/workstations), named from the caller's workstation list.
 */
export async function loadHandoffTargets(api, projectId) {
  const [mapped, known] = await Promise.all([api.get(`/projects/${projectId}/workstations`), api.all('/workstations')]);
  const names = new Map(known.map((w) => [w.id, w.name]));
  return mapped.items.map((m) => ({ id: m.workstationId, name: names.get(m.workstationId) ?? `workstation ${m.workstationId}` }));
}

/**
 * "Hand to…" (POST /missions/:id/handoff: one workstation serving the project, or any) and
 * "Retry…" with a reason (POST /missions/:id/retry: Todo or Doing; Review and Done are a
 * person's decision). Both land on the timeline; `act` shows the API's refusal.
 */
export function handoffSection(m, { api, act, targets }) {
  if (m.list === 'done') return h('div', { hidden: true });
  const choices = targets ?? [];
  const to = h('select', { id: 'handoff-to', name: 'workstationId' },
    h('option', { value: '', selected: !m.workstationId }, 'any workstation serving the project'),
    choices.map((w) => h('option', { value: w.id, selected: w.id === m.workstationId }, w.name)));
  const why = h('input', { id: 'handoff-reason', name: 'reason', maxlength: 2000, autocomplete: 'off' });
  const handoff = h('form', {
    className: 'handoff',
    onsubmit: (e) => {
      e.preventDefault();
      const reason = why.value.trim();
      act(e.submitter, async () => {
        const handed = await api.post(`/missions/${m.id}/handoff`, reason ? { workstationId: to.value || null, reason } : { workstationId: to.value || null });
        why.value = ''; // done: the reason is on the timeline now
        return handed;
      });
    },
  }, h('label', { for: to.id }, 'Hand to'), to,
  h('label', { for: why.id }, 'Reason (optional)'), why,
  targets && !choices.length ? h('p', { className: 'muted' }, 'No workstation serves this project yet.') : null,
  h('button', { type: 'submit' }, 'Hand over'));

  const canRetry = m.list === 'todo' || m.list === 'doing';
  const reason = h('input', { id: 'retry-reason', name: 'reason', required: true, maxlength: 2000, autocomplete: 'off' });
  const retry = canRetry ? h('form', {
    className: 'retry',
    onsubmit: (e) => {
      e.preventDefault();
      act(e.submitter, async () => {
        const retried = await api.post(`/missions/${m.id}/retry`, { reason: reason.value.trim() });
        reason.value = '';
        return retried;
      });
    },
  }, h('label', { for: reason.id }, 'Why run it again? (required to retry)'), reason,
  m.list === 'doing' ? h('p', { className: 'muted' }, 'Retrying cancels the running attempt and starts a fresh one.') : null,
  h('button', { type: 'submit' }, 'Retry')) : null;

  return h('section', { className: 'handoff-retry', 'aria-labelledby': 'handoff-title' },
    h('h3', { id: 'handoff-title' }, 'Workstation and retry'), handoff, retry);
}
