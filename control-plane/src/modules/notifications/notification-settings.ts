import { newId } from '@solo-unicorn/shared';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { notificationPreferences, notificationSettings } from '../../db/schema/index.ts';
import { rowsOf } from '../../db/rows.ts';
import type { Executor } from '../../db/types.ts';
import { invalidField, notFound } from '../../errors.ts';
import { formatClockTime, parseClockTime, type QuietHours } from './quiet-hours.ts';

/** Every kind the control plane sends, with what it means: the choices a person has. */
export const NOTIFICATION_KINDS: Readonly<Record<string, string>> = {
  'fallback.review_needed': 'A Mission Fallback run has proposals waiting for review',
  'project.budget_reached': "A project's monthly agent budget is spent and dispatch is parked",
  'pr.failed': 'A pull request could not be opened',
  'pr.closed': 'A pull request was closed without merging',
  'pr.feedback_cap_reached': 'A pull request reached its cap of review cycles',
  'access_request.created': 'Someone asks for a role on a project you administer',
  'access_request.approved': 'Your request for access to a project was approved',
  'access_request.declined': 'Your request for access to a project was declined',
};

export interface KindChoice { organizationId: string; kind: string; description: string; enabled: boolean }
export interface NotificationSettingsView {
  timeZone: string;
  quietHours: { start: string; end: string } | null;
  weeklyDigest: boolean;
  kinds: KindChoice[];
}
export interface SettingsPatch {
  timeZone?: string;
  quietHours?: { start: string; end: string } | null;
  weeklyDigest?: boolean;
  kinds?: { organizationId: string; kind: string; enabled: boolean }[];
}

/** What a person stored, or the defaults: UTC, no quiet hours, the digest on. */
export async function recipientSettings(db: Executor, userIds: string[]) {
  const rows = userIds.length === 0 ? [] : await db.select().from(notificationSettings).where(inArray(notificationSettings.userId, userIds));
  const byUser = new Map(rows.map((r) => [r.userId, r]));
  return (userId: string): { timeZone: string; quiet: QuietHours | undefined } => {
    const r = byUser.get(userId);
    const quiet = r?.quietStartMinute != null && r.quietEndMinute != null ? { startMinute: r.quietStartMinute, endMinute: r.quietEndMinute } : undefined;
    return { timeZone: r?.timeZone ?? 'UTC', quiet };
  };
}

/** The people among `userIds` who turned `kind` off in this organization. */
export async function mutedRecipients(db: Executor, organizationId: string, kind: string, userIds: string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows = await db.select({ userId: notificationPreferences.userId }).from(notificationPreferences).where(and(
    eq(notificationPreferences.organizationId, organizationId), eq(notificationPreferences.kind, kind),
    eq(notificationPreferences.channel, 'in_app'), eq(notificationPreferences.enabled, false), inArray(notificationPreferences.userId, userIds),
  ));
  return new Set(rows.map((r) => r.userId));
}

/** What reaches someone outside an organization: the answers to their own access requests. */
const OUTSIDER_KINDS = ['access_request.approved', 'access_request.declined'];

/**
 * The organizations whose notifications a person can turn off, and whether they belong to each:
 * theirs; those with a project they collaborate on from outside; those they asked for access to
 * a project of (the answer is notified). Only these: naming another would say it exists. (Only
 * an outside collaborator's project role counts: a row left behind grants nothing.)
 */
async function organizationsReaching(db: Executor, userId: string): Promise<Map<string, boolean>> {
  const rows = rowsOf(await db.execute(sql`
    SELECT id, bool_or(member) AS member FROM (
      SELECT organization_id AS id, true AS member FROM organization_memberships WHERE user_id = ${userId}
      UNION ALL SELECT p.organization_id, false FROM project_members pm JOIN projects p ON p.id = pm.project_id WHERE pm.user_id = ${userId} AND pm.outside
      UNION ALL SELECT p.organization_id, false FROM access_requests ar JOIN projects p ON p.id = ar.project_id WHERE ar.user_id = ${userId}
    ) reaching GROUP BY id ORDER BY id COLLATE "C"`));
  return new Map(rows.map((r) => [String(r.id), r.member === true]));
}

