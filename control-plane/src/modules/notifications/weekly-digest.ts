import { newId } from '@solo-unicorn/shared';
import { sql } from 'drizzle-orm';
import { notificationDigests } from '../../db/schema/index.ts';
import type { Db, Tx } from '../../db/types.ts';
import { rowsOf } from '../../db/rows.ts';

/** Advisory lock the digest job holds per batch: one process assembles at a time (next to retention's 7_878_10x). */
export const DIGEST_LOCK_KEY = 7_878_201;
/** Newest notifications a digest lists by title; the counts cover all of them. */
export const DIGEST_TOP = 20;

interface DueWeek { userId: string; timeZone: string; weekStart: string; periodStart: Date; periodEnd: Date }
export interface DigestSummary {
  total: number;
  unreadAtAssembly: number;
  byKind: Record<string, number>;
  byProject: { projectId: string | null; name: string; count: number }[];
  latest: { id: string; kind: string; title: string; projectId: string | null; missionId: string | null; createdAt: string }[];
}

/**
 * People owed a digest for the last full week (Monday 00:00 to Monday 00:00 in their time zone,
 * UTC by default) who had at least one notification in it, have the digest on, and have none
 * for that week yet. Weeks are computed in SQL so every process agrees on them.
 */
async function dueWeeks(tx: Tx, now: Date, limit: number): Promise<DueWeek[]> {
  const rows = rowsOf(await tx.execute(sql`
    WITH u AS (
      SELECT us.id AS user_id, coalesce(s.time_zone, 'UTC') AS tz,
             date_trunc('week', ${now.toISOString()}::timestamptz AT TIME ZONE coalesce(s.time_zone, 'UTC')) - interval '7 days' AS local_start
        FROM users us LEFT JOIN notification_settings s ON s.user_id = us.id
       WHERE coalesce(s.weekly_digest, true)
    ), w AS (
      SELECT user_id, tz, local_start::date AS week_start, local_start AT TIME ZONE tz AS period_start,
             (local_start + interval '7 days') AT TIME ZONE tz AS period_end
        FROM u
    )
    SELECT w.user_id, w.tz, w.week_start::text AS week_start, w.period_start, w.period_end FROM w
     WHERE NOT EXISTS (SELECT 1 FROM notification_digests d WHERE d.user_id = w.user_id AND d.week_start = w.week_start)
       AND EXISTS (SELECT 1 FROM notifications n WHERE n.user_id = w.user_id AND n.created_at >= w.period_start AND n.created_at < w.period_end)
     ORDER BY w.user_id LIMIT ${limit}`));
  return rows.map((r) => ({
    userId: String(r.user_id), timeZone: String(r.tz), weekStart: String(r.week_start),
    periodStart: new Date(r.period_start as string), periodEnd: new Date(r.period_end as string),
  }));
}

async function summarize(tx: Tx, w: DueWeek): Promise<DigestSummary> {
  const inWeek = sql`n.user_id = ${w.userId} AND n.created_at >= ${w.periodStart.toISOString()}::timestamptz AND n.created_at < ${w.periodEnd.toISOString()}::timestamptz`;
  const kinds = rowsOf(await tx.execute(sql`SELECT n.kind, count(*)::int AS c, count(*) FILTER (WHERE n.read_at IS NULL)::int AS unread FROM notifications n WHERE ${inWeek} GROUP BY n.kind ORDER BY n.kind`));
  const projects = rowsOf(await tx.execute(sql`
    SELECT n.project_id, coalesce(p.name, '(no project)') AS name, count(*)::int AS c
      FROM notifications n LEFT JOIN projects p ON p.id = n.project_id WHERE ${inWeek}
     GROUP BY n.project_id, p.name ORDER BY c DESC, name`));
  const latest = rowsOf(await tx.execute(sql`
    SELECT n.id, n.kind, n.title, n.project_id, n.mission_id, n.created_at FROM notifications n WHERE ${inWeek}
     ORDER BY n.created_at DESC, n.id DESC LIMIT ${DIGEST_TOP}`));
  return {
    total: kinds.reduce((a, k) => a + Number(k.c), 0),
    unreadAtAssembly: kinds.reduce((a, k) => a + Number(k.unread), 0),
    byKind: Object.fromEntries(kinds.map((k) => [String(k.kind), Number(k.c)])),
    byProject: projects.map((p) => ({ projectId: (p.project_id as string | null) ?? null, name: String(p.name), count: Number(p.c) })),
    latest: latest.map((n) => ({
      id: String(n.id), kind: String(n.kind), title: String(n.title), projectId: (n.project_id as string | null) ?? null,
      missionId: (n.mission_id as string | null) ?? null, createdAt: new Date(n.created_at as string).toISOString(),
    })),
  };
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** Subject and plain-text body, as an e-mail would carry them. */
export function renderDigest(weekStart: string, s: DigestSummary): { subject: string; text: string } {
  const subject = `Solo Unicorn: ${plural(s.total, 'notification')} in the week of ${weekStart}`;
  const lines = [
    `Your week of ${weekStart}: ${plural(s.total, 'notification')}, ${s.unreadAtAssembly} still unread.`,
    '', 'By project:', ...s.byProject.map((p) => `  ${p.name}: ${p.count}`),
    '', 'By kind:', ...Object.entries(s.byKind).map(([k, c]) => `  ${k}: ${c}`),
    '', s.total > s.latest.length ? `The newest ${s.latest.length}:` : 'All of them:',
    ...s.latest.map((n) => `  ${n.createdAt.slice(0, 16).replace('T', ' ')} UTC  ${n.title}`),
  ];
  return { subject: subject.slice(0, 200), text: lines.join('\n') };
}

/**
 * Assembles up to `limit` owed digests under the job's advisory lock; undefined when another
 * process holds it. Idempotent: a week already stored is never assembled again (and the unique
 * (user, week) index refuses a second copy even if two processes raced past the lock).
 */
export async function assembleDigestBatch(db: Db, now: Date, limit: number): Promise<number | undefined> {
  return db.transaction(async (tx) => {
    const lock = rowsOf(await tx.execute(sql`SELECT pg_try_advisory_xact_lock(${DIGEST_LOCK_KEY}) AS ok`));
    if (!lock[0]?.ok) return undefined;
    const due = await dueWeeks(tx, now, limit);
    for (const w of due) {
      const summary = await summarize(tx, w);
      const { subject, text } = renderDigest(w.weekStart, summary);
      await tx.insert(notificationDigests).values({
        id: newId(), userId: w.userId, weekStart: w.weekStart, periodStart: w.periodStart, periodEnd: w.periodEnd,
        subject, text, summary: { ...summary, timeZone: w.timeZone }, createdAt: now,
      }).onConflictDoNothing();
    }
    return due.length;
  });
}

/** Assembles every owed digest, batch by batch; `leader` false when another process was doing it. */
export async function assembleWeeklyDigests(db: Db, now: Date, batchSize = 200): Promise<{ leader: boolean; assembled: number }> {
  let assembled = 0;
  for (;;) {
    const n = await assembleDigestBatch(db, now, batchSize);
    if (n === undefined) return { leader: false, assembled };
    assembled += n;
    if (n < batchSize) return { leader: true, assembled };
  }
}
