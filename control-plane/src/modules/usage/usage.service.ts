import type { Db } from '../../db/types.ts';
import type { Clock } from '../../lib/time.ts';
import type { AccessService } from '../access/access.service.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { createUsageRepository, monthOf, monthStart } from './usage.repository.ts';

const DAY_MS = 86_400_000;
/** Sums of numeric(14, 6) costs come back as floats: shown to the micro-dollar they were stored at. */
const usd = (n: number) => Math.round(n * 1e6) / 1e6;

/** A project's agent usage: per UTC day over a window ending today, and this month against its budget. */
export function createUsageService(db: Db, access: AccessService, clock: Clock) {
  const repo = createUsageRepository(db);
  return {
    async ofProject(caller: UserPrincipal, projectId: string, days: number) {
      await access.requireProject(caller, projectId, 'read');
      const now = clock.now();
      const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
      const first = new Date(today - (days - 1) * DAY_MS);
      const [rows, spent, budgetUsd] = [await repo.daily(projectId, first), await repo.spentSince(projectId, monthStart(now)), await repo.budgetOf(projectId)];
      const byDay = new Map(rows.map((r) => [r.day, r]));
      // Every day of the window, oldest first, zero where no agent ran: a chart needs no gaps.
      const series = Array.from({ length: days }, (_, i) => {
        const day = new Date(first.getTime() + i * DAY_MS).toISOString().slice(0, 10);
        const r = byDay.get(day);
        return {
          day, attempts: r?.attempts ?? 0, inputTokens: r?.inputTokens ?? 0, outputTokens: r?.outputTokens ?? 0,
          cacheReadTokens: r?.cacheReadTokens ?? 0, cacheWriteTokens: r?.cacheWriteTokens ?? 0, costUsd: usd(r?.costUsd ?? 0),
          turns: r?.turns ?? 0, wallMs: r?.wallMs ?? 0,
        };
      });
      const budget = budgetUsd ?? null;
      return { days: series, month: { month: monthOf(now), spentUsd: usd(spent), budgetUsd: budget, budgetReached: budget !== null && spent >= budget } };
    },
  };
}
export type UsageService = ReturnType<typeof createUsageService>;