/** The kinds that can reach a person in an organization: all for a member, an outsider's few otherwise. */
const kindsFor = (member: boolean) => Object.entries(NOTIFICATION_KINDS).filter(([kind]) => member || OUTSIDER_KINDS.includes(kind));

export async function readSettings(db: Executor, userId: string): Promise<NotificationSettingsView> {
  const [row] = await db.select().from(notificationSettings).where(eq(notificationSettings.userId, userId));
  const orgs = await organizationsReaching(db, userId);
  const prefs = orgs.size === 0 ? [] : await db.select().from(notificationPreferences)
    .where(and(eq(notificationPreferences.userId, userId), eq(notificationPreferences.channel, 'in_app'), inArray(notificationPreferences.organizationId, [...orgs.keys()])));
  const enabled = new Map(prefs.map((p) => [`${p.organizationId} ${p.kind}`, p.enabled]));
  return {
    timeZone: row?.timeZone ?? 'UTC',
    quietHours: row?.quietStartMinute != null && row.quietEndMinute != null
      ? { start: formatClockTime(row.quietStartMinute), end: formatClockTime(row.quietEndMinute) } : null,
    weeklyDigest: row?.weeklyDigest ?? true,
    kinds: [...orgs].flatMap(([organizationId, member]) => kindsFor(member).map(([kind, description]) => ({
      organizationId, kind, description, enabled: enabled.get(`${organizationId} ${kind}`) ?? true,
    }))),
  };
}

function quietMinutes(q: { start: string; end: string }): { quietStartMinute: number; quietEndMinute: number } {
  const start = parseClockTime(q.start);
  const end = parseClockTime(q.end);
  if (start === undefined) throw invalidField('quietHours.start', 'expected HH:MM (24 h)');
  if (end === undefined) throw invalidField('quietHours.end', 'expected HH:MM (24 h)');
  if (start === end) throw invalidField('quietHours.end', 'must differ from start (send null to turn quiet hours off)');
  return { quietStartMinute: start, quietEndMinute: end };
}

/** Applies a partial change; kinds only for organizations that reach the person (others: 404, not a hint they exist). */
export async function updateSettings(db: Executor, userId: string, patch: SettingsPatch, now: Date): Promise<void> {
  const orgs = patch.kinds?.length ? await organizationsReaching(db, userId) : new Map<string, boolean>();
  for (const k of patch.kinds ?? []) {
    if (!(k.kind in NOTIFICATION_KINDS)) throw invalidField('kinds.kind', `unknown kind '${k.kind.slice(0, 64)}'; known: ${Object.keys(NOTIFICATION_KINDS).join(', ')}`);
    if (!orgs.has(k.organizationId)) throw notFound('organization');
  }
  const quiet = patch.quietHours === undefined ? {} : patch.quietHours === null ? { quietStartMinute: null, quietEndMinute: null } : quietMinutes(patch.quietHours);
  const changes = {
    ...(patch.timeZone === undefined ? {} : { timeZone: patch.timeZone }),
    ...(patch.weeklyDigest === undefined ? {} : { weeklyDigest: patch.weeklyDigest }),
    ...quiet,
  };
  if (Object.keys(changes).length > 0) {
    await db.insert(notificationSettings).values({ userId, ...changes, updatedAt: now })
      .onConflictDoUpdate({ target: notificationSettings.userId, set: { ...changes, updatedAt: now } });
  }
  for (const k of patch.kinds ?? []) {
    await db.insert(notificationPreferences)
      .values({ id: newId(), organizationId: k.organizationId, userId, kind: k.kind, channel: 'in_app', enabled: k.enabled, updatedAt: now })
      .onConflictDoUpdate({
        target: [notificationPreferences.organizationId, notificationPreferences.userId, notificationPreferences.kind, notificationPreferences.channel],
        set: { enabled: k.enabled, updatedAt: now },
      });
  }
}
