import { h } from './dom.js';

/**
 * The agent's latest `mission_progress` line (#14: an `agent.progress` event {line}) on each card
 * in Doing. The API serves the latest line of the running attempt with the mission (`progress`),
 * so a line said before the board opened shows on load; after that the cards listen to the events
 * of the missions in Doing (few: one per running agent), and the newer of the two wins.
 */
export function createCardProgress({ realtime, onChange }) {
  const lines = new Map(); // missionId → { line, at }
  const listening = new Map(); // missionId → listener

  function listen(id) {
    const listener = {
      onMessage(frame) {
        if (frame.kind !== 'agent.progress') return;
        const line = frame.data?.data?.line;
        if (typeof line !== 'string') return;
        lines.set(id, { line, at: frame.at });
        onChange();
      },
    };
    listening.set(id, listener);
    realtime.listen(`mission:${id}:events`, listener);
  }

  function stop(id) {
    realtime.unlisten(`mission:${id}:events`, listening.get(id));
    listening.delete(id);
    lines.delete(id);
  }

  return {
    /** Called on every render: listen to the missions now in Doing, stop for the others. */
    sync(missions) {
      const doing = new Set();
      for (const m of missions) if (m.list === 'doing') doing.add(m.id);
      for (const id of [...listening.keys()]) if (!doing.has(id)) stop(id);
      for (const id of doing) if (!listening.has(id)) listen(id);
    },
    line(m) {
      const p = m.list === 'doing' ? newer(lines.get(m.id), m.progress) : null;
      return p ? h('p', { className: 'progress-line', title: `the agent, ${p.at}`, dataset: { testid: 'progress' } }, p.line) : null;
    },
    reset() {
      for (const id of [...listening.keys()]) stop(id);
    },
  };
}

/** The later of a live line and the one the API served (either may be missing). */
const newer = (a, b) => (!a || (b && Date.parse(b.at) > Date.parse(a.at)) ? b : a);
