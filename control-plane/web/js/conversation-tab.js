import { h, timeEl } from './dom.js';
import { formatCost, formatDuration, untilText } from './format.js';

/** The newest entries stay in the page; earlier ones come back a page at a time on request. */
const KEEP = 300;
const PAGE = 200;

/** Kinds the conversation leaves to other views (the Agent section's figures, the raw timeline). */
const SKIPPED = new Set(['agent.usage', 'agent.system', 'agent.session']);

/**
 * The Conversation tab: the agent's session as a conversation, from the mission's events (the
 * panel replays them from the start, then they stream live). Messages, thinking (collapsed), tool
 * calls with their inputs and their results (collapsed, under the call they answer), refusals,
 * errors; a separator per attempt saying whether it resumed the earlier session or started fresh.
 * Every entry keeps its raw event one click away. Only the newest KEEP entries are in the page,
 * so a 10,000-event session stays light; "Show earlier" brings back more.
 */
export function createConversationTab() {
  const entries = []; // { frame, node?, result?, mode? }
  const calls = new Map(); // tool call id → its entry, for the result that answers it
  let start = 0; // entries[start..] are in the list (or will be at the next flush)
  let flushed = 0; // entries[..flushed] were considered for the page
  let expanded = false; // "Show earlier" was used: nothing is trimmed from the top any more
  let attempts = 0;
  let separator; // the latest attempt's entry: its session line follows in a later event
  let flushQueued; // entries reach the page once per frame: a replay brings thousands per frame

  const more = h('button', { type: 'button', className: 'conversation-more', hidden: true, onclick: showEarlier });
  // A log (live region) around a plain list: role=log on the <ol> itself would unmake its items.
  const list = h('ol', { className: 'conversation-list' });
  const scroller = h('div', { className: 'conversation', role: 'log', 'aria-label': 'Agent conversation', tabindex: '0', dataset: { testid: 'conversation' } }, list);
  const emptyNote = h('p', { className: 'muted', dataset: { testid: 'no-conversation' } }, 'No agent session yet.');
  const element = h('div', { className: 'conversation-tab' }, emptyNote, more, scroller);

  function add(frame) {
    const kind = frame.kind;
    const d = frame.data?.data ?? {};
    if (kind === 'attempt.started') {
      separator = { frame, attempt: ++attempts };
      return push(separator);
    }
    if ((kind === 'agent.session_resumed' || kind === 'agent.session_fresh') && separator && !separator.mode) {
      separator.mode = { resumed: kind === 'agent.session_resumed', reason: d.reason };
      separator.raw = frame;
      return refresh(separator);
    }
    if (kind === 'agent.tool_result' && d.toolUseId && calls.has(d.toolUseId)) {
      const call = calls.get(d.toolUseId);
      call.result = frame;
      return refresh(call);
    }
    if (!kind.startsWith('agent.') && kind !== 'attempt.finished') return;
    if (SKIPPED.has(kind)) return;
    const entry = { frame };
    if (kind === 'agent.tool_call' && d.id) calls.set(d.id, entry);
    push(entry);
  }

  function push(entry) {
    entries.push(entry);
    emptyNote.hidden = true;
    flushQueued ??= requestAnimationFrame(flush);
  }

  /**
   * Puts the entries pushed since the last frame in the page, building nodes only for those that
   * stay (the newest KEEP): a replay of 10,000 events builds 300 nodes, not 7,500 to drop again.
   */
  function flush() {
    flushQueued = undefined;
    const stick = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 24;
    // Once the user asked for earlier entries they stay: live ones must not take them away again.
    const keepFrom = expanded ? start : Math.max(start, entries.length - KEEP);
    for (; start < keepFrom; start++) entries[start].node?.remove(); // older ones leave the page, not memory
    list.append(...entries.slice(Math.max(flushed, keepFrom)).map(nodeOf));
    flushed = entries.length;
    updateMore();
    if (stick) scroller.scrollTop = scroller.scrollHeight;
  }

  function refresh(entry) {
    if (!entry.node) return;
    const old = entry.node;
    entry.node = undefined;
    if (old.isConnected) old.replaceWith(nodeOf(entry));
  }

  function showEarlier() {
    const from = Math.max(0, start - PAGE);
    list.prepend(...entries.slice(from, start).map(nodeOf));
    start = from;
    expanded = true;
    updateMore();
  }

  function updateMore() {
    more.hidden = start === 0;
    more.textContent = `Show earlier (${start} more)`;
  }

  const nodeOf = (entry) => (entry.node ??= entryNode(entry));
  return {
    element,
    onEvent: add,
    // Hidden, the list has no size to scroll: opening the tab shows the newest entries.
    shown: () => requestAnimationFrame(() => { scroller.scrollTop = scroller.scrollHeight; }),
    close: () => cancelAnimationFrame(flushQueued),
  };
}

