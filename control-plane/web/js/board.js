import { dispatchNote, dispatchSummary } from './dispatch.js';
import { $, $$, h, notify } from './dom.js';
import { questionBadges } from './question.js';
import { COLUMN_CARDS, LISTS, LIST_NAMES, orderBetween } from './store.js';

/** A drag with no sign of life (no drag or dragover event) this long is over: its dragend was lost. */
const DRAG_SILENCE_MS = 3000;

/**
 * The four columns. Every card can be moved three ways that end in the same call: drag and drop,
 * its arrow buttons, and Alt+Arrow keys while a card's control has focus.
 */
export function createBoard({ store, api, usage, progress, onOpen, onView }) {
  const root = $('#board');
  const expanded = new Set(); // columns showing every card
  for (const ol of $$('ol.cards', root)) {
    const list = ol.dataset.list;
    ol.after(h('button', { type: 'button', className: 'show-all', hidden: true, dataset: { list, testid: 'show-all' }, onclick: () => {
      expanded.add(list);
      render();
    } }));
  }
  let dragId;
  let renderAfterDrag = false;
  let dragSeen = 0; // when the drag last showed it is alive
  let dragWatch;

  /**
   * Moves a card and reconciles with the server's answer (or rolls back and says why). Two moves
   * mean something else than a list change, as the API's rules say: into Doing is "let an agent
   * take it" (only the dispatcher puts a mission in Doing), and Review → Done is an approval (the
   * merge follows; skipping it would leave the work off the target branch).
   */
  async function move(id, list, listOrder) {
    const before = store.get(id);
    if (!before) return;
    if (list !== before.list && list === 'doing') return sendToAgent(before);
    if (list === 'done' && before.list === 'review') return approve(before);
    store.upsert({ ...before, list, listOrder: listOrder ?? endOf(list, id) });
    try {
      store.upsert(await api.move(id, list, listOrder));
    } catch (error) {
      store.upsert(before);
      notify(`Could not move “${before.title}”: ${error.message}`);
    }
  }
  /** Marks a mission ready (if it is not) and says what the dispatcher will do with it. */
  async function sendToAgent(m) {
    if (m.list !== 'todo') return notify(`“${m.title}” goes to Doing when an agent takes it: move it to Todo and mark it ready.`);
    try {
      const after = m.ready ? await api.mission(m.id) : await api.updateMission(m.id, { ready: true });
      store.upsert(after);
      const d = after.dispatch;
      if (d?.state === 'running') notify(`“${m.title}” is running.`, 'info');
      else if (d?.state === 'queued') notify(`“${m.title}” is ready: it moves to Doing when an agent takes it${d.reasons.length ? ` (${dispatchSummary(after)})` : ''}.`, 'info');
      else notify(`“${m.title}” is ready but cannot run yet — ${dispatchSummary(after)}`);
    } catch (error) {
      notify(`Could not make “${m.title}” ready: ${error.message}`);
    }
  }

  async function approve(m) {
    if (m.reviewStatus === 'approved') return notify(`“${m.title}” is approved already: it moves to Done once its branch is merged. ${dispatchSummary(m)}`, 'info');
    try {
      const after = await api.review(m.id, 'approve');
      store.upsert(after);
      if (after.list === 'review') notify(`Approved “${m.title}”: it moves to Done once its branch is merged${after.dispatch?.reasons.length ? ` (${dispatchSummary(after)})` : ''}.`, 'info');
    } catch (error) {
      notify(`Could not approve “${m.title}”: ${error.message}`);
    }
  }

  const endOf = (list, id) => {
    const others = store.column(list).filter((m) => m.id !== id);
    return others.length ? others[others.length - 1].listOrder + 1 : 0;
  };

  function shift(id, delta) {
    const m = store.get(id);
    const col = store.column(m.list);
    const i = col.findIndex((x) => x.id === id);
    const j = i + delta;
    if (j < 0 || j >= col.length) return;
    const others = col.filter((x) => x.id !== id);
    return move(id, m.list, orderBetween(others[j - 1], others[j]));
  }

  function step(id, delta) {
    const m = store.get(id);
    const to = neighbour(m, delta);
    if (to) return move(id, to);
  }

  /** The list a card's ← / → button goes to; Review goes back to Todo (Doing needs an agent). */
  function neighbour(m, delta) {
    if (m.list === 'review' && delta < 0) return 'todo';
    return LISTS[LISTS.indexOf(m.list) + delta];
  }

  function card(m, index, count) {
    const left = neighbour(m, -1);
    const right = neighbour(m, 1);
    const badges = [
      h('span', { className: `badge prio-${m.priority}`, title: 'priority (1 highest)' }, `P${m.priority}`),
      m.ready ? h('span', { className: 'badge ready' }, 'ready') : null,
      m.dependencyCount > 0 ? h('span', { className: 'badge blocked' }, `blocked by ${m.dependencyCount}`) : null,
      m.origin === 'fallback' ? h('span', { className: 'badge fallback' }, 'fallback') : null,
      m.agentSessionStatus && m.agentSessionStatus !== 'inactive' ? h('span', { className: 'badge agent' }, `agent ${m.agentSessionStatus}`) : null,
      m.reviewStatus ? h('span', { className: `badge review-${m.reviewStatus}` }, `review ${m.reviewStatus}`) : null,
      ...questionBadges(m),
      ...usage.badges(m),
    ];
    const btn = (action, text, label, disabled) =>
      h('button', { type: 'button', className: 'move', dataset: { action, id: m.id }, 'aria-label': label, title: label, disabled }, text);
    return h('li', {
      className: 'card', draggable: 'true', dataset: { id: m.id, testid: 'mission-card' },
      ondragstart: (e) => {
        dragId = m.id;
        dragSeen = Date.now();
        watchDrag();
        e.dataTransfer.setData('text/plain', m.id);
        e.dataTransfer.effectAllowed = 'move';
        e.currentTarget.classList.add('dragging');
      },
      ondrag: () => { dragSeen = Date.now(); },
      ondragend: (e) => {
        e.currentTarget.classList.remove('dragging');
        endDrag();
      },
    },
    h('button', { type: 'button', className: 'card-title', dataset: { action: 'open', id: m.id }, 'aria-haspopup': 'dialog' }, m.title),
    h('div', { className: 'badges' }, badges),
    dispatchNote(m),
    progress?.line(m),
    h('div', { className: 'moves', role: 'group', 'aria-label': `Move “${m.title}”` },
      btn('up', '↑', `Move “${m.title}” up`, index === 0),
      btn('down', '↓', `Move “${m.title}” down`, index === count - 1),
      left ? btn('left', `← ${LIST_NAMES[left]}`, `Move “${m.title}” to ${LIST_NAMES[left]}`) : null,
      right ? btn('right', `${LIST_NAMES[right]} →`, rightLabel(m, right)) : null,
      // A person can always send the agent guidance, from any list but Done (merged work stays merged).
      m.list !== 'done' ? btn('reject', 'Reject…', `Reject “${m.title}” with guidance for the agent${m.list === 'doing' ? ' (cancels the running agent)' : ''}`) : null,
    ));
  }

  const rightLabel = (m, to) => {
    // The name holds the visible text ("Doing →"): what speech input users say to press it.
    if (to === 'doing') return `Send “${m.title}” to Doing: an agent takes it (marks it ready)`;
    if (m.list === 'review') return `Approve “${m.title}”: merge, then Done`; // outside brackets: a name must hold the visible text ("Done →"), and checkers skip what is in brackets
    return `Move “${m.title}” to ${LIST_NAMES[to]}`;
  };

  function render() {
    // Replacing the card being dragged would cancel the drag: a refresh waits for its end.
    renderAfterDrag = Boolean(dragId);
    if (dragId) return;
    // Re-rendering replaces the buttons: keep keyboard focus on the same control of the same card.
    const active = document.activeElement;
    const keep = active?.dataset?.id ? { id: active.dataset.id, action: active.dataset.action } : null;
    const shownIds = [];
    for (const list of LISTS) {
      const col = store.column(list);
      // A long column shows its first cards; the rest wait for "Show all" (a 300-card Done column
      // below the fold was most of a big board's first paint).
      const shown = expanded.has(list) ? col : col.slice(0, COLUMN_CARDS);
      for (const m of shown) shownIds.push(m.id);
      patchCards($(`ol.cards[data-list="${list}"]`, root), shown.map((m, i) => card(m, i, col.length)));
      // While the rest of a long column loads (after the first paint), its count is "at least".
      const total = store.loadingRest(list) ? `${col.length}+` : String(col.length);
      $(`[data-count="${list}"]`, root).textContent = `(${total})`;
      const more = $(`button.show-all[data-list="${list}"]`, root);
      more.hidden = shown.length === col.length && !store.loadingRest(list);
      more.textContent = `Show all ${total} (${store.loadingRest(list) ? 'more' : `${col.length - shown.length} more`})`;
    }
    // The cards' agent badges are asked for once this frame is painted: the board shows first.
    requestAnimationFrame(() => setTimeout(() => usage.want(shownIds), 0));
    progress?.sync(store.missions.values());
    if (keep) {
      const again = $(`[data-id="${keep.id}"][data-action="${keep.action}"]`, root);
      // A refresh must not scroll the page (the user may be reading or dragging elsewhere).
      if (again && !again.disabled) again.focus({ preventScroll: true });
      else $(`[data-id="${keep.id}"][data-action="open"]`, root)?.focus({ preventScroll: true });
    }
  }

  /**
   * Puts `fresh` in `ol`, keeping each card that did not change as the very node it was: a refresh
   * that replaced the card under a pressed mouse button would stop the drag about to start (and
   * drop the focus and the hover), so only the cards that changed are swapped.
   */
  function patchCards(ol, fresh) {
    const current = new Map($$('li.card', ol).map((li) => [li.dataset.id, li]));
    const next = fresh.map((li) => {
      const old = current.get(li.dataset.id);
      return old && old.isEqualNode(li) ? old : li;
    });
    next.forEach((li, i) => {
      const at = ol.children[i];
      if (at !== li) ol.insertBefore(li, at ?? null);
    });
    while (ol.children.length > next.length) ol.lastElementChild.remove();
  }

  root.addEventListener('click', (e) => {
    const b = e.target.closest('button[data-action]');
    if (!b || !root.contains(b)) return;
    const { action, id } = b.dataset;
    if (action === 'open') onOpen(id);
    else if (action === 'reject') onOpen(id, { focus: 'guidance' });
    else if (action === 'up') shift(id, -1);
    else if (action === 'down') shift(id, 1);
    else if (action === 'left') step(id, -1);
    else if (action === 'right') step(id, 1);
    // A Todo card's fix buttons (dispatch.js): one per reason it does not run.
    else if (action === 'ready') sendToAgent(store.get(id));
    else if (action === 'repository' || action === 'dependencies' || action === 'answer') onOpen(id, { focus: action });
    else if (action === 'settings' || action === 'workstations') onView(action);
  });
  root.addEventListener('keydown', (e) => {
    const id = e.target.closest?.('.card')?.dataset.id;
    if (!id || !e.altKey) return;
    const keys = { ArrowUp: () => shift(id, -1), ArrowDown: () => shift(id, 1), ArrowLeft: () => step(id, -1), ArrowRight: () => step(id, 1) };
    if (keys[e.key]) {
      e.preventDefault();
      keys[e.key]();
    }
  });

  /** The drag is over (dropped, cancelled, or found dead): the refresh it held back runs now. */
  function endDrag() {
    dragId = undefined;
    clearTimeout(dragWatch);
    if (renderAfterDrag) render();
  }
  // A drag whose dragend never came (its source left the page, a browser that skips it) must not
  // hold refreshes back for good. A live drag fires `drag` at its source every few hundred ms (and
  // dragover where it hovers), even with the pointer still: none for DRAG_SILENCE_MS means it is
  // gone. The mouse moving with no button pressed says so at once.
  function watchDrag() {
    clearTimeout(dragWatch);
    dragWatch = setTimeout(() => {
      if (!dragId) return;
      if (Date.now() - dragSeen >= DRAG_SILENCE_MS) endDrag();
      else watchDrag();
    }, DRAG_SILENCE_MS);
  }
  document.addEventListener('dragover', () => { dragSeen = Date.now(); }, true);
  document.addEventListener('mousemove', (e) => {
    if (dragId && e.buttons === 0) endDrag();
  });

  // Drop: the card lands before the first card whose middle is below the pointer.
  for (const ol of $$('ol.cards', root)) {
    const list = ol.dataset.list;
    ol.addEventListener('dragover', (e) => {
      if (!dragId) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'move';
      ol.classList.add('drop-target');
    });
    ol.addEventListener('dragleave', () => ol.classList.remove('drop-target'));
    ol.addEventListener('drop', (e) => {
      e.preventDefault();
      ol.classList.remove('drop-target');
      const id = dragId || e.dataTransfer.getData('text/plain');
      dragId = undefined;
      clearTimeout(dragWatch);
      if (!store.get(id)) return;
      const others = store.column(list).filter((m) => m.id !== id);
      const cards = $$('li.card', ol).filter((c) => c.dataset.id !== id);
      let index = cards.findIndex((c) => {
        const r = c.getBoundingClientRect();
        return e.clientY < r.top + r.height / 2;
      });
      if (index === -1) index = others.length;
      const m = store.get(id);
      const order = orderBetween(others[index - 1], others[index]);
      if (m.list === list && order === undefined) return;
      move(id, list, m.list === list || index < others.length ? order : undefined);
    });
  }

  /**
   * Re-renders once at the next frame however many times it is asked meanwhile: each card's
   * attempts answer on their own (500 cards, 500 answers), and a whole-board render per answer
   * kept the page busy for seconds after a big board loaded.
   */
  let queued;
  function renderSoon() {
    queued ??= requestAnimationFrame(() => {
      queued = undefined;
      render();
    });
  }

  store.onChange(render);
  return { render, renderSoon, move };
}
