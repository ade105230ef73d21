import type { CreateMissionInput, MissionList, UpdateMissionInput } from '@solo-unicorn/shared';
import { idSchema, missionListSchema } from '@solo-unicorn/shared';
import { z } from 'zod';
import type { Db, Tx } from '../../db/types.ts';
import { invalidField, notFound } from '../../errors.ts';
import { decodeCursor, toPage } from '../../lib/cursor.ts';
import type { Clock } from '../../lib/time.ts';
import type { AccessService } from '../access/access.service.ts';
import type { Reader, UserPrincipal } from '../auth/principal.ts';
import { attemptSummaries } from './attempt-summaries.ts';
import { createBacklogRepository } from './backlog.repository.ts';
import { missionAttempts } from './mission-attempts.ts';
import type { MissionDocs } from './mission-docs.ts';
import { createMissionEventsRepository } from './mission-events.repository.ts';
import { checkDependencies, checkReferences } from './mission-references.ts';
import { createMissionsRepository, type MissionRow } from './missions.repository.ts';
import { toMissionEvent } from './missions.serializers.ts';
import { presentMissions } from './mission-presenter.ts';

// Bounded like the columns they are compared with: list_order is numeric(20,10), seq an int4.
const columnCursor = z.object({ l: missionListSchema, o: z.number().gt(-1e10).lt(1e10), i: idSchema });
/** A page of events carries at most about this much event data (and always at least one event). */
export const EVENT_PAGE_MAX_BYTES = 4 * 1024 * 1024;
const eventCursor = z.object({ s: z.number().int().min(0).max(2_147_483_647) });

