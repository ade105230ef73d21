import { newId } from '@solo-unicorn/shared';
import { and, eq, inArray } from 'drizzle-orm';
import { notifications, organizationMemberships, projectMembers, projects } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';
import { mutedRecipients, recipientSettings } from './notification-settings.ts';
import { quietPeriodEnd } from './quiet-hours.ts';

/**
 * Something needs a person: notify the project's admins (organization owners and admins, and the
 * project's own admins). Written in the caller's transaction, so it exists exactly when the
 * change that caused it does. A person who turned the kind off in this organization gets
 * nothing; one inside their quiet hours gets it held (listed and counted from the quiet end).
 */
export async function notifyProjectAdmins(
  db: Executor,
  n: { projectId: string; missionId?: string; kind: string; segment: string; title: (projectName: string) => string; body?: string; data?: Record<string, unknown> },
  at: Date,
): Promise<number> {
  const [project] = await db.select({ organizationId: projects.organizationId, name: projects.name }).from(projects).where(eq(projects.id, n.projectId));
  if (!project) return 0;
  const orgAdmins = db
    .select({ userId: organizationMemberships.userId })
    .from(organizationMemberships)
    .where(and(eq(organizationMemberships.organizationId, project.organizationId), inArray(organizationMemberships.role, ['owner', 'admin'])));
  // A project role counts only for a member of the organization: a row left behind grants nothing, not even mail.
  const projectAdmins = db
    .select({ userId: projectMembers.userId })
    .from(projectMembers)
    .innerJoin(organizationMemberships, and(eq(organizationMemberships.userId, projectMembers.userId), eq(organizationMemberships.organizationId, project.organizationId)))
    .where(and(eq(projectMembers.projectId, n.projectId), eq(projectMembers.role, 'admin')));
  const admins = [...new Set([...(await orgAdmins).map((r) => r.userId), ...(await projectAdmins).map((r) => r.userId)])];
  const muted = await mutedRecipients(db, project.organizationId, n.kind, admins);
  const recipients = admins.filter((userId) => !muted.has(userId));
  if (recipients.length === 0) return 0;
  const settingsOf = await recipientSettings(db, recipients);
  await db.insert(notifications).values(
    recipients.map((userId) => {
      const { quiet, timeZone } = settingsOf(userId);
      const heldUntil = quiet ? quietPeriodEnd(at, quiet, timeZone) ?? null : null;
      return {
        id: newId(), userId, organizationId: project.organizationId, projectId: n.projectId, missionId: n.missionId ?? null,
        kind: n.kind, segment: n.segment, title: n.title(project.name).slice(0, 500), body: n.body ?? null,
        data: n.data ?? {}, createdAt: at, ...(heldUntil ? { heldUntil, visibleAt: heldUntil } : {}),
      };
    }),
  );
  return recipients.length;
}
