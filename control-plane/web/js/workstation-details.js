import { h, timeAgo } from './dom.js';
import { formatBytes, untilText } from './format.js';

/**
 * More of a workstation (#16): each agent with its version and whether it is held by a usage
 * limit (the API's `limitedUntil`) or unsupported, and the worktree pool it last reported
 * (GET /workstations/:id/worktrees, with each worktree's size as the daemon last measured it),
 * fetched when its section is opened.
 */
export function agentList(w, now = Date.now()) {
  if (!w.agents?.length) return h('p', { className: 'muted' }, 'No agents reported.');
  return h('ul', { className: 'ws-agents', 'aria-label': `Agents on ${w.name}` }, w.agents.map((a) => {
    const limited = a.limitedUntil && Date.parse(a.limitedUntil) > now;
    const state = a.status === 'unsupported' ? `unsupported${a.detail ? `: ${a.detail}` : ''}` : limited ? `limited until ${untilText(a.limitedUntil)}` : 'available';
    return h('li', { dataset: { agent: a.type, testid: 'ws-agent' } },
      h('code', {}, a.type), a.version ? ` ${a.version}` : ' (version unknown)', ' — ',
      h('span', { className: `agent-state ${limited ? 'limited' : a.status === 'unsupported' ? 'unsupported' : 'ok'}` }, state));
  }));
}

export function worktreePool({ api, w, missionLabel }) {
  const body = h('div', {}, h('p', { className: 'muted' }, 'Loading…'));
  const details = h('details', { className: 'ws-worktrees', dataset: { testid: 'ws-worktrees' } }, h('summary', {}, 'Worktree pool'), body);
  let loaded = false;
  details.addEventListener('toggle', async () => {
    if (!details.open || loaded) return;
    loaded = true;
    try {
      const { repositories, worktrees, diskBytes } = await api.get(`/workstations/${w.id}/worktrees`);
      body.replaceChildren(
        h('p', { className: 'muted' }, `${repositories.length} clone${repositories.length === 1 ? '' : 's'}, ${worktrees.length} worktree${worktrees.length === 1 ? '' : 's'} (${worktrees.filter((t) => t.status === 'free').length} free)`,
          diskBytes !== null && diskBytes !== undefined ? `, ${formatBytes(diskBytes)} on disk` : ''),
        worktrees.length
          ? h('ul', { className: 'ws-trees' }, worktrees.map((t) => h('li', { dataset: { status: t.status, testid: 'ws-worktree' } },
            h('code', {}, t.path), ` · ${t.status}`, t.sizeBytes !== null && t.sizeBytes !== undefined ? ` · ${formatBytes(t.sizeBytes)}` : '', t.branch ? ` · ${t.branch}` : '',
            t.missionId ? ` · ${missionLabel(t.missionId)}` : '', t.lastUsedAt ? ` · used ${timeAgo(t.lastUsedAt)}` : '')))
          : h('p', { className: 'muted' }, 'No worktrees reported yet.'));
    } catch (error) {
      loaded = false;
      body.replaceChildren(h('p', { className: 'error' }, `Could not load the worktrees: ${error.message}`));
    }
  });
  return details;
}
