/**
 * The board's missions, keyed by id. Filled from the API, then kept current by realtime messages
 * (`project:{id}:missions` carries a summary: missionId, title, list, listOrder, ready, priority,
 * stage, agentSessionStatus, reviewStatus, dependencyCount, origin).
 */
export const LISTS = ['todo', 'doing', 'review', 'done'];
export const LIST_NAMES = { todo: 'Todo', doing: 'Doing', review: 'Review', done: 'Done' };
/** Cards a column shows before "Show all"; also the first page the board loads per column. */
export const COLUMN_CARDS = 100;

export function createStore() {
  const missions = new Map();
  const listeners = new Set();
  const loading = new Set(); // lists whose cards past the first page are still on their way
  let scheduled = false;

  function changed() {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      for (const fn of listeners) fn();
    });
  }

  return {
    missions,
    onChange(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    get: (id) => missions.get(id),
    /** Merges what we know (a full mission or a realtime summary) into the card. */
    upsert(mission) {
      missions.set(mission.id, { ...missions.get(mission.id), ...mission, listOrder: Number(mission.listOrder ?? missions.get(mission.id)?.listOrder ?? 0) });
      changed();
    },
    /** `partial`: the lists of which `list` holds only the first page (see addRest). */
    replaceAll(list, partial = []) {
      missions.clear();
      loading.clear();
      for (const l of partial) loading.add(l);
      for (const m of list) missions.set(m.id, { ...m, listOrder: Number(m.listOrder) });
      changed();
    },
    /**
     * The rest of a column, loaded after the first paint. A card the live feed changed meanwhile
     * keeps what the feed said: it is newer than this page.
     */
    addRest(list, rest) {
      for (const m of rest) if (!missions.has(m.id)) missions.set(m.id, { ...m, listOrder: Number(m.listOrder) });
      loading.delete(list);
      changed();
    },
    /** True while a column's cards past its first page are loading: its count is a lower bound. */
    loadingRest: (list) => loading.has(list),
    /** A column in listOrder (ties by id, i.e. creation order), as the API orders it. */
    column(list) {
      return [...missions.values()]
        .filter((m) => m.list === list)
        .sort((a, b) => a.listOrder - b.listOrder || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },
  };
}

/** A summary from the realtime feed, shaped like the API's mission. */
export const fromSummary = ({ missionId, ...rest }) => ({ id: missionId, ...rest });

/**
 * The listOrder that puts a card between `prev` and `next` (either may be missing). Undefined
 * means "at the end": the server picks it.
 */
export function orderBetween(prev, next) {
  if (!prev && !next) return undefined;
  if (!next) return prev.listOrder + 1;
  if (!prev) return next.listOrder - 1;
  return (prev.listOrder + next.listOrder) / 2;
}
