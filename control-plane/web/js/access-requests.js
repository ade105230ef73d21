import { h, notify } from './dom.js';

/**
 * Approve / Decline on an access-request notification (#18), for the project's admins. The
 * request may have been decided meanwhile (another admin, auto-approve): the buttons then show
 * its state instead of acting twice. `done()` refreshes the inbox after a decision.
 */
export function accessRequestActions(n, { api, done }) {
  if (n.kind !== 'access_request.created' || typeof n.data?.accessRequestId !== 'string') return null;
  const id = n.data.accessRequestId;
  const state = h('span', { className: 'muted', dataset: { testid: 'access-request-state' } });
  const decide = (verb) => async () => {
    for (const b of [approve, decline]) b.disabled = true;
    try {
      const r = await api.post(`/access-requests/${id}/${verb}`);
      state.textContent = r.status === 'approved' ? `Approved: ${r.role}` : 'Declined';
    } catch (error) {
      if (error.code === 'SU_ERR_ACCESS_REQUEST_DECIDED') state.textContent = 'Already decided';
      else {
        notify(`Could not ${verb} the request: ${error.message}`);
        for (const b of [approve, decline]) b.disabled = false;
        return;
      }
    }
    approve.hidden = decline.hidden = true;
    await done();
  };
  const approve = h('button', { type: 'button', className: 'primary', 'aria-label': `Approve: ${n.title}`, onclick: decide('approve') }, 'Approve');
  const decline = h('button', { type: 'button', 'aria-label': `Decline: ${n.title}`, onclick: decide('decline') }, 'Decline');
  // Asked lazily: only an open inbox shows whether the request is still pending.
  void api.get(`/access-requests/${id}`).then((r) => {
    if (r.status === 'pending') return;
    approve.hidden = decline.hidden = true;
    state.textContent = r.status === 'approved' ? `Approved: ${r.role}` : 'Declined';
  }).catch(() => {
    approve.hidden = decline.hidden = true; // not an admin of it any more, or it is gone
  });
  return h('div', { className: 'access-request-actions', dataset: { testid: 'access-request-actions' } }, approve, ' ', decline, ' ', state);
}
