import { $, h, notify, timeEl } from './dom.js';
import { createNotificationPrefs } from './notification-prefs.js';
import { accessRequestActions } from './access-requests.js';

/** How often the unread count is asked for: the API has no realtime channel for a user's notifications. */
const POLL_MS = 20_000;

/**
 * The header's inbox (#16, #18): a button with the unread count (GET /notifications/counts, the
 * same figure as the unread list; polled, and again soon after the board hears a mission change),
 * and a list of the newest notifications with "Mark read" and "Snooze" per item and "Mark all
 * read" (one request: POST /notifications/read-all, up to the newest one shown). "Snoozed" lists
 * those held by quiet hours or snoozed; "Preferences" opens the preferences form. A notification
 * about a mission opens it (`onOpenMission`).
 */
export function createInbox({ api, onOpenMission }) {
  const count = h('span', { className: 'inbox-count', dataset: { testid: 'inbox-count' }, hidden: true });
  const button = h('button', { type: 'button', id: 'inbox-toggle', 'aria-expanded': 'false', 'aria-controls': 'inbox', onclick: () => toggle() }, 'Inbox', count);
  const list = h('ol', { className: 'inbox-list' });
  const markAll = h('button', { type: 'button', onclick: () => readAll() }, 'Mark all read');
  const waitingToggle = h('button', { type: 'button', 'aria-pressed': 'false', onclick: () => showWaiting(!waiting) }, 'Snoozed');
  const prefs = createNotificationPrefs({ api });
  const prefsButton = h('button', { type: 'button', 'aria-expanded': 'false', onclick: () => prefsButton.setAttribute('aria-expanded', String(prefs.toggle())) }, 'Preferences');
  const box = h('section', { id: 'inbox', className: 'inbox', 'aria-label': 'Notifications', hidden: true },
    h('header', { className: 'inbox-head' }, h('h2', {}, 'Notifications'), h('div', { className: 'inbox-actions' }, waitingToggle, prefsButton, markAll)),
    prefs.element, list);
  $('#live-status').before(button);
  $('#notice').after(box);
  let unread = 0;
  let timer;
  let soon;
  /** Showing the held and snoozed ones instead of the inbox. */
  let waiting = false;
  /** createdAt of the newest notification listed: "Mark all read" stops there, so a later arrival stays unread. */
  let newestShown;

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
      showCount((await api.get('/notifications/counts')).unread);
      if (!box.hidden) await loadList();
    } catch {
      // The next poll retries; the count keeps what it showed.
    }
    timer = setTimeout(poll, POLL_MS);
  }

  async function loadList() {
    const { items } = await api.get(`/notifications?limit=50${waiting ? '&view=waiting' : ''}`);
    if (!waiting) newestShown = items[0]?.createdAt;
    const none = waiting ? 'Nothing snoozed or held by quiet hours.' : 'Nothing here yet.';
    list.replaceChildren(...(items.length ? items.map(item) : [h('li', { className: 'muted' }, none)]));
  }

  async function showWaiting(on) {
    waiting = on;
    waitingToggle.setAttribute('aria-pressed', String(on));
    markAll.hidden = on;
    await loadList().catch((error) => notify(`Could not load the notifications: ${error.message}`));
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
      n.snoozedUntil ? h('p', { className: 'muted' }, 'Snoozed until ', untilEl(n.snoozedUntil)) : null,
      !n.snoozedUntil && waiting && n.heldUntil ? h('p', { className: 'muted' }, 'Quiet hours: arrives ', untilEl(n.heldUntil)) : null,
      read ? null : h('button', { type: 'button', className: 'mark-read', 'aria-label': `Mark “${n.title}” read`, onclick: () => markRead(n.id) }, 'Mark read'),
      n.snoozedUntil
        ? h('button', { type: 'button', 'aria-label': `Bring “${n.title}” back now`, onclick: () => snooze(n.id, null) }, 'Back now')
        : snoozeMenu(n));
  }

  /** "Snooze" with a few useful ends: an hour, tomorrow 09:00 and next Monday 09:00, in the browser's time. */
  function snoozeMenu(n) {
    const at9 = (daysAhead) => { const d = new Date(); d.setDate(d.getDate() + daysAhead); d.setHours(9, 0, 0, 0); return d; };
    const choices = { hour: () => new Date(Date.now() + 3_600_000), tomorrow: () => at9(1), week: () => at9(((8 - new Date().getDay()) % 7) || 7) };
    return h('select', {
      'aria-label': `Snooze “${n.title}”`,
      onchange: (e) => { const pick = choices[e.target.value]; if (pick) snooze(n.id, pick()); },
    }, h('option', { value: '' }, 'Snooze…'), h('option', { value: 'hour' }, 'for an hour'), h('option', { value: 'tomorrow' }, 'until tomorrow 09:00'),
    h('option', { value: 'week' }, 'until Monday 09:00'));
  }

  const untilEl = (iso) => h('time', { datetime: iso, title: iso }, new Date(iso).toLocaleString([], { weekday: 'short', hour: '2-digit', minute: '2-digit' }));

  async function snooze(id, until) {
    try {
      if (until) await api.post(`/notifications/${id}/snooze`, { until: until.toISOString() });
      else await api.delete(`/notifications/${id}/snooze`);
    } catch (error) {
      notify(`Could not snooze it: ${error.message}`);
    }
    await poll();
    if (!box.hidden) await loadList().catch(() => {});
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
      await api.post('/notifications/read-all', newestShown && !box.hidden ? { before: newestShown } : {});
    } catch (error) {
      notify(`Could not mark them all read: ${error.message}`);
    }
    await poll();
    if (!box.hidden) await loadList().catch(() => {});
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
