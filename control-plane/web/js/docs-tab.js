import { h } from './dom.js';
import { markdownRenderer } from './markdown.js';

/** solution.md first, then tasks/{n}.md by number: the order the agents are told to write them in. */
const order = (path) => (path === 'solution.md' ? -1 : Number(/^tasks\/(\d+)\.md$/.exec(path)?.[1] ?? Number.MAX_SAFE_INTEGER));

/**
 * The Docs tab: the mission's solution.md and tasks rendered as Markdown (markdown.js: marked +
 * DOMPurify). Stored docs load from `GET /missions/:id/docs`; `docs.changed` events (replayed
 * from the start when the panel opens, then live) keep them current. The task the agent changed
 * last is marked as the current one: the data names no current task, but the agents are told to
 * update a task's file as they work on it.
 */
export function createDocsTab({ api, missionId, onCount }) {
  const docs = new Map();
  let current; // the task path changed last
  let renderer;
  let queued;
  const element = h('div', { className: 'docs-tab', dataset: { testid: 'docs-tab' } },
    h('p', { className: 'muted' }, 'Loading the docs…'));

  /** `fresh`: the API's text wins (an event came without its text); otherwise replayed events' does. */
  async function load(fresh = false) {
    try {
      const { items } = await api.missionDocs(missionId);
      // Events replayed before this answer may be newer than nothing, never older: keep theirs.
      for (const doc of items) if (fresh || !docs.has(doc.path)) docs.set(doc.path, doc.content);
      renderer = await markdownRenderer();
      render();
    } catch (error) {
      element.replaceChildren(h('p', { className: 'error' }, `Could not load the docs: ${error.message}`));
    }
  }

  /** At most one render per frame while an agent rewrites its docs. */
  function schedule() {
    if (queued || !renderer) return;
    queued = requestAnimationFrame(() => {
      queued = undefined;
      render();
    });
  }

  function render() {
    onCount?.(docs.size);
    if (!docs.size) return element.replaceChildren(h('p', { className: 'muted', dataset: { testid: 'no-docs' } }, 'No docs yet: the agent writes solution.md and tasks/{n}.md as it works.'));
    const paths = [...docs.keys()].sort((a, b) => order(a) - order(b) || a.localeCompare(b));
    element.replaceChildren(
      h('nav', { className: 'doc-index', 'aria-label': 'Docs in this mission' },
        h('ul', {}, paths.map((path) => h('li', {}, h('a', { href: `#${anchor(path)}`, 'aria-current': path === current ? 'step' : undefined }, path))))),
      ...paths.map((path) => {
        const isCurrent = path === current;
        return h('article', { className: `doc${isCurrent ? ' current' : ''}`, id: anchor(path), 'aria-labelledby': `${anchor(path)}-h`, dataset: { path, testid: 'doc' } },
          h('header', { className: 'doc-head' }, h('h4', { id: `${anchor(path)}-h` }, h('code', {}, path)),
            isCurrent ? h('span', { className: 'badge current-task', dataset: { testid: 'current-task' } }, 'current task') : null),
          h('div', { className: 'markdown' }, renderer.render(docs.get(path))));
      }));
  }

  const anchor = (path) => `doc-${missionId}-${path.replace(/[^a-z0-9]+/gi, '-')}`;

  load();
  return {
    element,
    onEvent(frame) {
      const d = frame.kind === 'docs.changed' ? frame.data?.data : undefined;
      if (!d?.path) return;
      if (typeof d.content !== 'string') return void load(true); // an event without the text: ask the API
      docs.set(d.path, d.content);
      if (d.path.startsWith('tasks/')) current = d.path;
      schedule();
    },
    close: () => cancelAnimationFrame(queued),
  };
}
