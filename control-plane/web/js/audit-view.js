import { $, h } from './dom.js';
import { auditTable } from './audit-entries.js';

const PAGE = 25;
const HASH = '#/audit';

/**
 * The organization's audit log (#18) at `#/audit`: newest first, filtered by action and a since
 * date, "Load more" through the API's cursor. The header's Audit link shows only for admins of
 * the shown project's organization (their role from `GET /organizations/:id`); the API refuses
 * anyone else with 403 all the same, and any refusal's message is shown here.
 */
export function createAuditView({ api, pageSize = PAGE }) {
  const link = $('#audit-link');
  const root = $('#audit-view');
  let organizationId;
  let admin = false;
  let cursor = null;
  let loading = 0; // the newest load: a late answer to an older one is dropped

  const action = h('input', { id: 'audit-action', name: 'action', list: 'audit-actions', maxlength: 100, autocomplete: 'off', placeholder: 'e.g. membership.added' });
  const actions = h('datalist', { id: 'audit-actions' });
  const since = h('input', { id: 'audit-since', name: 'since', type: 'date' });
  const table = auditTable({ caption: 'Audit events, newest first', testid: 'audit-list' });
  const status = h('p', { className: 'hint', role: 'status', dataset: { testid: 'audit-status' } });
  const error = h('p', { className: 'error', role: 'alert', hidden: true, dataset: { testid: 'audit-error' } });
  const more = h('button', { type: 'button', hidden: true, onclick: () => load(true) }, 'Load more');
  const filters = h('form', { className: 'audit-filters', role: 'search', 'aria-label': 'Filter the audit log', onsubmit: (e) => { e.preventDefault(); load(false); } },
    h('div', {}, h('label', { for: 'audit-action' }, 'Action'), action, actions),
    h('div', {}, h('label', { for: 'audit-since' }, 'Since'), since),
    h('button', { type: 'submit' }, 'Apply'));
  root.replaceChildren(
    h('div', { className: 'audit-head' }, h('h2', { id: 'audit-title', tabindex: '-1' }, 'Audit log'), h('a', { href: '#' }, 'Back to the board')),
    filters, error, status, table.element, more);

  async function load(append) {
    const mine = ++loading;
    const q = new URLSearchParams({ organizationId, limit: String(pageSize) });
    if (action.value.trim()) q.set('action', action.value.trim());
    // The start of the chosen day in the browser's time zone.
    if (since.value) q.set('since', new Date(`${since.value}T00:00:00`).toISOString());
    if (append && cursor) q.set('cursor', cursor);
    more.disabled = true;
    error.hidden = true;
    root.setAttribute('aria-busy', 'true');
    try {
      const page = await api.get(`/audit-events?${q}`);
      if (mine !== loading) return;
      (append ? table.append : table.replace)(page.items);
      cursor = page.nextCursor;
      more.hidden = !cursor;
      const shown = table.element.querySelector('tbody').rows.length;
      status.textContent = shown ? `${shown} event${shown === 1 ? '' : 's'} shown${cursor ? ', more to load' : ''}` : 'No audit events match.';
      rememberActions(page.items);
    } catch (e) {
      if (mine !== loading) return;
      error.textContent = e.message;
      error.hidden = false;
    } finally {
      if (mine === loading) {
        more.disabled = false;
        root.setAttribute('aria-busy', 'false');
      }
    }
  }

  /** The action filter suggests the actions seen so far (the API filters by exact action). */
  function rememberActions(items) {
    const known = new Set([...actions.options].map((o) => o.value));
    for (const i of items) if (!known.has(i.action)) { known.add(i.action); actions.append(new Option(i.action, i.action)); }
  }

  function route() {
    const showing = location.hash === HASH && admin && Boolean(api.key);
    root.hidden = !showing;
    if (showing) {
      document.body.dataset.audit = '';
      load(false);
      $('#audit-title').focus();
    } else delete document.body.dataset.audit;
  }
  window.addEventListener('hashchange', route);

  return {
    /** The shown project's organization: whether the caller administers it decides the link. */
    async setOrganization(orgId) {
      if (orgId === organizationId && admin) return route();
      organizationId = orgId;
      admin = false;
      link.hidden = true;
      try {
        const org = await api.get(`/organizations/${orgId}`);
        if (orgId !== organizationId) return;
        admin = org.role === 'owner' || org.role === 'admin';
      } catch {
        admin = false; // no role to read: no link (the API would refuse the log too)
      }
      link.hidden = !admin;
      action.value = '';
      since.value = '';
      actions.replaceChildren();
      route();
    },
    reset() {
      organizationId = undefined;
      admin = false;
      link.hidden = true;
      table.replace([]);
      route();
    },
  };
}
