import type { Db } from '../db/types.ts';
import { AppError, forbidden } from '../errors.ts';
import type { AccessService } from '../modules/access/access.service.ts';
import { createAuthRepository } from '../modules/auth/auth.repository.ts';
import type { UserPrincipal } from '../modules/auth/principal.ts';
import type { AccessChange, AccessChanges } from './access-changes.ts';

/**
 * Each channel is authorized like the resource it shows: invisible → not found, not allowed → forbidden.
 * A person's notifications channel is theirs alone: not even an instance admin reads another's.
 */
export async function authorizeChannel(access: AccessService, user: UserPrincipal, channel: string) {
  const [kind, id] = channel.split(':') as [string, string];
  if (kind === 'user') {
    if (id !== user.userId) throw forbidden("a notifications channel is only its owner's");
  } else if (kind === 'project') await access.requireProject(user, id, 'read');
  else if (kind === 'mission') await access.requireMission(user, id, 'read');
  else await access.requireOrg(user, id, 'read');
}

/** What the guard needs from one open monitoring socket. */
export interface GuardedSocket {
  /** The caller; refreshed in place on every re-check (e.g. the instance-admin flag). */
  readonly user: UserPrincipal;
  /** Bumped on every access change that concerns the socket: a subscribe authorized before it must re-check. */
  generation: number;
  /** The channels it is subscribed to now. */
  channels(): string[];
  /** Ends one subscription and tells the client why. */
  drop(channel: string, error: AppError): void;
  /** The credentials are gone (key revoked, user deleted): close the socket. */
  close(): void;
}

function concerns(change: AccessChange, user: UserPrincipal) {
  if (change.everything) return true;
  if (change.apiKeyId === user.apiKeyId) return true;
  if (change.userId) return change.userId === user.userId;
  // A project's visibility (no user named): anyone may have been reading it as public.
  return Boolean(change.projectId);
}

/**
 * Revocation is immediate: every access change re-authorizes the subscriptions of the sockets it
 * concerns, in every process (the change arrives by NOTIFY), and closes a socket whose key or user
 * is gone. Re-checks of one socket never overlap; changes that arrive meanwhile run once more.
 */
export function createSocketGuard(deps: { changes: AccessChanges; access: AccessService; db: Db; log: { warn(o: object, m: string): void } }) {
  const keys = createAuthRepository(deps.db);
  const sockets = new Map<GuardedSocket, { running: boolean; again: boolean }>();

  async function recheck(socket: GuardedSocket) {
    const key = await keys.findActiveApiKeyById(socket.user.apiKeyId);
    if (!key || key.userId !== socket.user.userId) return socket.close();
    (socket.user as { isInstanceAdmin: boolean }).isInstanceAdmin = key.isInstanceAdmin;
    await Promise.all(
      socket.channels().map(async (channel) => {
        try {
          await authorizeChannel(deps.access, socket.user, channel);
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          socket.drop(channel, error);
        }
      }),
    );
  }

  function schedule(socket: GuardedSocket) {
    const state = sockets.get(socket);
    if (!state) return;
    if (state.running) {
      state.again = true;
      return;
    }
    state.running = true;
    void (async () => {
      do {
        state.again = false;
        try {
          await recheck(socket);
        } catch (err) {
          // Fail closed: a socket we cannot re-authorize does not keep streaming.
          deps.log.warn({ err }, 'cannot re-authorize a realtime socket after an access change; closing it');
          socket.close();
          return;
        }
      } while (state.again && sockets.has(socket));
      state.running = false;
    })();
  }

  deps.changes.on((change) => {
    for (const socket of sockets.keys()) {
      if (!concerns(change, socket.user)) continue;
      socket.generation++;
      schedule(socket);
    }
  });

  return {
    /** Watches a socket until the returned function is called (on close). */
    register(socket: GuardedSocket) {
      sockets.set(socket, { running: false, again: false });
      return () => void sockets.delete(socket);
    },
    get size() {
      return sockets.size;
    },
  };
}
export type SocketGuard = ReturnType<typeof createSocketGuard>;
