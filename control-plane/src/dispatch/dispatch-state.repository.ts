import type { AgentInfo } from '@solo-unicorn/shared';
import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../db/types.ts';
import { rowsOf } from '../db/rows.ts';
import { sessionLiveSince } from '../sessions/settings.ts';
import type { MissionSnapshot, ProjectSnapshot, WorkstationSnapshot } from './dispatch-state.ts';

export interface DispatchContext {
  liveAttempt: MissionSnapshot['liveAttempt'];
  project: ProjectSnapshot;
}

const monthStart = (now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));

interface RawWorkstation {
  id: string;
  name: string;
  revoked: boolean;
  paused: boolean;
  pausedReason: string | null;
  visibility: 'hidden' | 'status' | 'full';
  online: boolean;
  capacity: number;
  live: number | string;
  agents: AgentInfo[] | null;
  limits: { agentType: string; until: string }[] | null;
}

/**
 * Dispatch reasons reach every reader of the project (and its realtime feed, not per reader), so a
 * hidden workstation (#18) is never named there, nor is why it was paused.
 */
const HIDDEN_NAME = 'a hidden workstation';

const toWorkstation = (w: RawWorkstation): WorkstationSnapshot => ({
  id: w.id,
  name: w.visibility === 'hidden' ? HIDDEN_NAME : w.name,
  revoked: w.revoked,
  paused: Boolean(w.paused),
  pausedReason: w.visibility === 'hidden' ? null : (w.pausedReason ?? null),
  online: w.online,
  capacity: Number(w.capacity),
  live: Number(w.live),
  // The dispatcher's rule: everything the daemon reported but what it marked unsupported.
  agents: (w.agents ?? []).filter((a) => a.status !== 'unsupported').map((a) => a.type),
  limits: (w.limits ?? []).map((l) => ({ agentType: l.agentType, until: new Date(l.until) })),
});

/**
 * What the dispatch state of these missions depends on, in ONE query whatever the number of
 * missions: per-project facts (workstations, their sessions, slots and agent limits, the project's
 * load, budget and repositories) are computed once per distinct project, not once per mission.
 * "Online" is an open daemon session in the database vouched for within the stale bound (by the
 * instance holding it), so every control-plane process agrees, and a session row a dead instance
 * left open does not count (the session sweep closes it a little later).
 * Stamp and bound are both the database's clock, so no host clock decides it.
 */
export async function loadDispatchContexts(db: Executor, missionIds: string[], now: Date): Promise<Map<string, DispatchContext>> {
  const out = new Map<string, DispatchContext>();
  if (missionIds.length === 0) return out;
  const ids = sql.join(missionIds.map((id) => sql`${id}`), sql`, `);
  const live = sql`('assigned', 'running')`;
  const liveSession = (workstation: SQL) => sql`EXISTS (SELECT 1 FROM workstation_sessions s WHERE s.workstation_id = ${workstation}
    AND s.disconnected_at IS NULL AND s.last_heartbeat_at >= ${sessionLiveSince()})`;
  const result = await db.execute(sql`
    WITH ms AS (SELECT id, project_id FROM missions WHERE id IN (${ids})),
    proj AS (
      SELECT p.id, p.default_agent, p.max_concurrent_missions, p.monthly_budget_usd::float8 AS budget,
        (SELECT count(*)::int FROM code_agent_sessions a WHERE a.project_id = p.id AND a.status IN ${live}) AS project_live,
        (SELECT count(*)::int FROM project_repositories r WHERE r.project_id = p.id) AS repositories,
        CASE WHEN p.monthly_budget_usd IS NULL THEN 0 ELSE
          (SELECT coalesce(sum(a.cost_usd), 0)::float8 FROM code_agent_sessions a WHERE a.project_id = p.id AND a.created_at >= ${monthStart(now).toISOString()}::timestamptz) END AS spent,
        (SELECT coalesce(json_agg(json_build_object(
            'id', w.id, 'name', w.name, 'revoked', w.revoked_at IS NOT NULL, 'paused', w.paused_at IS NOT NULL, 'pausedReason', w.paused_reason, 'visibility', w.visibility, 'capacity', w.max_concurrent_missions, 'agents', w.agents,
            'online', ${liveSession(sql`w.id`)},
            'live', (SELECT count(*) FROM code_agent_sessions a WHERE a.workstation_id = w.id AND a.status IN ${live}),
            'limits', (SELECT json_agg(json_build_object('agentType', l.agent_type, 'until', l.limited_until))
                         FROM workstation_agent_limits l WHERE l.workstation_id = w.id AND l.limited_until > ${now.toISOString()}::timestamptz)
          ) ORDER BY w.name), '[]'::json)
          FROM project_workstations pw JOIN workstations w ON w.id = pw.workstation_id WHERE pw.project_id = p.id) AS workstations
      FROM projects p WHERE p.id IN (SELECT project_id FROM ms)
    )
    SELECT ms.id, la.workstation_id AS live_workstation, la.id IS NOT NULL AS has_live,
      ${liveSession(sql`la.workstation_id`)} AS live_online,
      proj.default_agent, proj.max_concurrent_missions, proj.budget, proj.project_live, proj.repositories, proj.spent, proj.workstations
    FROM ms JOIN proj ON proj.id = ms.project_id
    LEFT JOIN LATERAL (SELECT a.id, a.workstation_id FROM code_agent_sessions a WHERE a.mission_id = ms.id AND a.status IN ${live} LIMIT 1) la ON true`);
  for (const r of rowsOf(result)) {
    const workstations = (typeof r.workstations === 'string' ? JSON.parse(r.workstations) : r.workstations) as RawWorkstation[];
    out.set(String(r.id), {
      liveAttempt: r.has_live ? { workstationOnline: Boolean(r.live_online) } : null,
      project: {
        defaultAgent: (r.default_agent as string | null) ?? null,
        maxConcurrent: Number(r.max_concurrent_missions),
        live: Number(r.project_live),
        repositories: Number(r.repositories),
        budgetUsd: r.budget == null ? null : Number(r.budget),
        spentUsd: Number(r.spent),
        workstations: workstations.map(toWorkstation),
      },
    });
  }
  return out;
}
