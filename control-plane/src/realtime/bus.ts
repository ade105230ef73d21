/**
 * In-process publish/subscribe for realtime channels (`project:{id}:fallback`, …). Every
 * message carries the cursor of its durable record, so a transport (the realtime WebSocket) can
 * replay from the database what a client missed and then forward live messages from here.
 */
export interface RealtimeMessage {
  channel: string;
  type: string;
  /** Id of the durable record (project_activity for fallback events): resume after it. */
  cursor: string;
  at: string;
  data: unknown;
}

type Listener = (message: RealtimeMessage) => void;

export function createRealtimeBus() {
  const listeners = new Map<string, Set<Listener>>();
  return {
    subscribe(channel: string, listener: Listener): () => void {
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(channel);
      };
    },
    publish(message: RealtimeMessage): void {
      for (const listener of listeners.get(message.channel) ?? []) {
        try {
          listener(message);
        } catch {
          // a subscriber's bug must not break the publisher or other subscribers
        }
      }
    },
  };
}
export type RealtimeBus = ReturnType<typeof createRealtimeBus>;

export const fallbackChannel = (projectId: string) => `project:${projectId}:fallback`;
