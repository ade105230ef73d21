import { $, h, notify, timeEl } from './dom.js';
import { accessRequestActions } from './access-requests.js';

/** How often the unread count is asked for: the API has no realtime channel for a user's notifications. */
const POLL_MS = 20_000;

/**
 * The header's inbox (#16): a button with the unread count (GET /notifications?unread=true,
 * polled, and again soon after the board hears a mission change), and a list of the newest
 * notifications with "Mark read" per item and "Mark all read" (POST /notifications/:id/read each:
 * the API has no bulk call). A notification about a mission opens it (`onOpenMission`).
 */
export function createInbox({ api, onOpenMission }) {
  const count = h('span', { className: 'inbox-count', dataset: { testid: 'inbox-count' }, hidden: true });
  const button = h('button', { type: 'button', id: 'inbox-toggle', 'aria-expanded': 'false', 'aria-controls': 'inbox', onclick: () => toggle() }, 'Inbox', count);
  const list = h('ol', { className: 'inbox-list' });
  const markAll = h('button', { type: 'button', onclick: () => readAll() }, 'Mark all read');
  const box = h('section', { id: 'inbox', className: 'inbox', 'aria-label': 'Notifications', hidden: true },
    h('header', { className: 'inbox-head' }, h('h2', {}, 'Notifications'), markAll), list);
  $('#live-status').before(button);
  $('#notice').after(box);
  let unread = 0;
  let timer;
  let soon;

  function showCount(n) {
    unread = n;
    count.hidden = n === 0;
    count.textContent = n > 199 ? '200+' : String(n);
    button.setAttribute('aria-label', `Inbox, ${n} unread`);
    markAll.disabled = n === 0;
  }

  async function poll() {
    clearTimeout(timer);
    if (!api.get) return; // signed out
    try {
      showCount((await api.get('/notifications?unread=true&limit=200')).items.length);
      if (!box.hidden) await loadList();
    } catch {
      // The next poll retries; the count keeps what it showed.
    }
    timer = setTimeout(poll, POLL_MS);
  }

  async function loadList() {
    const { items } = await api.get('/notifications?limit=50');
    list.replaceChildren(...(items.length ? items.map(item) : [h('li', { className: 'muted' }, 'Nothing here yet.')]));
  }

  function item(n) {
    const read = Boolean(n.readAt);
    const title = n.missionId
      ? h('button', { type: 'button', className: 'link', onclick: () => { if (!read) markRead(n.id); close(); onOpenMission(n.missionId, n.projectId); } }, n.title)
      : h('strong', {}, n.title);
    return h('li', { className: read ? 'read' : 'unread', dataset: { id: n.id, testid: 'notification' } },
      h('div', { className: 'inbox-title' }, title, ' ', timeEl(n.createdAt)),
      n.body ? h('p', { className: 'muted' }, n.body) : null,
      accessRequestActions(n, { api, done: () => (read ? poll() : markRead(n.id)) }),
      read ? null : h('button', { type: 'button', className: 'mark-read', 'aria-label': `Mark “${n.title}” read`, onclick: () => markRead(n.id) }, 'Mark read'));
  }

  async function markRead(id) {
    try {
      await api.post(`/notifications/${id}/read`);
    } catch (error) {
      notify(`Could not mark it read: ${error.message}`);
    }
    await poll();
    if (!box.hidden) await loadList().catch(() => {});
  }

  async function readAll() {
    markAll.disabled = true;
    try {
      const { items } = await api.get('/notifications?unread=true&limit=200');
      for (const n of items) await api.post(`/notifications/${n.id}/read`);
    } catch (error) {
      notify(`Could not mark them all read: ${error.message}`);
    }
    await poll();
  }

  async function toggle() {
    if (!box.hidden) return close();
    box.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    await loadList().catch((error) => notify(`Could not load the notifications: ${error.message}`));
  }

  function close() {
    box.hidden = true;
    button.setAttribute('aria-expanded', 'false');
  }

  return {
    start: poll,
    stop() {
      clearTimeout(timer);
      clearTimeout(soon);
      close();
      showCount(0);
    },
    /** Something happened on the board: notifications often follow (a review, a question). */
    nudge() {
      clearTimeout(soon);
      soon = setTimeout(poll, 1000);
    },
  };
}
