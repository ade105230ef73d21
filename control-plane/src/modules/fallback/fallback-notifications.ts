import { newId } from '@solo-unicorn/shared';
import { and, eq, inArray } from 'drizzle-orm';
import { notifications, organizationMemberships, projectMembers, projects } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';
import type { FallbackRunRow } from './fallback-runs.repository.ts';

/** A run waiting for review is a human's turn: notify the project's admins (fallback segment). */
export async function notifyReviewNeeded(db: Executor, run: FallbackRunRow, at: Date) {
  const [project] = await db.select({ organizationId: projects.organizationId, name: projects.name }).from(projects).where(eq(projects.id, run.projectId));
  if (!project) return;
  const orgAdmins = db
    .select({ userId: organizationMemberships.userId })
    .from(organizationMemberships)
    .where(and(eq(organizationMemberships.organizationId, project.organizationId), inArray(organizationMemberships.role, ['owner', 'admin'])));
  const projectAdmins = db
    .select({ userId: projectMembers.userId })
    .from(projectMembers)
    .where(and(eq(projectMembers.projectId, run.projectId), eq(projectMembers.role, 'admin')));
  const recipients = new Set([...(await orgAdmins).map((r) => r.userId), ...(await projectAdmins).map((r) => r.userId)]);
  if (recipients.size === 0) return;
  await db.insert(notifications).values(
    [...recipients].map((userId) => ({
      id: newId(), userId, organizationId: project.organizationId, projectId: run.projectId,
      kind: 'fallback.review_needed', segment: 'fallback',
      title: `${run.generatedCount} mission proposal(s) for ${project.name} await review`,
      data: { runId: run.id }, createdAt: at,
    })),
  );
}
