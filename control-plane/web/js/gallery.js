import { h, timeAgo } from './dom.js';

const PAGE = 30;
const SORTS = [['stars', 'Most stars'], ['activity', 'Recent activity']];

/**
 * The gallery of public projects (`GET /gallery/projects`): search by name, most starred or most
 * recently active first, each with its star count and a link to its read-only board. Signed in,
 * a star toggle on each; signed out, only the projects that allow reading without a key (the
 * API decides) and no stars to give.
 */
export function createGallery({ signInHref }) {
  let api;
  let items = [];
  let nextOffset = null;
  let loading = 0; // the newest load: an older answer arriving late is dropped
  const search = h('input', { type: 'search', id: 'gallery-search', placeholder: 'Project name', maxlength: 200, autocomplete: 'off' });
  const sort = h('select', { id: 'gallery-sort' }, SORTS.map(([value, label]) => new Option(label, value)));
  const list = h('ul', { className: 'gallery-list', dataset: { testid: 'gallery-list' } });
  // What a search found, said once by screen readers (a live list would read every entry again).
  const status = h('p', { className: 'hint', role: 'status', dataset: { testid: 'gallery-status' } });
  const more = h('button', { type: 'button', hidden: true, onclick: () => load(true) }, 'Show more');
  const note = h('p', { className: 'hint' });
  const element = h('section', { className: 'gallery', 'aria-labelledby': 'gallery-title' },
    h('h2', { id: 'gallery-title' }, 'Public projects'),
    note,
    h('div', { className: 'gallery-filters', role: 'search' },
      h('label', { for: 'gallery-search' }, 'Search by name'), search,
      h('label', { for: 'gallery-sort' }, 'Sort'), sort),
    status, list, more);

  let typing;
  search.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => load(false), 250); // one request per pause in typing, not per key
  });
  sort.addEventListener('change', () => load(false));

  async function load(append) {
    const mine = ++loading;
    const params = new URLSearchParams({ sort: sort.value, limit: String(PAGE), offset: String(append ? nextOffset ?? 0 : 0) });
    if (search.value.trim()) params.set('q', search.value.trim());
    list.setAttribute('aria-busy', 'true');
    try {
      const page = await api.get(`/gallery/projects?${params}`);
      if (mine !== loading) return;
      items = append ? [...items, ...page.items] : page.items;
      nextOffset = page.nextOffset;
      render();
    } catch (error) {
      if (mine === loading) list.replaceChildren(h('li', { className: 'error' }, `Could not load the gallery: ${error.message}`));
    } finally {
      if (mine === loading) list.setAttribute('aria-busy', 'false');
    }
  }

  function render() {
    more.hidden = nextOffset === null;
    status.textContent = `${items.length}${nextOffset === null ? '' : '+'} project${items.length === 1 ? '' : 's'}`;
    if (!items.length) {
      list.replaceChildren(h('li', { className: 'muted', dataset: { testid: 'gallery-empty' } }, search.value.trim() ? 'No public project has that in its name.' : 'No public projects yet.'));
      return;
    }
    list.replaceChildren(...items.map(entry));
  }

  const starsText = (n) => `${n} star${n === 1 ? '' : 's'}`;

  function entry(p) {
    const signedIn = Boolean(api.key);
    return h('li', { className: 'gallery-item', dataset: { testid: 'gallery-item', id: p.id } },
      h('div', { className: 'gallery-item-head' },
        h('h3', {}, h('a', { href: `#/projects/${p.id}`, title: 'Open the board (read-only)' }, p.name)),
        h('span', { className: 'stars', dataset: { testid: 'stars' } }, `★ ${starsText(p.stars)}`),
        // A star belongs to someone: only a signed-in person has one to give.
        // A toggle: one name ("Star <project>"), its state in aria-pressed (and the filled star).
        signedIn ? h('button', {
          type: 'button', className: 'star-toggle', 'aria-pressed': String(p.starred), dataset: { testid: 'star-toggle' },
          title: p.starred ? 'You starred it: press to take your star back' : 'Star it', onclick: (e) => toggle(p, e.currentTarget),
        }, h('span', { 'aria-hidden': 'true' }, p.starred ? '★ ' : '☆ '), 'Star', h('span', { className: 'visually-hidden' }, ` ${p.name}`)) : null),
      p.description ? h('p', { className: 'gallery-description' }, p.description) : null,
      h('p', { className: 'muted' }, 'active ', h('time', { datetime: p.lastActivityAt, title: p.lastActivityAt }, timeAgo(p.lastActivityAt)),
        ' · ', h('a', { href: `#/projects/${p.id}` }, 'Open board (read-only)')));
  }

  async function toggle(p, button) {
    button.disabled = true;
    try {
      const stars = p.starred ? await api.delete(`/projects/${p.id}/star`) : await api.post(`/projects/${p.id}/star`);
      Object.assign(p, { stars: stars.count, starred: stars.starred });
      const again = entry(p);
      list.querySelector(`[data-id="${p.id}"]`)?.replaceWith(again);
      again.querySelector('.star-toggle')?.focus(); // keyboard focus stays on the toggle
    } catch (error) {
      button.disabled = false;
      button.after(h('span', { className: 'error', role: 'alert' }, ` Could not change the star: ${error.message}`));
    }
  }

  return {
    element,
    /** Shows the gallery for this caller (`api.key` empty: anonymous). */
    show(callerApi) {
      api = callerApi;
      note.replaceChildren(...(api.key
        ? ['Every public project on this control plane. Star the ones you follow.']
        : ['Projects that allow reading without an API key. ', h('a', { href: signInHref }, 'Sign in'), ' to see every public project and to star them.']));
      load(false);
    },
  };
}
