import type { Executor } from '../../db/types.ts';
import { notifyProjectAdmins } from '../notifications/notify.ts';
import type { FallbackRunRow } from './fallback-runs.repository.ts';

/** A run waiting for review is a human's turn: notify the project's admins (fallback segment). */
export async function notifyReviewNeeded(db: Executor, run: FallbackRunRow, at: Date) {
  await notifyProjectAdmins(db, {
    projectId: run.projectId, kind: 'fallback.review_needed', segment: 'fallback',
    title: (name) => `${run.generatedCount} mission proposal(s) for ${name} await review`,
    data: { runId: run.id },
  }, at);
}
