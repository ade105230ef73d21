import { newId } from '@solo-unicorn/shared';
import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db/types.ts';
import { rowsOf } from '../../src/db/rows.ts';

/**
 * Rows created `days` ago, tagged in action/kind ('test.<tag>'). Inserted with their age (the
 * audit table refuses updates, so a row cannot be aged afterwards).
 */
export async function seedAged(db: Db, table: 'audit_events' | 'notifications', opts: { days: number; n: number; tag: string }) {
  const at = new Date(Date.now() - opts.days * 86_400_000);
  const ids = Array.from({ length: opts.n }, () => newId());
  if (table === 'audit_events') {
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500).map((id) => sql`(${id}, 'system', ${`test.${opts.tag}`}, ${at})`);
      await db.execute(sql`INSERT INTO audit_events (id, actor_type, action, created_at) VALUES ${sql.join(chunk, sql`, `)}`);
    }
  } else {
    const userId = String(rowsOf(await db.execute(sql`SELECT id FROM users ORDER BY created_at LIMIT 1`))[0]!.id);
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500).map((id) => sql`(${id}, ${userId}, ${`test.${opts.tag}`}, 'old news', ${at})`);
      await db.execute(sql`INSERT INTO notifications (id, user_id, kind, title, created_at) VALUES ${sql.join(chunk, sql`, `)}`);
    }
  }
  return ids;
}
