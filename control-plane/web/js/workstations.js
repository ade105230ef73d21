import { $, h, notify, timeAgo } from './dom.js';
import { formatBytes } from './format.js';
import { workstationControls } from './workstation-controls.js';
import { agentList, worktreePool } from './workstation-details.js';

/**
 * Workstations of the project's organization with presence (online, last seen), the disk their
 * worktree pool takes and the missions they run. Reloaded when `organization:{id}:workstations` reports a session opening or closing.
 */
export function createWorkstations({ api, store }) {
  const section = $('#workstations');
  const list = $('#workstation-list');
  const toggle = $('#workstations-toggle');
  let organizationId;
  let items = [];
  let manages = false; // the caller administers the organization: pause, resume, visibility (#18)

  toggle.addEventListener('click', () => {
    section.hidden = !section.hidden;
    toggle.setAttribute('aria-expanded', String(!section.hidden));
    if (!section.hidden) load();
  });

  async function load() {
    if (!organizationId) return;
    const forOrg = organizationId;
    try {
      const [got, org] = await Promise.all([api.workstations(forOrg), api.get(`/organizations/${forOrg}`)]);
      if (forOrg !== organizationId) return;
      items = got;
      manages = org.role === 'owner' || org.role === 'admin';
      render();
    } catch (error) {
      notify(`Could not load workstations: ${error.message}`);
    }
  }

  function missionLabel(missionId) {
    const m = store.get(missionId);
    return m ? m.title : `mission ${missionId}`;
  }

  /** The API's answer to a pause, resume or visibility change replaces the row; focus stays in its controls. */
  function changed(view) {
    items = items.map((w) => (w.id === view.id ? view : w));
    render();
    const row = list.querySelector(`[data-testid="workstation"][data-id="${view.id}"]`);
    row?.querySelector('.ws-controls button:not([hidden]), .ws-controls select')?.focus();
  }

  function render() {
    if (!items.length) {
      list.replaceChildren(h('li', { className: 'muted' }, 'No workstations registered in this organization.'));
      return;
    }
    list.replaceChildren(...items.map((w) => {
      const state = w.revokedAt ? 'revoked' : w.online ? 'online' : 'offline';
      // Its owner shows other members its presence only (visibility "status"): no details to draw.
      if (!Array.isArray(w.currentMissions)) return statusOnly(w, state);
      return h('li', { className: 'workstation', dataset: { testid: 'workstation', id: w.id } },
        h('div', { className: 'workstation-head' },
          h('strong', {}, w.name),
          h('span', { className: `presence ${state}` }, state),
          // Paused by a person (solo-unicorn workstation pause): takes no new missions; running ones finish.
          w.paused ? h('span', { className: 'presence paused', dataset: { testid: 'paused' }, title: 'takes no new missions; running ones finish' }, `paused: ${w.pausedReason ?? 'no reason given'}`) : null),
        manages && !w.revokedAt ? workstationControls({ api, w, onChanged: changed }) : null,
        h('p', { className: 'muted' },
          `last seen ${timeAgo(w.lastSeenAt)}`,
          w.daemonVersion ? ` · daemon ${w.daemonVersion}` : '',
          // Measured by the daemon after each release; null until it has measured (or an older daemon).
          h('span', { dataset: { testid: 'ws-disk' }, title: 'what its worktree pool takes on disk, as the daemon last measured' },
            ` · worktrees on disk: ${w.diskBytes === null || w.diskBytes === undefined ? 'not reported yet' : formatBytes(w.diskBytes)}`)),
        agentList(w),
        w.currentMissions.length
          ? h('ul', { className: 'running' }, w.currentMissions.map((c) => h('li', { dataset: { missionId: c.missionId } }, `${missionLabel(c.missionId)} — ${c.status}`)))
          : h('p', { className: 'muted' }, 'No running missions.'),
        worktreePool({ api, w, missionLabel }));
    }));
  }

  function statusOnly(w, state) {
    return h('li', { className: 'workstation', dataset: { testid: 'workstation', id: w.id } },
      h('div', { className: 'workstation-head' },
        h('strong', {}, w.name),
        h('span', { className: `presence ${state}` }, state),
        w.paused ? h('span', { className: 'presence paused', dataset: { testid: 'paused' } }, 'paused') : null),
      h('p', { className: 'muted', dataset: { testid: 'ws-status-only' } }, 'Its owner shares its presence only.'));
  }

  return {
    show(orgId) {
      organizationId = orgId;
      items = [];
      manages = false;
      list.replaceChildren();
      if (!section.hidden) load();
    },
    reload() {
      if (!section.hidden) load();
    },
    /** A project the caller collaborates on from outside its organization: its workstations are not theirs to see. */
    outside() {
      organizationId = undefined;
      items = [];
      manages = false;
      list.replaceChildren(h('li', { className: 'muted', dataset: { testid: 'workstations-outside' } }, "The workstations are the organization's: you collaborate on this project from outside it."));
    },
  };
}
