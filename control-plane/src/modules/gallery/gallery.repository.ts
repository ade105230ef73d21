import { and, eq, sql } from 'drizzle-orm';
import { projectStars } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';
import { rowsOf } from '../../db/rows.ts';

export type GallerySort = 'stars' | 'activity';

export interface GalleryRow {
  id: string; organization_id: string; name: string; description: string | null;
  stars: number; starred: boolean; last_activity_at: Date | string;
}

/** LIKE pattern for a name search: the user's text matched literally. */
const containing = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function createGalleryRepository(db: Executor) {
  return {
    /** Starring twice is starring once. */
    async star(userId: string, projectId: string, at: Date) {
      await db.insert(projectStars).values({ userId, projectId, createdAt: at }).onConflictDoNothing();
    },

    async unstar(userId: string, projectId: string) {
      await db.delete(projectStars).where(and(eq(projectStars.userId, userId), eq(projectStars.projectId, projectId)));
    },

    async stars(userId: string, projectId: string) {
      const [row] = rowsOf(await db.execute(sql`
        SELECT count(*)::int AS n, bool_or(user_id = ${userId}) AS mine FROM project_stars WHERE project_id = ${projectId}`));
      return { count: Number(row?.n ?? 0), starred: row?.mine === true };
    },

    /**
     * Public projects, by name search, most starred or most recently active first (activity: the
     * newest mission event, else the project's own last change). Ties go by id, so pages are stable.
     * Without a user (an anonymous reader): only the projects that allow anonymous reading, none starred.
     */
    async list(opts: { userId: string | null; q?: string; sort: GallerySort; limit: number; offset: number }) {
      const order = opts.sort === 'stars' ? sql`stars DESC, last_activity_at DESC, id` : sql`last_activity_at DESC, stars DESC, id`;
      return rowsOf(await db.execute(sql`
        SELECT p.id, p.organization_id, p.name, p.description,
               (SELECT count(*)::int FROM project_stars s WHERE s.project_id = p.id) AS stars,
               ${opts.userId === null ? sql`false` : sql`EXISTS (SELECT 1 FROM project_stars s WHERE s.project_id = p.id AND s.user_id = ${opts.userId})`} AS starred,
               greatest(p.updated_at, (SELECT max(m.last_event_at) FROM missions m WHERE m.project_id = p.id)) AS last_activity_at
          FROM projects p
         WHERE p.visibility = 'public' ${opts.userId === null ? sql`AND p.anonymous_read` : sql``} ${opts.q ? sql`AND p.name ILIKE ${containing(opts.q)}` : sql``}
         ORDER BY ${order}
         LIMIT ${opts.limit + 1} OFFSET ${opts.offset}`)) as unknown as GalleryRow[];
    },
  };
}
