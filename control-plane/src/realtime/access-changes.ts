import type { Database } from '../db/types.ts';

/** Announced by triggers (migration 0009) when something that grants access changes. */
export const ACCESS_NOTIFY_CHANNEL = 'su_access';

/**
 * What changed: an API key revoked or deleted, a user's membership or project role changed or
 * removed, a project's visibility changed, a workstation revoked or deleted. `everything` means
 * notifications may have been missed (the listening connection was lost): re-check all.
 */
export type AccessChange =
  | { everything: true }
  | { everything?: false; apiKeyId?: string; userId?: string; organizationId?: string; projectId?: string; workstationId?: string };

export function parseAccessChange(payload: string): AccessChange | undefined {
  try {
    const p = JSON.parse(payload) as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    return { apiKeyId: str(p.k), userId: str(p.u), organizationId: str(p.o), projectId: str(p.p), workstationId: str(p.w) };
  } catch {
    return undefined;
  }
}

type Listener = (change: AccessChange) => void;

/**
 * Every control-plane process listens: whichever process made the change, each one re-checks the
 * realtime sockets and daemon sessions it holds. NOTIFY is delivered on commit, so a listener
 * that reads the database sees the change.
 */
export function createAccessChanges(database: Database) {
  const listeners = new Set<Listener>();
  let unlisten: (() => Promise<void>) | undefined;
  const emit = (change: AccessChange) => {
    for (const listener of listeners) listener(change);
  };
  return {
    async start() {
      unlisten = await database.listen(
        ACCESS_NOTIFY_CHANNEL,
        (payload) => {
          const change = parseAccessChange(payload);
          if (change) emit(change);
        },
        () => emit({ everything: true }),
      );
    },
    async stop() {
      await unlisten?.();
      unlisten = undefined;
    },
    /** Listeners must not throw (they run in the notification callback); returns an unsubscribe. */
    on(listener: Listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
export type AccessChanges = ReturnType<typeof createAccessChanges>;
