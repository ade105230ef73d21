/**
 * The monitoring socket (`/api/v1/realtime`). Each channel remembers the last cursor it saw; after
 * a reconnect it subscribes again from there, so the server replays exactly what was missed.
 *
 * Per channel the client tracks what it wants and what the server has, and never has two
 * subscribe/unsubscribe frames for one channel in flight: messages count only while the server
 * confirms the subscription the client currently wants, so a restart (a panel reopened from
 * cursor 0) cannot mix two replays.
 */
const PING_MS = 25_000;
const MAX_BACKOFF_MS = 15_000;

const after = (a, b) => b === undefined || BigInt(a) > BigInt(b);

export function createRealtime({ key, onStatus = () => {} }) {
  /** channel → { want, handler, cursor, server: 'none'|'subscribing'|'subscribed'|'unsubscribing', restart } */
  const channels = new Map();
  let socket;
  let attempt = 0;
  let pingTimer;
  let retryTimer;
  let stopped = false;

  const send = (frame) => socket?.readyState === WebSocket.OPEN && socket.send(JSON.stringify(frame));

  function sync(channel) {
    const c = channels.get(channel);
    if (!c || socket?.readyState !== WebSocket.OPEN) return;
    if (c.server === 'none' && c.want) {
      c.server = 'subscribing';
      c.restart = false;
      send(c.cursor === undefined ? { type: 'subscribe', channel } : { type: 'subscribe', channel, cursor: c.cursor });
    } else if (c.server === 'subscribed' && (!c.want || c.restart)) {
      c.server = 'unsubscribing';
      send({ type: 'unsubscribe', channel });
    } else if (c.server === 'none' && !c.want) {
      channels.delete(channel);
    }
  }

  function onFrame(frame) {
    const c = frame.channel ? channels.get(frame.channel) : undefined;
    if (frame.type === 'pong' || !c) return;
    if (frame.type === 'subscribed') {
      c.server = 'subscribed';
      if (c.cursor === undefined && !c.restart) c.cursor = frame.cursor; // "from now on": resume from here after a reconnect
      c.handler.onSubscribed?.(frame.cursor);
    } else if (frame.type === 'unsubscribed') {
      c.server = 'none';
    } else if (frame.type === 'error') {
      c.server = 'none';
      c.want = false;
      c.handler.onError?.(frame);
    } else if (frame.type === 'message') {
      if (c.server !== 'subscribed' || !c.want || c.restart || !after(frame.cursor, c.cursor)) return;
      c.cursor = frame.cursor;
      c.handler.onMessage(frame);
    }
    sync(frame.channel);
  }

  /**
   * A single-use ticket for the socket, asked for with the key in the Authorization header: the
   * key itself never goes into a URL (URLs end up in logs). Null when the key is refused.
   */
  async function ticket() {
    const res = await fetch('/api/v1/realtime/tickets', { method: 'POST', headers: { authorization: `Bearer ${key}` } });
    if (res.status === 401) return null;
    if (!res.ok) throw new Error(`ticket: HTTP ${res.status}`);
    return (await res.json()).ticket;
  }

  function retry() {
    // Back off with jitter; a slow-consumer close (4008) just resumes from the cursors.
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt++) * (0.5 + Math.random() / 2);
    onStatus('reconnecting');
    retryTimer = setTimeout(connect, delay);
  }

  async function connect() {
    if (stopped) return;
    onStatus(attempt === 0 ? 'connecting' : 'reconnecting');
    let granted;
    try {
      granted = await ticket();
    } catch {
      return stopped ? undefined : retry();
    }
    if (stopped) return;
    if (granted === null) return onStatus('offline'); // the key was revoked: signing in again is the way back
    const url = new URL('/api/v1/realtime', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('ticket', granted);
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      onStatus('live');
      for (const c of channels.values()) c.server = 'none';
      for (const channel of [...channels.keys()]) sync(channel);
      pingTimer = setInterval(() => send({ type: 'ping' }), PING_MS);
    };
    ws.onmessage = (event) => {
      try {
        onFrame(JSON.parse(event.data));
      } catch (error) {
        console.warn('realtime frame not handled', error);
      }
    };
    ws.onclose = () => {
      clearInterval(pingTimer);
      if (socket !== ws) return;
      for (const c of channels.values()) {
        c.server = 'none';
        c.handler.onDown?.(); // until the next `subscribed`, nothing arrives: a listener may fall back to polling
      }
      if (stopped) return onStatus('offline');
      retry(); // a revoked key (4001) finds out when it asks for the next ticket
    };
  }

  return {
    start: () => void connect(),
    stop() {
      stopped = true;
      clearTimeout(retryTimer);
      clearInterval(pingTimer);
      socket?.close(1000, 'signed out');
      channels.clear();
    },
    /**
     * Subscribes (or restarts from `cursor`, e.g. '0' for a full replay); `handler.onMessage(frame)`,
     * optional `onSubscribed(cursor)` (also after each reconnect), `onError(frame)`, `onDown()` (socket lost).
     */
    subscribe(channel, handler, cursor) {
      const existing = channels.get(channel);
      if (existing) Object.assign(existing, { want: true, handler, cursor, restart: existing.server !== 'none' });
      else channels.set(channel, { want: true, handler, cursor, server: 'none', restart: false });
      sync(channel);
    },
    unsubscribe(channel) {
      const c = channels.get(channel);
      if (!c) return;
      c.want = false;
      sync(channel);
    },
  };
}
