/**
 * Several listeners on one channel. The socket (realtime.js) keeps one handler per channel, which
 * the panel owns for the open mission (`subscribe`/`unsubscribe`, as before); the cards' progress
 * lines `listen` to the events of every mission in Doing, which may be the open one. The socket
 * subscription lives while the panel or any listener wants it; every message reaches them all
 * (a panel's replay from '0' too: listeners keep the newest they hear).
 */
export function createRealtimeMux(socket) {
  const channels = new Map(); // channel → { primary, listeners: Set }

  const entry = (channel) => {
    let c = channels.get(channel);
    if (!c) channels.set(channel, (c = { primary: null, listeners: new Set() }));
    return c;
  };
  const handlerOf = (c) => ({
    onSubscribed: (cursor) => c.primary?.onSubscribed?.(cursor),
    onMessage(frame) {
      c.primary?.onMessage?.(frame);
      for (const l of c.listeners) l.onMessage?.(frame);
    },
    onError: (frame) => c.primary?.onError?.(frame),
    onDown: () => c.primary?.onDown?.(),
  });
  const release = (channel, c) => {
    if (c.primary || c.listeners.size) return;
    channels.delete(channel);
    socket()?.unsubscribe(channel);
  };

  return {
    subscribe(channel, handler, cursor) {
      const c = entry(channel);
      c.primary = handler;
      socket()?.subscribe(channel, handlerOf(c), cursor);
    },
    unsubscribe(channel) {
      const c = channels.get(channel);
      if (!c) return;
      c.primary = null;
      release(channel, c);
    },
    listen(channel, listener) {
      const c = entry(channel);
      const fresh = !c.primary && !c.listeners.size;
      c.listeners.add(listener);
      if (fresh) socket()?.subscribe(channel, handlerOf(c)); // from now on
    },
    unlisten(channel, listener) {
      const c = channels.get(channel);
      if (!c) return;
      c.listeners.delete(listener);
      release(channel, c);
    },
    /** Signed out: the socket is gone with its subscriptions. */
    reset: () => channels.clear(),
  };
}
