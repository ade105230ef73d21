import { h } from './dom.js';
import { formatCost, untilText } from './format.js';

/**
 * What the cards say about the agent: each mission's newest attempt and cost, asked for a page of
 * missions at a time (GET /projects/:id/attempt-summaries), and again for a mission whenever the
 * board hears it changed (an attempt ending moves it or changes its agent status). `onChange`
 * re-renders the board: once per answer, not once per card (a 500-card board asked 500 times).
 */
const PER_REQUEST = 100; // the API's ATTEMPT_SUMMARIES_MAX
const IN_FLIGHT = 2;

export function createCardUsage({ api, onChange }) {
  const known = new Map(); // missionId → { latest, cost } (latest: the newest attempt or null)
  const queue = new Set();
  const loading = new Set();
  let projectId;
  let running = 0;
  let generation = 0;
  let expiry; // { at, timer }: the next "waiting for quota" that runs out, to drop it on time

  /** Re-renders when the earliest shown usage limit resets, so the card stops saying it waits. */
  function expireAt(until) {
    const at = Date.parse(until);
    if (expiry && expiry.at <= at) return;
    clearTimeout(expiry?.timer);
    expiry = { at, timer: setTimeout(() => { expiry = undefined; onChange(); }, Math.min(at - Date.now() + 1000, 2 ** 31 - 1)) };
  }

  function pump() {
    if (!api.attemptSummaries || !projectId) return queue.clear(); // signed out, or no project shown
    while (running < IN_FLIGHT && queue.size) {
      const ids = [...queue].slice(0, PER_REQUEST);
      for (const id of ids) {
        queue.delete(id);
        loading.add(id);
      }
      running++;
      const gen = generation;
      api.attemptSummaries(projectId, ids)
        .then(({ items }) => {
          if (gen !== generation) return;
          for (const id of ids) known.set(id, { latest: null, cost: null }); // not in the project (any more): nothing to say
          for (const s of items) known.set(s.missionId, { latest: s.latest, cost: s.costUsd });
        })
        // The cards just say nothing about the agent; the panel reports errors when opened.
        .catch(() => { if (gen === generation) for (const id of ids) known.set(id, { latest: null, cost: null }); })
        .finally(() => {
          running--;
          for (const id of ids) loading.delete(id);
          if (gen === generation) onChange();
          pump();
        });
    }
  }

  return {
    badges(m) {
      const { badges, waitingUntil } = usageBadges(m, known.get(m.id));
      if (waitingUntil) expireAt(waitingUntil);
      return badges;
    },
    /** Asks for the missions not known yet (the board calls it on every render). */
    want(ids) {
      for (const id of ids) if (!known.has(id) && !loading.has(id)) queue.add(id);
      pump();
    },
    /** Fetched again; the card keeps what it shows until the answer is in. */
    invalidate(id) {
      queue.add(id);
      pump();
    },
    /** Another project (none: signed out): forget everything, ignore answers still on their way. */
    reset(shownProjectId) {
      projectId = shownProjectId;
      generation++;
      clearTimeout(expiry?.timer);
      expiry = undefined;
      known.clear();
      queue.clear();
      loading.clear();
    },
  };
}

/**
 * A Todo card whose agent hit its usage limit says until when; denials on the latest attempt
 * and the cost so far (when the agent reported one) show as small badges.
 */
function usageBadges(m, usage, now = Date.now()) {
  if (!usage) return { badges: [], waitingUntil: null };
  const { latest, cost } = usage;
  const until = latest?.limitedUntil && Date.parse(latest.limitedUntil) > now ? latest.limitedUntil : null;
  const waiting = m.list === 'todo' && latest?.status === 'limited' && (until || !latest.limitedUntil);
  const badges = [
    waiting ? h('span', { className: 'badge quota', dataset: { testid: 'quota-wait' } }, until ? `waiting for quota until ${untilText(until)}` : 'waiting for quota') : null,
    latest?.permissionDenials > 0
      ? h('span', { className: 'badge denied', title: 'tool calls the agent was refused on its latest attempt', dataset: { testid: 'denied' } }, `${latest.permissionDenials} denied`)
      : null,
    cost !== null ? h('span', { className: 'badge cost', title: 'what the agent reported this mission cost', dataset: { testid: 'cost' } }, formatCost(cost)) : null,
  ];
  return { badges, waitingUntil: waiting ? until : null };
}
