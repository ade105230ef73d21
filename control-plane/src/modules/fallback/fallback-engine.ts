import { newId } from '@solo-unicorn/shared';
import type { Db, Tx } from '../../db/types.ts';
import { AppError } from '../../errors.ts';
import { isoWeekStart, monthStart } from './calendar.ts';
import { planRun } from './planning.ts';
import type { Clock } from '../../lib/time.ts';
import { createBacklogRepository } from '../missions/backlog.repository.ts';
import { recordFallbackActivity } from './fallback-activity.repository.ts';
import { createFallbackConfigRepository, type FallbackConfigRow } from './fallback-config.repository.ts';
import { acceptItem, type Decided, summarizeRun } from './fallback-items.ts';
import { notifyReviewNeeded } from './fallback-notifications.ts';
import { createFallbackReports, reportRelativePath } from './fallback-report.ts';
import { createFallbackRunsRepository, type FallbackItemRow, type FallbackRunRow } from './fallback-runs.repository.ts';
import { createFallbackTemplatesRepository, type FallbackTemplateRow } from './fallback-templates.repository.ts';

export type Trigger = 'automatic' | 'manual' | 'api';

export interface RunOutcome {
  run: FallbackRunRow;
  items: FallbackItemRow[];
}

export interface EngineDeps {
  db: Db;
  clock: Clock;
  docsDir: string;
  log?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

/**
 * Runs Mission Fallback for one project, whole or not at all: the run, its items, auto-accepts,
 * template usage and the report are written together; if anything fails the transaction rolls
 * back and an `errored` run with the reason is recorded instead. Realtime subscribers hear of
 * changes through the database (on commit), not from here.
 */
export function createFallbackEngine(deps: EngineDeps) {
  const reports = createFallbackReports(deps.docsDir);

  /** After a decision commits: refresh the run's report with the outcomes. */
  async function afterDecision(decided: Decided) {
    const runs = createFallbackRunsRepository(deps.db);
    const run = await runs.findRun(decided.item.projectId, decided.item.missionFallbackRunId);
    if (!run) return;
    await reports.updateOutcomes(run, await runs.itemsOfRuns([run.id]), deps.clock.now()).catch((err) => {
      deps.log?.warn({ err, runId: run.id }, 'fallback report could not be updated');
    });
  }

  async function planFor(tx: Tx, projectId: string, config: FallbackConfigRow, now: Date, only?: FallbackTemplateRow) {
    const runs = createFallbackRunsRepository(tx);
    const backlog = await createBacklogRepository(tx).check(projectId);
    const open = await runs.openProposals(projectId);
    const usage = await runs.usage(projectId, isoWeekStart(now), monthStart(now));
    const templates = only ? [only] : await createFallbackTemplatesRepository(tx).list(projectId, { enabledOnly: true });
    const openTemplates = new Set(open.map((i) => i.templateId));
    const plan = planRun({
      backlogCount: backlog.count,
      backlogThreshold: config.backlogThreshold,
      openProposals: open.length,
      openProposalMinutes: open.reduce((sum, i) => sum + (i.estimatedEffortMinutes ?? 0), 0),
      weeklyMissionCap: config.weeklyMissionCap,
      acceptedThisWeek: usage.acceptedThisWeek,
      monthlyTargetHours: config.monthlyTargetHours,
      acceptedMinutesThisMonth: usage.acceptedMinutesThisMonth,
      templates: templates.map((t) => ({ ...t, hasOpenProposal: !only && openTemplates.has(t.id) })),
      now,
    });
    return { plan, backlog: { count: backlog.count, threshold: config.backlogThreshold, openProposals: open.length }, templates };
  }

  async function recordErrored(projectId: string, trigger: Trigger, error: unknown): Promise<RunOutcome> {
    const now = deps.clock.now();
    const reason = error instanceof Error ? error.message : String(error);
    deps.log?.error({ err: error, projectId }, 'fallback run failed');
    const id = newId();
    const run = await deps.db.transaction(async (tx) => {
      const row = await createFallbackRunsRepository(tx).insertRun({
        id, projectId, triggeredBy: trigger, status: 'errored', error: reason, startedAt: now, completedAt: now, reportPath: reportRelativePath(id),
      });
      await recordFallbackActivity(tx, projectId, 'run.errored', { runId: id, error: reason }, now);
      return row;
    });
    await reports.write({ run, config: null, backlog: null, plan: null, items: [], error: reason, at: now }).catch(() => {});
    return { run, items: [] };
  }

  return {
    reports,
    afterDecision,

    /**
     * A run for the project. Automatic runs respect the admission gate (none while a run awaits
     * review) and leave no row when there is nothing to propose; manual and api runs always
     * record one, so the person who asked sees why nothing was proposed.
     */
    async run(projectId: string, trigger: Trigger, opts: { userId?: string; template?: FallbackTemplateRow } = {}): Promise<RunOutcome | null> {
      const now = deps.clock.now();
      const runId = newId();
      let reportWritten = false;
      try {
        const outcome = await deps.db.transaction(async (tx) => {
          const configs = createFallbackConfigRepository(tx);
          const config = await configs.lock(projectId); // one run per project at a time
          const runs = createFallbackRunsRepository(tx);
          if (trigger === 'automatic' && (await runs.hasRunAwaitingReview(projectId))) return null;
          const { plan, backlog } = await planFor(tx, projectId, config, now, opts.template);
          const chosen = opts.template ? [opts.template] : plan.chosen;
          if (trigger === 'automatic' && chosen.length === 0) return null;
          await runs.insertRun({
            id: runId, projectId, triggeredBy: trigger, status: chosen.length > 0 ? 'awaiting_review' : 'completed',
            completedAt: chosen.length > 0 ? null : now, backlogCountBefore: backlog.count, backlogThreshold: config.backlogThreshold,
            startedAt: now, reportPath: reportRelativePath(runId),
          });
          const items = await runs.insertItems(chosen.map((t) => ({
            missionFallbackRunId: runId, templateId: t.id, projectId, title: t.name,
            description: [t.description, t.acceptanceCriteria && `Acceptance criteria:\n${t.acceptanceCriteria}`].filter(Boolean).join('\n\n') || null,
            flowId: t.flowId, actorId: t.actorId, repositoryId: t.repositoryId, priority: t.priority,
            estimatedEffortMinutes: t.estimatedEffortMinutes, createdAt: now, updatedAt: now,
          })));
          await createFallbackTemplatesRepository(tx).markProposed(chosen.map((t) => t.id), now);
          await configs.update(projectId, { lastRunAt: now });
          await recordFallbackActivity(tx, projectId, 'run.created', { runId, triggeredBy: trigger, generated: items.length }, now, opts.userId);

          // A launch is accepted at once; auto-accept accepts what the weekly cap allows, each in
          // its own savepoint so a cap refusal keeps the rest of the run.
          if (opts.template || config.autoAccept) {
            for (const item of items) {
              try {
                await tx.transaction((sp) => acceptItem(sp, item.id, now, opts.userId ?? null));
              } catch (error) {
                if (opts.template || !(error instanceof AppError && error.code === 'SU_ERR_FALLBACK_WEEKLY_CAP')) throw error;
                break;
              }
            }
          }
          const run = (await runs.findRun(projectId, runId))!;
          if (run.status === 'completed' && chosen.length === 0) await summarizeRun(tx, projectId, runId, now);
          if (run.status === 'awaiting_review') await notifyReviewNeeded(tx, run, now);
          const finalItems = await runs.itemsOfRuns([runId]);
          // The report is written before commit: if the docs root cannot take it, nothing is kept.
          reportWritten = true; // from here a rollback must also take the report back
          await reports.write({ run, config, backlog, plan, items: finalItems, at: now });
          return { run, items: finalItems };
        });
        return outcome;
      } catch (error) {
        if (error instanceof AppError && error.status < 500) throw error;
        if (reportWritten) await reports.remove(runId).catch(() => {});
        return recordErrored(projectId, trigger, error);
      }
    },
  };
}
export type FallbackEngine = ReturnType<typeof createFallbackEngine>;
