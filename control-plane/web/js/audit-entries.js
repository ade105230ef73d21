import { h, timeEl } from './dom.js';

/**
 * Rows of audit events (`GET /audit-events`, `GET /projects/:id/timeline`) as a table: time,
 * actor (as served: "deleted user" for a pseudonymized one), action, target, a short summary of
 * the event's data and the raw data one click away. Text only: event data never becomes markup.
 */
export function auditTable({ caption, testid }) {
  const body = h('tbody');
  const table = h('table', { className: 'audit-table', dataset: { testid } },
    h('caption', { className: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, ['Time', 'Actor', 'Action', 'Target', 'Data'].map((c) => h('th', { scope: 'col' }, c)))),
    body);
  return {
    // Scrolls sideways on its own in a narrow dialog instead of pushing the dialog wider.
    element: h('div', { className: 'audit-scroll' }, table),
    replace: (events) => body.replaceChildren(...events.map(row)),
    append: (events) => body.append(...events.map(row)),
  };
}

function row(e) {
  return h('tr', { dataset: { testid: 'audit-row', action: e.action, id: e.id } },
    h('td', {}, timeEl(e.createdAt)),
    h('td', { dataset: { testid: 'audit-actor' } }, actorText(e.actor)),
    h('td', {}, h('code', { dataset: { testid: 'audit-action' } }, e.action)),
    h('td', { className: 'audit-target' }, targetText(e)),
    h('td', {}, dataCell(e.data)));
}

/** "project …3K5VM": the type and the id's tail; the whole id in the tooltip and the raw data. */
function targetText(e) {
  if (!e.targetType) return '—';
  if (!e.targetId) return e.targetType;
  return h('span', { title: e.targetId }, `${e.targetType} …${e.targetId.slice(-6)}`);
}

/** The name the API resolved; a workstation or system actor says what it is. */
function actorText(actor) {
  const name = actor.name ?? actor.id ?? 'system';
  return actor.type === 'user' ? name : `${name} (${actor.type})`;
}

/** "fields: budget, policy · role: admin" (first few keys), the full JSON in a <details>. */
function dataCell(data) {
  const entries = Object.entries(data ?? {});
  if (!entries.length) return '—';
  const summary = entries.slice(0, 3).map(([k, v]) => `${k}: ${short(v)}`).join(' · ') + (entries.length > 3 ? ' …' : '');
  return h('div', {},
    h('span', { className: 'audit-summary', dataset: { testid: 'audit-summary' } }, summary),
    h('details', { className: 'audit-raw' }, h('summary', {}, 'Raw data'), h('pre', {}, JSON.stringify(data, null, 2))));
}

function short(v) {
  const text = Array.isArray(v) ? v.map(String).join(', ') : typeof v === 'object' && v !== null ? '{…}' : String(v);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}
