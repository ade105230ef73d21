import { $, h, notify, timeEl } from './dom.js';
import { createNotificationPrefs } from './notification-prefs.js';
import { accessRequestActions } from './access-requests.js';

/** While the socket is down (or refused the channel), the unread count is asked for this often. */
const FALLBACK_POLL_MS = 30_000;
/** Events close together (a mark-all-read, a burst of new ones) are answered with one fetch. */
const REFRESH_AFTER_MS = 100;

/**
 * The header's inbox (#16, #18): a button with the unread count (GET /notifications/counts, the
 * same figure as the unread list), and a list of the newest notifications with "Mark read" and
 * "Snooze" per item and "Mark all read" (one request: POST /notifications/read-all, up to the
 * newest one shown). "Snoozed" lists those held by quiet hours or snoozed; "Preferences" opens
 * the preferences form. A notification about a mission opens it (`onOpenMission`).
 *
 * Live: the person's own channel `user:{id}:notifications` says when anything changed (new, read,
 * snoozed, back from a snooze or quiet hours), on whichever control plane; the inbox answers
 * with one fetch of the counts (and of the list when it is open). Only while the socket is down
 * does it poll, slowly.
 */
export function createInbox({ api, realtime, onOpenMission }) {
  const count = h('span', { className: 'inbox-count', dataset: { testid: 'inbox-count' }, hidden: true });
  // The name is the visible text plus " unread" for screen readers ("Inbox 2 unread"): a name
  // that holds what is shown is what speech input users say to press it.
  const unreadWord = h('span', { className: 'visually-hidden', hidden: true }, ' unread');
  const button = h('button', { type: 'button', id: 'inbox-toggle', 'aria-expanded': 'false', 'aria-controls': 'inbox', onclick: () => toggle() }, 'Inbox ', count, unreadWord);
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
  let soonAt = 0;
  /** The channel is subscribed: changes arrive on it, no polling. */
  let live = false;
  /** The signed-in person's channel, once known. */
  let channel;
  /** Bumped on every start and stop: a sign-in still resolving after a sign-out does nothing. */
  let session = 0;
  /** Only the newest counts request may set the badge (an older answer can arrive last). */
  let asked = 0;
  /** Showing the held and snoozed ones instead of the inbox. */
  let waiting = false;
  /** createdAt of the newest notification listed: "Mark all read" stops there, so a later arrival stays unread. */
  let newestShown;

  function showCount(n) {
    unread = n;
    count.hidden = n === 0;
    count.textContent = n > 199 ? '200+' : String(n);
    unreadWord.hidden = n === 0;
    markAll.disabled = n === 0;
  }

  /** One fetch of the counts (and of the list when it is open). */
  async function refresh() {
    if (!api.get) return; // signed out
    const mine = ++asked;
    try {
      const { unread: n } = await api.get('/notifications/counts');
      if (mine === asked) showCount(n);
      if (!box.hidden) await loadList();
    } catch {
      // The next event or poll retries; the count keeps what it showed.
    }
  }

  /** Refreshes, then asks again later unless the channel is live. */
  async function poll() {
    stopPolling();
    await refresh();
    if (!live && api.get) pollLater();
  }

  /** The next poll, unless one is pending: a socket failing again and again must not keep pushing it back. */
  function pollLater() {
    if (timer === undefined) timer = setTimeout(poll, FALLBACK_POLL_MS);
  }

  function stopPolling() {
    clearTimeout(timer);
    timer = undefined;
  }

  /** One refresh in `ms`, or sooner if one is due sooner already (a nudge never delays an event's refresh). */
  function refreshSoon(ms = REFRESH_AFTER_MS) {
    if (soon && soonAt <= Date.now() + ms) return;
    clearTimeout(soon);
    soonAt = Date.now() + ms;
    soon = setTimeout(() => {
      soon = undefined;
      refresh();
    }, ms);
  }

  const handler = {
    onSubscribed() {
      live = true;
      stopPolling();
      refreshSoon(0); // anything that happened while we were not subscribed
    },
    onMessage: () => refreshSoon(),
    onDown() {
      live = false;
      pollLater();
    },
    onError() {
      handler.onDown();
    },
  };

  async function start() {
    const mine = ++session;
    await poll();
    if (!realtime) return;
    try {
      const me = await api.get('/users/me');
      if (mine !== session) return;
      channel = `user:${me.id}:notifications`;
      realtime.subscribe(channel, handler);
    } catch {
      // No channel: the slow poll goes on.
    }
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
      accessRequestActions(n, { api, done: () => (read ? refresh() : markRead(n.id)) }),
      n.snoozedUntil ? h('p', { className: 'muted' }, 'Snoozed until ', untilEl(n.snoozedUntil)) : null,
      !n.snoozedUntil && waiting && n.heldUntil ? h('p', { className: 'muted' }, 'Quiet hours: arrives ', untilEl(n.heldUntil)) : null,
      read ? null : h('button', { type: 'button', className: 'mark-read', 'aria-label': `Mark read: “${n.title}”`, onclick: () => markRead(n.id) }, 'Mark read'),
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
    await refresh();
  }

  async function markRead(id) {
    try {
      await api.post(`/notifications/${id}/read`);
    } catch (error) {
      notify(`Could not mark it read: ${error.message}`);
    }
    await refresh();
  }

  async function readAll() {
    markAll.disabled = true;
    try {
      await api.post('/notifications/read-all', newestShown && !box.hidden ? { before: newestShown } : {});
    } catch (error) {
      notify(`Could not mark them all read: ${error.message}`);
    }
    await refresh();
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
    start,
    stop() {
      session++;
      if (channel) realtime?.unsubscribe(channel);
      channel = undefined;
      live = false;
      stopPolling();
      clearTimeout(soon);
      soon = undefined;
      close();
      showCount(0);
    },
    /**
     * Something happened on the board: notifications often follow (a review, a question). The
     * channel tells of those written through the API; this one cheap fetch also catches any
     * written otherwise (a script, an import straight into the database).
     */
    nudge() {
      refreshSoon(1000);
    },
  };
}
