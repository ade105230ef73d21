import { h, notify } from './dom.js';

/**
 * The inbox's preferences form (#18): time zone, quiet hours, the weekly digest, and which kinds
 * arrive per organization (GET/PATCH /notification-preferences), with the latest weekly digest
 * as it would be mailed (GET /notification-digests). Loaded each time it opens.
 */
export function createNotificationPrefs({ api }) {
  const form = h('form', { className: 'notification-prefs', 'aria-label': 'Notification preferences', hidden: true, onsubmit: (e) => { e.preventDefault(); save(); } });
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

  async function load() {
    const [prefs, orgs, digests] = await Promise.all([
      api.get('/notification-preferences'), api.get('/organizations'), api.get('/notification-digests?limit=1'),
    ]);
    const orgName = new Map(orgs.items.map((o) => [o.id, o.name]));
    const field = (label, control) => h('label', {}, label, ' ', control);
    const zone = h('input', { name: 'timeZone', value: prefs.timeZone, required: true, maxLength: 64 });
    const quietOn = h('input', { type: 'checkbox', name: 'quiet', checked: Boolean(prefs.quietHours) });
    // Each time field has a name of its own for screen readers (the sentence around them is visual).
    const start = h('input', { type: 'time', name: 'quietStart', 'aria-label': 'Quiet hours start', value: prefs.quietHours?.start ?? '22:00' });
    const end = h('input', { type: 'time', name: 'quietEnd', 'aria-label': 'Quiet hours end', value: prefs.quietHours?.end ?? '07:00' });
    const digest = h('input', { type: 'checkbox', name: 'weeklyDigest', checked: prefs.weeklyDigest });
    const kinds = prefs.kinds.map((k) => ({ k, box: h('input', { type: 'checkbox', checked: k.enabled, dataset: { org: k.organizationId, kind: k.kind } }) }));
    const byOrg = new Map();
    for (const entry of kinds) byOrg.set(entry.k.organizationId, [...(byOrg.get(entry.k.organizationId) ?? []), entry]);
    const latest = digests.items[0];
    form.replaceChildren(h('div', {},
      h('h3', {}, 'Preferences'),
      field('Time zone', zone),
      prefs.timeZone === browserZone ? null : h('button', { type: 'button', className: 'link', onclick: () => { zone.value = browserZone; } }, `Use this browser's (${browserZone})`),
      h('fieldset', {}, h('legend', {}, 'Quiet hours'), h('label', {}, quietOn, ' Hold notifications from '), start, h('span', {}, ' to '), end,
        h('p', { className: 'muted' }, 'Held ones wait under "Snoozed" and count once the quiet hours end.')),
      h('label', {}, digest, ' A weekly digest'),
      ...[...byOrg].map(([orgId, list]) => h('fieldset', {}, h('legend', {}, orgName.has(orgId) ? `Notify me in ${orgName.get(orgId)} about` : `Notify me from an organization you are not in (${orgId}) about`),
        ...list.map(({ k, box }) => h('label', { className: 'kind' }, box, ' ', k.description)))),
      h('button', { type: 'submit' }, 'Save preferences'),
      latest ? h('details', {}, h('summary', {}, `Latest digest: ${latest.subject}`), h('pre', { className: 'digest' }, latest.text)) : null,
    ));
    form.collect = () => ({
      timeZone: zone.value.trim(),
      quietHours: quietOn.checked ? { start: start.value, end: end.value } : null,
      weeklyDigest: digest.checked,
      kinds: kinds.map(({ k, box }) => ({ organizationId: k.organizationId, kind: k.kind, enabled: box.checked })),
    });
  }

  async function save() {
    try {
      await api.patch('/notification-preferences', form.collect());
      notify('Preferences saved.', 'info');
      await load();
    } catch (error) {
      notify(`Could not save the preferences: ${error.message}`);
    }
  }

  return {
    element: form,
    /** Shows or hides the form; true when it is shown. */
    toggle() {
      form.hidden = !form.hidden;
      if (!form.hidden) load().catch((error) => notify(`Could not load the preferences: ${error.message}`));
      return !form.hidden;
    },
  };
}
