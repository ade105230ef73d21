import { h } from './dom.js';
import { createConversationTab } from './conversation-tab.js';
import { createDocsTab } from './docs-tab.js';
import { createFilesTab } from './files-tab.js';

/**
 * The mission panel's tabs: Details (what the panel always showed: fields, review, edit, timeline),
 * Files (the branch's diff), Docs (solution.md and tasks rendered) and Conversation (the agent's
 * session). The WAI-ARIA tabs pattern: arrow keys, Home and End move between tabs; only the
 * selected tab is in the Tab order. Every tab hears the mission's events through `onEvent`, so
 * each stays live while another is shown.
 */
export function missionTabs({ api, missionId, details }) {
  const tabs = [
    { key: 'details', label: 'Details', body: { element: h('div', { className: 'tab-details' }, details), onEvent() {} } },
    { key: 'files', label: 'Files', body: createFilesTab({ api, missionId, onCount: (n) => badge('files', n) }) },
    { key: 'docs', label: 'Docs', body: createDocsTab({ api, missionId, onCount: (n) => badge('docs', n) }) },
    { key: 'conversation', label: 'Conversation', body: createConversationTab() },
  ];
  const id = (key, part) => `mission-${part}-${key}`;
  const buttons = new Map();
  const panels = new Map();
  for (const tab of tabs) {
    buttons.set(tab.key, h('button', {
      type: 'button', role: 'tab', id: id(tab.key, 'tab'), 'aria-controls': id(tab.key, 'tabpanel'),
      dataset: { tab: tab.key }, onclick: () => select(tab.key), onkeydown: (e) => keys(e, tab.key),
    }, tab.label, h('span', { className: 'tab-count', hidden: true })));
    panels.set(tab.key, h('div', { role: 'tabpanel', id: id(tab.key, 'tabpanel'), 'aria-labelledby': id(tab.key, 'tab'), className: `tabpanel tabpanel-${tab.key}`, tabindex: '0' }, tab.body.element));
  }

  function select(key, focus = false) {
    for (const tab of tabs) {
      const on = tab.key === key;
      const button = buttons.get(tab.key);
      button.setAttribute('aria-selected', String(on));
      button.tabIndex = on ? 0 : -1;
      panels.get(tab.key).hidden = !on;
      if (on) {
        tab.body.shown?.();
        if (focus) button.focus();
      }
    }
  }

  function keys(e, key) {
    const i = tabs.findIndex((t) => t.key === key);
    const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    select(tabs[(to + tabs.length) % tabs.length].key, true);
  }

  /** "Files 3": how much there is to look at, without opening the tab. */
  function badge(key, n) {
    const count = buttons.get(key)?.querySelector('.tab-count');
    if (!count) return;
    count.hidden = !n;
    count.textContent = n ? String(n) : '';
  }

  select('details');
  return {
    element: h('div', { className: 'mission-tabs' },
      h('div', { role: 'tablist', 'aria-label': 'Mission views', className: 'tablist' }, [...buttons.values()]),
      [...panels.values()]),
    onEvent(frame) {
      for (const tab of tabs) tab.body.onEvent(frame);
    },
    close() {
      for (const tab of tabs) tab.body.close?.();
    },
  };
}
