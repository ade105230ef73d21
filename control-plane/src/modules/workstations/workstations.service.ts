import type { AgentInfo, Workstation } from '@solo-unicorn/shared';
import type { Db } from '../../db/types.ts';
import { forbidden, invalidField, notFound } from '../../errors.ts';
import { decodeCursor, toPage } from '../../lib/cursor.ts';
import { idCursor } from '../../lib/id-cursor.ts';
import { hashSecret, newSecret, secretPrefix } from '../../lib/secrets.ts';
import { iso, isoOrNull, type Clock } from '../../lib/time.ts';
import type { AccessService } from '../access/access.service.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { createWorkstationSight, statusView } from './workstation-visibility.ts';
import { createWorkstationsRepository, type WorkstationRow } from './workstations.repository.ts';

/** What the service needs from the live session hub: presence, and closing a revoked session. */
export interface Presence {
  /** Whether this process holds the workstation's session (known at once, no query). */
  isOnline(workstationId: string): boolean;
  /** How long a session row stays live without a heartbeat stamp (another instance may hold it). */
  readonly staleAfterMs: number;
  revoke(workstationId: string): void;
}

type CurrentMission = Workstation['currentMissions'][number];

/**
 * `limits`: agent type → when its usage limit on this workstation resets (only limits still running).
 * `diskBytes`: what its worktree pool takes on disk, as the daemon last measured (null: not reported).
 */
export function toWorkstation(row: WorkstationRow, online: boolean, currentMissions: CurrentMission[], limits = new Map<string, Date>(), diskBytes: number | null = null): Workstation {
  return {
    id: row.id,
    organizationId: row.organizationId,
    name: row.name,
    tokenPrefix: row.tokenPrefix,
    maxConcurrentMissions: row.maxConcurrentMissions,
    daemonVersion: row.daemonVersion,
    agents: ((row.agents as AgentInfo[]) ?? []).map((a) => ({ ...a, limitedUntil: isoOrNull(limits.get(a.type)) })),
    online: online && !row.revokedAt,
    lastSeenAt: isoOrNull(row.lastSeenAt),
    revokedAt: isoOrNull(row.revokedAt),
    paused: row.pausedAt !== null,
    pausedAt: isoOrNull(row.pausedAt),
    pausedReason: row.pausedReason,
    currentMissions,
    diskBytes,
    visibility: row.visibility,
    createdAt: iso(row.createdAt),
  };
}

/** The worktree pool's disk use as last reported: the sum of the measured worktrees (null: none measured yet). */
function diskBytesOf(worktrees: { sizeBytes: number | null }[]): number | null {
  const measured = worktrees.filter((w) => w.sizeBytes !== null);
  return measured.length ? measured.reduce((sum, w) => sum + w.sizeBytes!, 0) : null;
}

