// What the web board does with its realtime socket: subscribe to a channel, and whenever the
// socket drops, reconnect (here through the balancer) and subscribe again from the last cursor
// it saw. Every cursor received is kept, so a test can check the stream has no gap and no repeat.
import WebSocket from 'ws';

export function openBoardSocket(url: string, key: string, channel: string) {
  const cursors: number[] = [];
  /** The balancer's server for each connection (its `x-backend` header on the upgrade). */
  const backends: string[] = [];
  const errors: any[] = [];
  let stopped = false;
  let socket: WebSocket | undefined;
  let subscribed!: () => void;
  const firstSubscribed = new Promise<void>((resolve) => (subscribed = resolve));

  function connect() {
    if (stopped) return;
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/realtime`, { headers: { authorization: `Bearer ${key}` } });
    socket = ws;
    ws.on('upgrade', (res) => backends.push(String(res.headers['x-backend'] ?? '?')));
    ws.on('open', () => {
      const last = cursors.at(-1);
      ws.send(JSON.stringify({ type: 'subscribe', channel, cursor: String(last ?? 0) }));
    });
    ws.on('message', (raw) => {
      const frame = JSON.parse(String(raw));
      if (frame.type === 'subscribed') {
        clearTimeout(watchdog);
        subscribed();
      }
      else if (frame.type === 'message' && frame.channel === channel) cursors.push(Number(frame.cursor));
      else if (frame.type === 'error') errors.push(frame);
    });
    ws.on('error', () => {}); // 'close' follows (a refused upgrade too)
    // Not subscribed in time (an instance stalled or dying mid-handshake): start over.
    const watchdog = setTimeout(() => ws.terminate(), 15_000);
    ws.on('close', () => {
      clearTimeout(watchdog);
      if (socket === ws && !stopped) setTimeout(connect, 50 + Math.random() * 250);
    });
  }

  connect();
  return {
    channel,
    cursors,
    backends,
    errors,
    subscribed: firstSubscribed,
    /** The server this socket is on now. */
    get backend() {
      return backends.at(-1);
    },
    close() {
      stopped = true;
      socket?.close();
    },
  };
}
export type BoardSocket = ReturnType<typeof openBoardSocket>;
