import { h } from './dom.js';
import { httpHref } from './links.js';
import { markdownRenderer } from './markdown.js';

/** solution.md first, then tasks/{n}.md by number (as the Docs tab orders them). */
const docOrder = (path) => (path === 'solution.md' ? -1 : Number(/^tasks\/(\d+)\.md$/.exec(path)?.[1] ?? Number.MAX_SAFE_INTEGER));

/**
 * A public project's board, read-only (#18): what a signed-in outsider or, where the project
 * allows it, a reader without a key may see — the project, its repositories, its Done missions
 * and their docs. No write controls and no realtime (the socket needs a key): loaded once.
 */
export function createPublicBoard({ signInHref }) {
  const element = h('section', { className: 'public-board', 'aria-labelledby': 'public-board-title', dataset: { testid: 'public-board' } });
  let shown; // the project id on screen: a late answer for another one is dropped

  async function show(api, projectId) {
    shown = projectId;
    element.setAttribute('aria-busy', 'true');
    element.replaceChildren(h('h2', { id: 'public-board-title' }, 'Loading the project…'));
    try {
      const [project, repos, done] = await Promise.all([
        api.get(`/projects/${projectId}`), api.get(`/projects/${projectId}/repositories`), api.missions(projectId, 'done'),
      ]);
      if (shown !== projectId) return;
      render(api, project, repos.items, done);
    } catch (error) {
      if (shown === projectId) refused(api, error);
    } finally {
      if (shown === projectId) element.setAttribute('aria-busy', 'false');
    }
  }

  /** 401: only a signed-in person could see it (or nobody: the answer does not say which). */
  function refused(api, error) {
    const anonymous = !api.key && error.status === 401;
    element.replaceChildren(
      h('h2', { id: 'public-board-title' }, anonymous ? 'Sign in to see this project' : 'This project cannot be shown'),
      h('p', { dataset: { testid: 'public-board-refused' } }, anonymous
        ? ['This project is not open to readers without an API key. ', h('a', { href: signInHref }, 'Sign in to see this'), ' if you are a member, or if it is public.']
        : error.status === 404 || error.status === 403 ? 'It does not exist, or it is not public and you are not a member.' : `Could not load it: ${error.message}`),
      h('p', {}, h('a', { href: '#/gallery' }, 'Back to the gallery')));
  }

  function render(api, project, repos, done) {
    const detail = h('div', { className: 'public-mission', dataset: { testid: 'public-mission' } },
      h('p', { className: 'muted' }, done.length ? 'Choose a mission to read it and its docs.' : ''));
    const cards = h('ol', { className: 'cards', 'aria-labelledby': 'public-done-title' }, done.map((m) =>
      h('li', { className: 'card', dataset: { testid: 'public-card', id: m.id } },
        h('button', { type: 'button', className: 'card-title', 'aria-controls': 'public-mission-detail', onclick: () => openMission(api, m.id, detail) }, m.title))));
    detail.id = 'public-mission-detail';
    element.replaceChildren(...h('div', {},
      h('header', { className: 'public-board-head' },
        h('h2', { id: 'public-board-title' }, project.name),
        h('span', { className: 'badge', dataset: { testid: 'read-only' } }, 'read-only'),
        h('a', { href: '#/gallery' }, 'Back to the gallery'),
        api.key ? null : h('a', { href: signInHref }, 'Sign in')),
      project.description ? h('p', {}, project.description) : null,
      h('p', { className: 'muted' }, 'Repositories: ', repos.length ? repos.flatMap((r, i) => [i ? ', ' : '', httpHref(r.url) ? h('a', { href: httpHref(r.url), rel: 'noopener noreferrer', target: '_blank' }, r.url) : h('code', {}, r.url)]) : 'none'),
      h('div', { className: 'public-columns' },
        h('section', { className: 'column', 'aria-labelledby': 'public-done-title' },
          h('header', { className: 'column-head' }, h('h3', { id: 'public-done-title' }, 'Done ', h('span', { className: 'count' }, `(${done.length})`))),
          done.length ? cards : h('p', { className: 'muted' }, 'Nothing done yet.')),
        detail)).childNodes);
  }

  async function openMission(api, missionId, detail) {
    detail.replaceChildren(h('p', { className: 'muted' }, 'Loading…'));
    try {
      const [mission, docs, md] = await Promise.all([api.mission(missionId), api.missionDocs(missionId), markdownRenderer()]);
      const paths = docs.items.sort((a, b) => docOrder(a.path) - docOrder(b.path) || a.path.localeCompare(b.path));
      // h() flattens and drops the nulls; replaceChildren would print them.
      detail.replaceChildren(...h('div', {},
        h('h3', { id: 'public-mission-title', tabindex: '-1' }, mission.title),
        mission.description ? h('div', { className: 'markdown' }, md.render(mission.description)) : null,
        h('h4', {}, 'Docs'),
        paths.length ? paths.map((d) => h('article', { className: 'doc', dataset: { testid: 'doc', path: d.path } },
          h('header', { className: 'doc-head' }, h('h5', {}, h('code', {}, d.path))),
          h('div', { className: 'markdown' }, md.render(d.content))))
          : h('p', { className: 'muted' }, 'No docs for this mission.')).childNodes);
      detail.querySelector('h3').focus(); // keyboard and screen-reader users land on what they opened
    } catch (error) {
      detail.replaceChildren(h('p', { className: 'error' }, `Could not load the mission: ${error.message}`));
    }
  }

  return { element, show };
}
