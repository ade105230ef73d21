import { sql } from 'drizzle-orm';
import type { Db } from '../../db/types.ts';
import type { Principal } from '../auth/principal.ts';
import { rowsOf } from '../../db/rows.ts';

export type Tier = 'anonymous' | 'user' | 'contributor' | 'admin';
/** Requests per window by tier; null: no limit. */
export type TierLimits = Record<Tier, number | null>;
export const defaultTierLimits: TierLimits = { anonymous: 100, user: 1000, contributor: 5000, admin: null };

/** `anonymous=100,user=1000,contributor=5000,admin=none` → limits (unnamed tiers keep their default). */
export function parseTierLimits(text: string): TierLimits | undefined {
  const limits = { ...defaultTierLimits };
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(anonymous|user|contributor|admin)=(\d{1,9}|none)$/.exec(part);
    if (!m) return undefined;
    limits[m[1] as Tier] = m[2] === 'none' ? null : Number(m[2]);
  }
  return limits;
}

/**
 * A caller's tier: the instance admin; a contributor (a member or more of an organization, or a
 * member or admin of a project); any other signed-in user; anyone else. Looked up once a minute
 * per user: a role change takes effect within that.
 */
export function createTierLookup(db: Db) {
  const cache = new Map<string, { tier: Tier; until: number }>();
  return async function tierOf(principal: Principal | null, now: number): Promise<Tier> {
    if (!principal || principal.kind !== 'user') return 'anonymous';
    if (principal.isInstanceAdmin) return 'admin';
    const hit = cache.get(principal.userId);
    if (hit && hit.until > now) return hit.tier;
    const [row] = rowsOf(await db.execute(sql`
      SELECT EXISTS (SELECT 1 FROM organization_memberships WHERE user_id = ${principal.userId} AND role IN ('owner', 'admin', 'member'))
          OR EXISTS (
            -- A project role counts where it grants access: an override of the organization's member, or an outside collaborator's.
            SELECT 1 FROM project_members pm JOIN projects p ON p.id = pm.project_id
             WHERE pm.user_id = ${principal.userId} AND pm.role IN ('admin', 'member')
               AND (pm.outside OR EXISTS (SELECT 1 FROM organization_memberships om WHERE om.organization_id = p.organization_id AND om.user_id = pm.user_id))
          ) AS contributor`));
    const tier: Tier = row?.contributor === true ? 'contributor' : 'user';
    if (cache.size > 10_000) cache.clear();
    cache.set(principal.userId, { tier, until: now + 60_000 });
    return tier;
  };
}
