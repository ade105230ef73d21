import { newId } from '@solo-unicorn/shared';
import { and, eq, inArray } from 'drizzle-orm';
import { notifications, organizationMemberships, projectMembers, projects } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';
import { publishNotificationEvents } from './notification-events.ts';
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
  return notifyUsers(db, { ...n, organizationId: project.organizationId, title: n.title(project.name) }, admins, at);
}

/**
 * Notifies these people (every notification goes through here): one who turned the kind off in
 * this organization gets nothing; one inside their quiet hours gets it held (listed and counted
 * from the quiet end). Returns how many were written.
 */
export async function notifyUsers(
  db: Executor,
  n: { organizationId: string; projectId?: string; missionId?: string; kind: string; segment: string; title: string; body?: string; data?: Record<string, unknown> },
  userIds: string[],
  at: Date,
): Promise<number> {
  const muted = await mutedRecipients(db, n.organizationId, n.kind, userIds);
  const recipients = userIds.filter((userId) => !muted.has(userId));
  if (recipients.length === 0) return 0;
  const settingsOf = await recipientSettings(db, recipients);
  const rows = recipients.map((userId) => {
    const { quiet, timeZone } = settingsOf(userId);
    const heldUntil = quiet ? quietPeriodEnd(at, quiet, timeZone) ?? null : null;
    return {
      id: newId(), userId, organizationId: n.organizationId, projectId: n.projectId ?? null, missionId: n.missionId ?? null,
      kind: n.kind, segment: n.segment, title: n.title.slice(0, 500), body: n.body ?? null,
      data: n.data ?? {}, createdAt: at, heldUntil, ...(heldUntil ? { visibleAt: heldUntil } : {}),
    };
  });
  await db.insert(notifications).values(rows);
  // Live inboxes hear of it on commit (a held one too: it is listed as waiting, and its release is timed from it).
  await publishNotificationEvents(db, 'notification.created', rows.map((row) => ({ userId: row.userId, data: createdEvent(row) })));
  return recipients.length;
}

/**
 * What the channel says of a new notification: which one and where, not what it says. The realtime
 * log is kept after a person is deleted, so their titles and bodies (an email in an access
 * request) stay in notifications alone; a listener fetches them with GET /notifications.
 */
const createdEvent = (n: { id: string; kind: string; segment: string; organizationId: string; projectId: string | null; missionId: string | null; heldUntil: Date | null; createdAt: Date }) => ({
  id: n.id, kind: n.kind, segment: n.segment, organizationId: n.organizationId, projectId: n.projectId, missionId: n.missionId,
  heldUntil: n.heldUntil?.toISOString() ?? null, createdAt: n.createdAt.toISOString(),
});
