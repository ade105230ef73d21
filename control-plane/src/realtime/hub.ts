import type { Database } from '../db/types.ts';
import type { ChannelFeeds, FeedItem } from './channel-feeds.ts';

export const NOTIFY_CHANNEL = 'su_realtime';
const BATCH = 500;

export interface Subscriber {
  channel: string;
  /** Delivers one item; returns false when the subscriber is gone or must stop (backpressure). */
  deliver(item: FeedItem): boolean;
}

interface Subscription extends Subscriber {
  cursor: number;
  pumping: boolean;
  dirty: boolean;
  closed: boolean;
}

/**
 * Fans committed changes out to subscribers. A NOTIFY only says "channel X moved"; each
 * subscriber then reads the rows after its own cursor from the database and advances it. So
 * replay after a reconnect and live delivery are the same path: nothing is skipped, nothing is
 * sent twice, whatever order or number of notifications arrive.
 */
export function createRealtimeHub(database: Database, feeds: ChannelFeeds, log?: { warn(o: object, m: string): void }) {
  const byChannel = new Map<string, Set<Subscription>>();
  let unlisten: (() => Promise<void>) | undefined;

  async function pump(sub: Subscription) {
    if (sub.pumping) {
      sub.dirty = true;
      return;
    }
    sub.pumping = true;
    try {
      do {
        sub.dirty = false;
        for (;;) {
          const items = await feeds.after(sub.channel, sub.cursor, BATCH);
          for (const item of items) {
            if (sub.closed) return;
            sub.cursor = item.seq;
            if (!sub.deliver(item)) {
              sub.closed = true;
              return;
            }
          }
          if (items.length < BATCH) break;
        }
      } while (sub.dirty && !sub.closed);
    } catch (err) {
      log?.warn({ err, channel: sub.channel }, 'realtime catch-up failed; retrying on the next change');
    } finally {
      sub.pumping = false;
    }
  }

  function onNotify(payload: string) {
    let channel: string | undefined;
    try {
      channel = (JSON.parse(payload) as { c?: string }).c;
    } catch {
      return;
    }
    for (const sub of byChannel.get(channel ?? '') ?? []) void pump(sub);
  }

  /** After the listening connection was lost, anything may have been missed: catch everyone up. */
  function onReconnect() {
    for (const subs of byChannel.values()) for (const sub of subs) void pump(sub);
  }

  return {
    /** The database it reads; realtime parts with their own timing (notification-releases.ts) use it too. */
    db: database.db,
    async start() {
      unlisten = await database.listen(NOTIFY_CHANNEL, onNotify, onReconnect);
    },
    async stop() {
      await unlisten?.();
      byChannel.clear();
    },
    /**
     * Starts a subscription after `cursor` (or at the channel's head), replaying what it missed.
     * Returns the starting cursor and a function that ends the subscription.
     */
    async subscribe(subscriber: Subscriber, cursor?: number) {
      const start = cursor ?? (await feeds.head(subscriber.channel));
      const sub: Subscription = { ...subscriber, deliver: subscriber.deliver, cursor: start, pumping: false, dirty: false, closed: false };
      let set = byChannel.get(sub.channel);
      if (!set) byChannel.set(sub.channel, (set = new Set()));
      set.add(sub);
      return {
        cursor: start,
        /** Begins delivery (replay first); call it once the subscriber is ready to receive. */
        start: () => void pump(sub),
        unsubscribe: () => {
          sub.closed = true;
          set.delete(sub);
          if (set.size === 0) byChannel.delete(sub.channel);
        },
      };
    },
  };
}
export type RealtimeHub = ReturnType<typeof createRealtimeHub>;
