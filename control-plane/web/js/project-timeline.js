import { h } from './dom.js';
import { auditTable } from './audit-entries.js';

const PAGE = 20;

/**
 * "Project timeline" in the settings dialog (#18): the project's own audit entries
 * (`GET /projects/:id/timeline`, project admins), loaded when opened; a workstation hidden from
 * the caller is named as the API serves it ("a hidden workstation"). Anyone else gets the API's
 * refusal as the message.
 */
export function projectTimeline({ api, projectId }) {
  const table = auditTable({ caption: 'Project timeline, newest first', testid: 'project-timeline' });
  const error = h('p', { className: 'error', role: 'alert', hidden: true, dataset: { testid: 'timeline-error' } });
  const status = h('p', { className: 'hint', role: 'status' });
  const more = h('button', { type: 'button', hidden: true, onclick: () => load() }, 'Load more');
  let cursor = null;
  let loaded = false;

  async function load() {
    more.disabled = true;
    error.hidden = true;
    try {
      const page = await api.get(`/projects/${projectId}/timeline?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      (cursor ? table.append : table.replace)(page.items);
      cursor = page.nextCursor;
      more.hidden = !cursor;
      status.textContent = page.items.length || cursor ? '' : 'Nothing on the timeline yet.';
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
    } finally {
      more.disabled = false;
    }
  }

  const details = h('details', { className: 'project-timeline' },
    h('summary', {}, 'Project timeline'),
    h('p', { className: 'hint' }, 'Changes to this project, its missions, workstations and settings, newest first (project admins).'),
    error, status, table.element, more);
  details.addEventListener('toggle', () => {
    if (details.open && !loaded) { loaded = true; load(); }
  });
  return details;
}
