import type { FeedItem } from '../../src/realtime/channel-feeds.ts';
import type { RealtimeHub } from '../../src/realtime/hub.ts';

/** Subscribes in-process and collects items; `until(n)` waits (on delivery, not on time) for n. */
export async function collect(hub: RealtimeHub, channel: string, cursor?: number) {
  const items: FeedItem[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const sub = await hub.subscribe(
    {
      channel,
      deliver: (item) => {
        items.push(item);
        for (const w of waiters.filter((w) => items.length >= w.n)) w.resolve();
        return true;
      },
    },
    cursor,
  );
  sub.start();
  return {
    items,
    unsubscribe: sub.unsubscribe,
    until: (n: number) => (items.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }))),
  };
}