/** Creating, reading, editing and listing missions; moves and reviews live in mission-board.service. */
export function createMissionsService(db: Db, access: AccessService, clock: Clock, docs: MissionDocs) {
  const withDeps = (tx: Db | Tx, rows: MissionRow[]) => presentMissions(tx, rows, clock.now());

  return {
    async create(caller: UserPrincipal, projectId: string, input: CreateMissionInput) {
      await access.requireProject(caller, projectId, 'write');
      return db.transaction(async (tx) => {
        const { stages } = await checkReferences(tx, projectId, input);
        const deps = await checkDependencies(tx, projectId, undefined, input.dependsOn);
        const repo = createMissionsRepository(tx);
        const now = clock.now();
        const mission = await repo.insert({
          projectId,
          title: input.title,
          description: input.description,
          clarification: input.clarification,
          priority: input.priority,
          ready: input.ready,
          flowId: input.flowId,
          stage: stages[0]!.name,
          actorId: input.actorId,
          repositoryId: input.repositoryId,
          requiresReview: input.requiresReview,
          prMode: input.prMode,
          targetBranch: input.targetBranch,
          listOrder: input.listOrder ?? (await repo.endOfList(projectId, 'todo')),
          agentPermissionPolicy: input.agentPermissionPolicy ?? null,
          dependencyCount: deps.unfinished,
          createdBy: caller.userId,
          createdAt: now,
          updatedAt: now,
        });
        await repo.replaceDependencies(mission.id, deps.ids);
        await createMissionEventsRepository(tx).append(
          { missionId: mission.id, origin: 'user', kind: 'mission.created', userId: caller.userId, data: { title: mission.title, list: mission.list, ready: mission.ready, dependsOn: deps.ids } },
          now,
        );
        const [created] = await withDeps(tx, [(await repo.find(mission.id))!]);
        return created!;
      });
    },

    async get(reader: Reader, missionId: string) {
      await access.readMission(reader, missionId);
      const row = await createMissionsRepository(db).find(missionId);
      if (!row) throw notFound('mission');
      return (await withDeps(db, [row]))[0]!;
    },

    async update(caller: UserPrincipal, missionId: string, input: UpdateMissionInput) {
      await access.requireMission(caller, missionId, 'write');
      return db.transaction(async (tx) => {
        const repo = createMissionsRepository(tx);
        const before = await repo.findForUpdate(missionId);
        if (!before) throw notFound('mission');
        const flowId = input.flowId === undefined ? before.flowId : input.flowId;
        const { stages } = await checkReferences(tx, before.projectId, { ...input, flowId });
        const { dependsOn, ...fields } = input;
        const changes: Record<string, { from: unknown; to: unknown }> = {};
        for (const [key, to] of Object.entries(fields)) {
          const from = before[key as keyof MissionRow];
          if (from !== to) changes[key] = { from, to };
        }
        // A new flow restarts at its first stage unless a stage is given; a stage must exist in the flow.
        let stage = input.stage ?? (input.flowId !== undefined && input.flowId !== before.flowId ? stages[0]!.name : before.stage);
        if (!stages.some((s) => s.name === stage)) {
          if (input.stage) throw invalidField('body.stage', `not a stage of the mission's flow (${stages.map((s) => s.name).join(', ')})`);
          stage = stages[0]!.name;
        }
        if (stage !== before.stage) changes.stage = { from: before.stage, to: stage };
        let dependencyCount = before.dependencyCount;
        if (dependsOn) {
          const oldDeps = (await repo.dependencyIds([missionId])).get(missionId) ?? [];
          const deps = await checkDependencies(tx, before.projectId, missionId, dependsOn);
          await repo.replaceDependencies(missionId, deps.ids);
          dependencyCount = deps.unfinished;
          if (oldDeps.join() !== deps.ids.join()) changes.dependsOn = { from: oldDeps, to: deps.ids };
        }
        const now = clock.now();
        let after = before;
        if (Object.keys(changes).length > 0) {
          const updated = await repo.update(missionId, { ...fields, stage, dependencyCount, updatedAt: now });
          const event = await createMissionEventsRepository(tx).append(
            { missionId, origin: 'user', kind: 'mission.updated', userId: caller.userId, data: { changes } },
            now,
          );
          // The row as the append left it (it stamps the event counter), without reading it again.
          after = { ...updated, lastEventSeq: event.seq, lastEventAt: now };
        }
        // Presented inside the transaction, though that delays the commit (and so a claim's
        // NOTIFY) by its reads: the row is locked here, so no claim can move the mission between
        // the row the answer shows and its dispatch state. Read after the commit, the answer could
        // say Todo, "busy", while the mission already ran in Doing.
        return (await withDeps(tx, [after]))[0]!;
      });
    },

    async list(reader: Reader, projectId: string, q: { list?: MissionList; ready?: boolean; limit: number; cursor?: string }) {
      const { access: has } = await access.readProject(reader, projectId);
      // Outside a public project (signed in or anonymous): its Done column only.
      if (has === 'public' && q.list !== undefined && q.list !== 'done') return { items: [], nextCursor: null };
      if (has === 'public') q = { ...q, list: 'done' };
      const after = q.cursor ? decodeCursor(q.cursor, columnCursor) : undefined;
      const rows = await createMissionsRepository(db).column({
        projectId, list: q.list, ready: q.ready, limit: q.limit,
        after: after && { list: after.l, listOrder: after.o, id: after.i },
      });
      const page = toPage(rows, q.limit, (r) => r, (r) => ({ l: r.list, o: Number(r.listOrder), i: r.id }));
      return { items: await withDeps(db, page.items), nextCursor: page.nextCursor };
    },

    async events(caller: UserPrincipal, missionId: string, q: { after: number; limit: number; cursor?: string }) {
      await access.requireMission(caller, missionId, 'read');
      const after = q.cursor ? decodeCursor(q.cursor, eventCursor).s : q.after;
      const { rows, limit } = await createMissionEventsRepository(db).list(missionId, after, q.limit, EVENT_PAGE_MAX_BYTES);
      const page = toPage(rows, limit, toMissionEvent, (r) => ({ s: r.seq }));
      return page;
    },

    /** The mission's stored docs (solution.md, tasks/{n}.md) as the agents last wrote them. */
    async docs(reader: Reader, missionId: string) {
      await access.readMission(reader, missionId);
      return docs.read(missionId);
    },

    /** The mission's attempts, newest first, with what their agents used. */
    async attempts(caller: UserPrincipal, missionId: string) {
      await access.requireMission(caller, missionId, 'read');
      return missionAttempts(db, missionId);
    },

    /** The card badges of many missions of a project at once (see attempt-summaries.ts). */
    async attemptSummaries(caller: UserPrincipal, projectId: string, missionIds: string[]) {
      await access.requireProject(caller, projectId, 'read');
      return attemptSummaries(db, projectId, missionIds);
    },

    /** Hot path (the fallback trigger, polled by boards and scripts): access and count in one query. */
    async backlog(caller: UserPrincipal, projectId: string) {
      const row = await createBacklogRepository(db).checkWithAccess(caller.userId, projectId);
      access.decideProject(caller, row, 'read');
      return { count: row!.count, threshold: row!.threshold };
    },
  };
}
export type MissionsService = ReturnType<typeof createMissionsService>;
