import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Plan } from './planning.ts';
import { toFallbackConfig, toFallbackItem, toFallbackRun } from './fallback.serializers.ts';
import type { FallbackConfigRow } from './fallback-config.repository.ts';
import type { FallbackItemRow, FallbackRunRow } from './fallback-runs.repository.ts';

/** Where a run's report lives, relative to the docs root (the value of runs.report_path). */
export const reportRelativePath = (runId: string) => join('fallback', `${runId}.json`);

export interface RunReport {
  run: ReturnType<typeof toFallbackRun>;
  config: ReturnType<typeof toFallbackConfig> | null;
  backlog: { count: number; threshold: number; openProposals: number } | null;
  limits: { deficit: number; weeklyRoom: number; monthlyRoomMinutes: number } | null;
  templatesConsidered: Plan['decisions'];
  items: ReturnType<typeof toFallbackItem>[];
  error?: string;
  writtenAt: string;
}

/** Writes the report atomically (temp file + rename): a reader never sees half a file. */
async function writeAtomically(path: string, content: string) {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, path);
}

export function createFallbackReports(docsDir: string) {
  const pathOf = (runId: string) => join(docsDir, reportRelativePath(runId));
  return {
    pathOf,
    async write(input: {
      run: FallbackRunRow;
      config: FallbackConfigRow | null;
      backlog: RunReport['backlog'];
      plan: Plan | null;
      items: FallbackItemRow[];
      error?: string;
      at: Date;
    }) {
      const report: RunReport = {
        run: toFallbackRun(input.run),
        config: input.config ? toFallbackConfig(input.config) : null,
        backlog: input.backlog,
        limits: input.plan ? { deficit: input.plan.deficit, weeklyRoom: input.plan.weeklyRoom, monthlyRoomMinutes: input.plan.monthlyRoomMinutes } : null,
        templatesConsidered: input.plan?.decisions ?? [],
        items: input.items.map(toFallbackItem),
        ...(input.error ? { error: input.error } : {}),
        writtenAt: input.at.toISOString(),
      };
      await writeAtomically(pathOf(input.run.id), `${JSON.stringify(report, null, 2)}\n`);
    },
    /** Refreshes the run and item outcomes in an existing report, keeping what the run saw. */
    async updateOutcomes(run: FallbackRunRow, items: FallbackItemRow[], at: Date) {
      const path = pathOf(run.id);
      const report = JSON.parse(await readFile(path, 'utf8')) as RunReport;
      report.run = toFallbackRun(run);
      report.items = items.map(toFallbackItem);
      report.writtenAt = at.toISOString();
      await writeAtomically(path, `${JSON.stringify(report, null, 2)}\n`);
    },
    async remove(runId: string) {
      await rm(pathOf(runId), { force: true });
    },
  };
}
export type FallbackReports = ReturnType<typeof createFallbackReports>;