export function createWorkstationsService(db: Db, access: AccessService, presence: Presence, clock: Clock) {
  const repo = createWorkstationsRepository(db);
  const sight = createWorkstationSight(access);

  async function withPresence(rows: WorkstationRow[]) {
    const ids = rows.map((r) => r.id);
    const now = clock.now();
    // Held here, or an open session another instance vouches for (N control planes on one database).
    const [attempts, limits, elsewhere, disk] = await Promise.all([
      repo.currentAttempts(ids), repo.activeLimits(ids, now), repo.onlineIds(ids.filter((id) => !presence.isOnline(id)), presence.staleAfterMs),
      repo.worktreeDiskBytes(ids),
    ]);
    return rows.map((row) =>
      toWorkstation(
        row,
        presence.isOnline(row.id) || elsewhere.has(row.id),
        attempts.filter((a) => a.workstationId === row.id).map((a) => ({ missionId: a.missionId, attemptId: a.attemptId, status: a.status })),
        new Map(limits.filter((l) => l.workstationId === row.id).map((l) => [l.agentType, l.limitedUntil])),
        disk.get(row.id) ?? null,
      ),
    );
  }

  /** A workstation the caller may see; anything else (a hidden one included) is "not found". */
  async function visible(caller: UserPrincipal, id: string, need: 'read' | 'admin') {
    const row = await repo.findById(id);
    if (!row) throw notFound('workstation');
    try {
      await access.requireOrg(caller, row.organizationId, need);
    } catch (error) {
      if (error instanceof Error && 'status' in error && error.status === 404) throw notFound('workstation');
      throw error;
    }
    const seen = await sight.sightOf(caller, row);
    if (seen === 'none') throw notFound('workstation');
    return { row, seen };
  }

  /** Its details, for a caller who may see them all: `status` visibility shows presence only. */
  async function detailed(caller: UserPrincipal, id: string) {
    const { row, seen } = await visible(caller, id, 'read');
    if (seen !== 'full') throw forbidden('this workstation shows its presence only to members who do not manage it');
    return row;
  }

  return {
    async register(caller: UserPrincipal, input: { organizationId: string; name: string }) {
      await access.requireOrg(caller, input.organizationId, 'admin');
      const token = newSecret('suw');
      const row = await db.transaction(async (tx) => {
        const created = await createWorkstationsRepository(tx).insert({
          organizationId: input.organizationId, name: input.name, tokenHash: hashSecret(token), tokenPrefix: secretPrefix(token), createdBy: caller.userId,
        });
        await recordAudit(tx, { organizationId: input.organizationId, actorType: 'user', actorId: caller.userId, action: 'workstation.registered', targetType: 'workstation', targetId: created.id });
        return created;
      });
      return { workstation: toWorkstation(row, false, []), token };
    },

    async list(caller: UserPrincipal, query: { organizationId?: string; limit: number; cursor?: string }) {
      if (query.organizationId) await access.requireOrg(caller, query.organizationId, 'read');
      const afterId = query.cursor ? decodeCursor(query.cursor, idCursor).id : undefined;
      const rows = await repo.listVisible({ userId: caller.userId, isInstanceAdmin: caller.isInstanceAdmin, organizationId: query.organizationId, afterId, limit: query.limit });
      const page = toPage(rows, query.limit, (r) => r, (r) => ({ id: r.id }));
      // Hidden ones leave the page short rather than shifting the cursor: the next page still starts after the last row read.
      const seen = await sight.sightsOf(caller, page.items);
      const shown = page.items.map((row, i) => ({ row, seen: seen[i] })).filter((s) => s.seen !== 'none');
      const items = await withPresence(shown.map((s) => s.row));
      return { items: items.map((item, i) => (shown[i]!.seen === 'status' ? statusView(item) : item)), nextCursor: page.nextCursor };
    },

    async get(caller: UserPrincipal, id: string) {
      const { row, seen } = await visible(caller, id, 'read');
      const [item] = await withPresence([row]);
      return seen === 'status' ? statusView(item!) : item!;
    },

    /** What the workstation last reported holding: repository clones and its worktree pool. */
    async inventory(caller: UserPrincipal, id: string) {
      await detailed(caller, id);
      const { repositories, worktrees } = await repo.inventoryOf(id);
      return {
        repositories: repositories.map((r) => ({ repositoryId: r.repositoryId, localPath: r.localPath, updatedAt: r.updatedAt.toISOString() })),
        worktrees: worktrees.map((w) => ({
          path: w.path, repositoryId: w.repositoryId, branch: w.branch, status: w.status, missionId: w.missionId, attemptId: w.attemptId,
          lastUsedAt: w.lastUsedAt?.toISOString() ?? null, sizeBytes: w.sizeBytes,
        })),
        diskBytes: diskBytesOf(worktrees),
      };
    },

    /** Invalidates the token, then closes the live session at once. Revoking twice is a no-op. */
    async revoke(caller: UserPrincipal, id: string) {
      const { row } = await visible(caller, id, 'admin');
      const revoked = await db.transaction(async (tx) => {
        const updated = await createWorkstationsRepository(tx).revoke(id, clock.now());
        if (updated) {
          await recordAudit(tx, { organizationId: row.organizationId, actorType: 'user', actorId: caller.userId, action: 'workstation.revoked', targetType: 'workstation', targetId: id });
        }
        return updated ?? row;
      });
      presence.revoke(id);
      const [item] = await withPresence([revoked]);
      return item!;
    },

    async mapToProject(caller: UserPrincipal, projectId: string, workstationId: string) {
      const { project } = await access.requireProject(caller, projectId, 'admin');
      const ws = await repo.findById(workstationId);
      // One answer for "no such workstation", "another organization's" and one hidden from the
      // caller: existence is never revealed, and a project admin cannot route missions to a
      // machine its owner keeps out of sight.
      const unseen = !ws || ws.organizationId !== project.organizationId || (await sight.sightOf(caller, ws)) === 'none';
      if (unseen) throw invalidField('body.workstationId', "no workstation with this id in the project's organization");
      const row = await db.transaction(async (tx) => {
        const mapped = await createWorkstationsRepository(tx).mapToProject(projectId, workstationId);
        await recordAudit(tx, { organizationId: project.organizationId, actorType: 'user', actorId: caller.userId, action: 'project_workstation.mapped', targetType: 'workstation', targetId: workstationId, data: { projectId } });
        return mapped;
      });
      return { projectId: row.projectId, workstationId: row.workstationId, createdAt: iso(row.createdAt) };
    },

    async listForProject(caller: UserPrincipal, projectId: string) {
      await access.requireProject(caller, projectId, 'read');
      const mappings = await repo.listForProject(projectId);
      const rows = await Promise.all(mappings.map((m) => repo.findById(m.workstationId)));
      const seen = await sight.sightsOf(caller, rows.map((r) => r!));
      return mappings.filter((_, i) => seen[i] !== 'none').map((r) => ({ projectId: r.projectId, workstationId: r.workstationId, createdAt: iso(r.createdAt) }));
    },
  };
}
export type WorkstationsService = ReturnType<typeof createWorkstationsService>;
