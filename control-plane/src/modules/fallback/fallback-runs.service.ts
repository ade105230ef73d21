import { idSchema } from '@solo-unicorn/shared';
import type { Db } from '../../db/types.ts';
import { AppError, notFound } from '../../errors.ts';
import { decodeCursor, toPage } from '../../lib/cursor.ts';
import type { Clock } from '../../lib/time.ts';
import { z } from 'zod';
import type { AccessService } from '../access/access.service.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { toFallbackItem, toFallbackRun, toFallbackTemplate } from './fallback.serializers.ts';
import type { FallbackEngine, RunOutcome } from './fallback-engine.ts';
import { acceptItem, discardItem } from './fallback-items.ts';
import { createFallbackRunsRepository, type FallbackRunRow } from './fallback-runs.repository.ts';
import { createFallbackTemplatesRepository } from './fallback-templates.repository.ts';

// Years PostgreSQL's timestamptz and JS dates agree on (a year-0 date was a 500).
const runCursor = z.object({ s: z.iso.datetime().refine((s) => /^(19[7-9]\d|[2-9]\d{3})-/.test(s), 'out of range'), i: idSchema });
const present = (o: RunOutcome) => ({ run: toFallbackRun(o.run), items: o.items.map(toFallbackItem) });

/** Runs, proposals and the Todo column's Fallback area, as people and scripts use them. */
export function createFallbackRunsService(db: Db, access: AccessService, clock: Clock, engine: FallbackEngine) {
  const runs = createFallbackRunsRepository(db);

  async function itemForCaller(caller: UserPrincipal, itemId: string) {
    const item = await runs.findItem(itemId);
    if (!item) throw notFound('fallback item');
    try {
      await access.requireProject(caller, item.projectId, 'write');
    } catch (error) {
      if (error instanceof AppError && error.status === 404) throw notFound('fallback item');
      throw error;
    }
    return item;
  }

  async function withItems(rows: FallbackRunRow[]) {
    const items = await runs.itemsOfRuns(rows.map((r) => r.id));
    return rows.map((r) => ({ ...toFallbackRun(r), items: items.filter((i) => i.missionFallbackRunId === r.id).map(toFallbackItem) }));
  }

  return {
    async runNow(caller: UserPrincipal, projectId: string, trigger: 'manual' | 'api') {
      await access.requireProject(caller, projectId, 'write');
      return present((await engine.run(projectId, trigger, { userId: caller.userId }))!);
    },

    async launch(caller: UserPrincipal, projectId: string, templateId: string, trigger: 'manual' | 'api') {
      await access.requireProject(caller, projectId, 'write');
      const template = await createFallbackTemplatesRepository(db).find(projectId, templateId);
      if (!template) throw notFound('template');
      if (!template.enabled) throw new AppError(409, 'SU_ERR_FALLBACK_TEMPLATE_DISABLED', 'the template is disabled; enable it to launch it');
      const outcome = (await engine.run(projectId, trigger, { userId: caller.userId, template }))!;
      if (outcome.run.status === 'errored') throw new Error(`launch failed: ${outcome.run.error}`);
      return present(outcome);
    },

    async accept(caller: UserPrincipal, itemId: string) {
      await itemForCaller(caller, itemId);
      const decided = await db.transaction((tx) => acceptItem(tx, itemId, clock.now(), caller.userId));
      await engine.afterDecision(decided);
      return toFallbackItem(decided.item);
    },

    async discard(caller: UserPrincipal, itemId: string, feedback?: string) {
      await itemForCaller(caller, itemId);
      const decided = await db.transaction((tx) => discardItem(tx, itemId, clock.now(), caller.userId, feedback));
      await engine.afterDecision(decided);
      return toFallbackItem(decided.item);
    },

    async area(caller: UserPrincipal, projectId: string) {
      await access.requireProject(caller, projectId, 'read');
      const [templates, proposals] = await Promise.all([
        createFallbackTemplatesRepository(db).list(projectId, { enabledOnly: true }),
        runs.openProposals(projectId),
      ]);
      const now = clock.now();
      return { templates: templates.map((t) => toFallbackTemplate(t, now)), proposals: proposals.map(toFallbackItem) };
    },

    async listRuns(caller: UserPrincipal, projectId: string, q: { limit: number; cursor?: string }) {
      await access.requireProject(caller, projectId, 'read');
      const before = q.cursor ? decodeCursor(q.cursor, runCursor) : undefined;
      const rows = await runs.listRuns(projectId, q.limit, before && { startedAt: new Date(before.s), id: before.i });
      const page = toPage(rows, q.limit, (r) => r, (r) => ({ s: r.startedAt.toISOString(), i: r.id }));
      return { items: await withItems(page.items), nextCursor: page.nextCursor };
    },

    async getRun(caller: UserPrincipal, projectId: string, runId: string) {
      await access.requireProject(caller, projectId, 'read');
      const run = await runs.findRun(projectId, runId);
      if (!run) throw notFound('fallback run');
      return (await withItems([run]))[0]!;
    },
  };
}
export type FallbackRunsService = ReturnType<typeof createFallbackRunsService>;