function entryNode(entry) {
  const { frame } = entry;
  const d = frame.data?.data ?? {};
  const item = (className, ...children) => h('li', { className: `turn ${className}`, dataset: { kind: frame.kind, seq: frame.cursor, testid: 'turn' } },
    ...children, raw(entry.raw ? [frame, entry.raw] : entry.result ? [frame, entry.result] : [frame]));
  switch (frame.kind) {
    case 'attempt.started': {
      const mode = entry.mode ? (entry.mode.resumed ? 'resumed the earlier session' : 'fresh session') : null;
      return h('li', { className: 'turn attempt-separator', dataset: { kind: frame.kind, testid: 'attempt-separator' } },
        h('h4', {}, `Attempt ${entry.attempt}`, d.agentType ? ` · ${d.agentType}` : '', mode ? ` · ${mode}` : '',
          entry.mode?.reason ? h('span', { className: 'muted' }, ` (${entry.mode.reason})`) : null), ' ', timeEl(frame.at),
        raw(entry.raw ? [frame, entry.raw] : [frame]));
    }
    case 'agent.message':
      return item('message', who('Agent', frame), h('div', { className: 'turn-text' }, d.text ?? ''));
    case 'agent.thinking':
      return item('thinking', h('details', {}, h('summary', {}, 'Thinking'), h('div', { className: 'turn-text' }, d.text ?? '')));
    case 'agent.tool_call':
      return item('tool-call', who(`Tool call: ${d.name ?? 'tool'}`, frame),
        d.input !== undefined ? h('pre', { className: 'tool-input', tabindex: '0', dataset: { testid: 'tool-input' } }, pretty(d.input)) : null,
        entry.result ? result(entry.result) : h('p', { className: 'muted pending' }, 'no result yet'));
    case 'agent.tool_result':
      return item('tool-result', result(frame));
    case 'agent.permission_denied':
      return item('denied', who('Refused', frame), h('p', {}, h('code', {}, d.tool ?? 'a tool call'), d.path || d.command ? ` ${d.path ?? d.command}` : '', d.reason ? ` — ${d.reason}` : ''));
    case 'agent.error':
      return item('error', who('Error', frame), h('p', {}, d.message ?? 'the agent reported an error', d.reason ? ` (${d.reason})` : ''));
    case 'agent.limited':
      return item('warning', who('Usage limit', frame), h('p', {}, d.until ? `resets at ${untilText(d.until)}` : 'reached', d.message ? ` — ${d.message}` : ''));
    case 'agent.result':
      return item('result', who(d.isError ? 'Session ended with an error' : 'Session finished', frame),
        h('p', { className: 'muted' }, [d.numTurns !== undefined ? `${d.numTurns} turns` : null, d.durationMs !== undefined ? formatDuration(d.durationMs) : null, d.costUsd !== undefined ? formatCost(d.costUsd) : null].filter(Boolean).join(' · ')),
        d.result ? h('div', { className: 'turn-text' }, d.result) : null);
    case 'attempt.finished':
      return item('finished', who(`Attempt ${d.status ?? 'finished'}`, frame), d.reason ? h('p', { className: 'muted' }, d.reason) : null);
    default: // warnings, retries, plans, file changes, plain output: one line, the rest in raw
      return item('other', who(frame.kind.replace(/^agent\./, '').replace(/_/g, ' '), frame), h('p', { className: 'turn-text' }, oneLine(d)));
  }
}

const who = (label, frame) => h('div', { className: 'turn-head' }, h('strong', {}, label), ' ', timeEl(frame.at));

function result(frame) {
  const d = frame.data?.data ?? {};
  const text = typeof d.content === 'string' ? d.content : pretty(d.content ?? '');
  const lines = text ? text.split('\n').length : 0;
  return h('details', { className: `tool-result${d.isError ? ' failed' : ''}`, dataset: { testid: 'tool-result' } },
    h('summary', {}, d.isError ? 'Result: error' : 'Result', h('span', { className: 'muted' }, ` · ${lines} line${lines === 1 ? '' : 's'}`)),
    h('pre', { tabindex: '0' }, text || '(empty)'));
}

function raw(frames) {
  return h('details', { className: 'raw' }, h('summary', {}, 'raw event'), h('pre', { tabindex: '0' }, JSON.stringify(frames.map((f) => ({ kind: f.kind, at: f.at, ...f.data })), null, 2)));
}

const pretty = (v) => (typeof v === 'string' ? v : JSON.stringify(v, null, 2));

function oneLine(d) {
  const text = d.message ?? d.text ?? d.reason;
  return typeof text === 'string' ? text : JSON.stringify(d);
}
