import type { DispatchReason, MissionDispatch, MissionList } from '@solo-unicorn/shared';

/** A workstation serving the mission's project, as the dispatcher would see it. */
export interface WorkstationSnapshot {
  id: string;
  name: string;
  revoked: boolean;
  /** Paused by a person (with why): the dispatcher gives it nothing new. */
  pausedReason: string | null;
  paused: boolean;
  /** An open daemon session (any control-plane process). */
  online: boolean;
  capacity: number;
  /** Live attempts on it (its used slots). */
  live: number;
  /** Agent types its daemon reported as usable. */
  agents: string[];
  /** Agents waiting for their usage quota there, with the reset time. */
  limits: { agentType: string; until: Date }[];
}

export interface ProjectSnapshot {
  defaultAgent: string | null;
  maxConcurrent: number;
  /** Live attempts of the whole project. */
  live: number;
  repositories: number;
  budgetUsd: number | null;
  spentUsd: number;
  workstations: WorkstationSnapshot[];
}

export interface MissionSnapshot {
  list: MissionList;
  ready: boolean;
  repositoryId: string | null;
  dependencyCount: number;
  reviewStatus: 'pending' | 'approved' | 'rejected' | null;
  prMode: 'disabled' | 'enabled' | 'auto';
  prBranchName: string | null;
  /** An agent's open question (MCP); absent where the control plane does not track questions. */
  question?: { text: string } | null;
  /** Handed to one workstation by a person: only that one may run it (null: any serving the project). */
  workstationId?: string | null;
  /** Its live attempt, if one runs: whether that attempt's workstation is connected. */
  liveAttempt: { workstationOnline: boolean } | null;
}

const reason = (code: DispatchReason['code'], message: string, fix: string): DispatchReason => ({ code, message, fix });
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const hhmm = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * Why a mission is or is not running, from a snapshot of what the dispatcher looks at (see
 * dispatcher.ts: claimCandidates, capacity, agent limits, the project's limit, the budget gate).
 * Pure: the same snapshot always gives the same answer, so lists compute it without queries.
 */
export function dispatchState(m: MissionSnapshot, p: ProjectSnapshot): MissionDispatch {
  const question = m.question
    ? [reason('question_open', `The agent asked a question and waits for the answer: “${m.question.text.slice(0, 200)}”.`, 'Answer it in the mission panel (POST /api/v1/missions/:id/answer).')]
    : [];
  if (m.list === 'done') return { state: 'done', reasons: [] };
  if (m.list === 'review') return { state: 'in_review', reasons: [...question, ...reviewReasons(m, p)] };
  if (m.list === 'doing') {
    if (!m.liveAttempt) {
      return { state: 'blocked', reasons: [reason('not_ready', 'The mission is in Doing but no agent works on it (it was moved there by hand).', 'Move it back to Todo and mark it ready for an agent; the dispatcher moves it to Doing when an agent takes it.')] };
    }
    const offline = m.liveAttempt.workstationOnline
      ? []
      : [reason('no_workstation_online', 'The workstation running it lost its connection; the mission goes back to Todo if it does not return within the grace period.', 'Check the daemon on that workstation (solo-unicorn daemon), or wait for the mission to be requeued.')];
    return { state: 'running', reasons: [...question, ...offline] };
  }
  return todoState(m, m.workstationId ? { ...p, workstations: p.workstations.filter((w) => w.id === m.workstationId) } : p, question);
}

function todoState(m: MissionSnapshot, p: ProjectSnapshot, question: DispatchReason[]): MissionDispatch {
  const reasons: DispatchReason[] = [];
  if (!m.repositoryId) {
    reasons.push(reason('no_repository', 'The mission has no repository, so no agent can work on it.', p.repositories === 0
      ? "Link a repository to the project (POST /api/v1/projects/:id/repositories), then choose it in the mission's Edit form."
      : "Choose a repository in the mission's Edit form (PATCH repositoryId)."));
  }
  if (!m.ready) reasons.push(reason('not_ready', 'The mission is not marked ready for an agent.', 'Tick “Ready for an agent” in its Edit form (PATCH ready: true).'));
  if (m.dependencyCount > 0) {
    reasons.push(reason('blocked_by_dependencies', `It waits on ${plural(m.dependencyCount, 'unfinished dependency', 'unfinished dependencies')}.`, 'Finish the missions it depends on (they must reach Done), or remove them from its dependencies.'));
  }
  reasons.push(...question);
  if (p.budgetUsd !== null && p.spentUsd >= p.budgetUsd) {
    reasons.push(reason('budget_reached', `Agents spent $${p.spentUsd.toFixed(2)} of the project's $${p.budgetUsd.toFixed(2)} monthly budget.`, "Raise the project's monthly budget in Project settings, or wait for the next month (UTC)."));
  }
  reasons.push(...capacityReasons(p, p.defaultAgent, true));
  if (!m.ready) return { state: 'not_ready', reasons };
  // A full house is a queue, not a block: the mission runs when a slot frees, with nothing to fix.
  return { state: reasons.every((r) => r.code === 'no_free_slot') ? 'queued' : 'blocked', reasons };
}

/** In Review: a person's decision, or — approved in direct mode — a workstation to merge it. */
function reviewReasons(m: MissionSnapshot, p: ProjectSnapshot): DispatchReason[] {
  if (m.reviewStatus === 'approved' && m.prBranchName) { // approved in Review: a direct merge, whatever its PR mode says since
    if (m.liveAttempt) return [];
    return capacityReasons(p, null, false);
  }
  return [reason('waiting_for_review', 'The work waits for a person to approve or reject it.', 'Open the mission and Approve it (it is merged next) or Reject it with feedback for the agent.')];
}

/**
 * The workstation chain the dispatcher walks: mapped → online → can run the agent → agent has
 * quota → a free slot; then the project's own limit. Only the first missing link is reported.
 */
function capacityReasons(p: ProjectSnapshot, agent: string | null, needsAgent: boolean): DispatchReason[] {
  const serving = p.workstations.filter((w) => !w.revoked);
  if (serving.length === 0) {
    return [reason('no_workstation_mapped', 'No workstation serves this project.', 'Map a workstation to the project (POST /api/v1/projects/:id/workstations {workstationId}).')];
  }
  // A paused workstation takes nothing new: only when every one is paused is that the reason.
  const mapped = serving.filter((w) => !w.paused);
  if (mapped.length === 0) {
    const why = serving.map((w) => `${w.name} — workstation paused${w.pausedReason ? `: ${w.pausedReason}` : ''}`).join('; ');
    return [reason('workstation_paused', serving.length === 1 ? `workstation paused: ${serving[0]!.pausedReason ?? 'no reason given'} (${serving[0]!.name}).` : `Every workstation serving this project is paused (${why}).`,
      'Resume one when it may take work again (solo-unicorn workstation resume <workstation>, POST /api/v1/workstations/:id/resume), or map another workstation to the project.')];
  }
  const online = mapped.filter((w) => w.online);
  if (online.length === 0) {
    return [reason('no_workstation_online', `None of the ${plural(mapped.length, 'workstation', 'workstations')} serving this project is connected (${mapped.map((w) => w.name).join(', ')}).`, 'Start the daemon on one of them (solo-unicorn daemon).')];
  }
  let usable = online;
  if (needsAgent) {
    const capable = online.filter((w) => (agent ? w.agents.includes(agent) : w.agents.length > 0));
    if (capable.length === 0) {
      return [reason('no_workstation_online', agent ? `No connected workstation serving this project can run the ${agent} agent.` : 'No connected workstation serving this project reports a usable agent.', agent
        ? `Install ${agent} on a workstation serving the project (solo-unicorn agent check), or change the project's default agent.`
        : 'Install an agent CLI on a workstation serving the project (solo-unicorn agent check).')];
    }
    const freeAgents = (w: WorkstationSnapshot) => w.agents.filter((a) => (!agent || a === agent) && !w.limits.some((l) => l.agentType === a));
    usable = capable.filter((w) => freeAgents(w).length > 0);
    if (usable.length === 0) {
      const soonest = capable.flatMap((w) => w.limits).map((l) => l.until).sort((a, b) => a.getTime() - b.getTime())[0];
      return [reason('agent_limited', `The ${agent ?? 'agents'} reached ${agent ? 'its' : 'their'} usage limit on every connected workstation${soonest ? `; the first resets at ${hhmm(soonest)}` : ''}.`, 'Wait for the reset (dispatch resumes by itself), or connect a workstation with quota left.')];
    }
  }
  const slots = usable.reduce((n, w) => n + w.capacity, 0);
  if (usable.every((w) => w.live >= w.capacity)) {
    return [reason('no_free_slot', `Every connected workstation that can take it is busy (${slots} of ${slots} slots in use).`, "Wait for a running mission to finish, or raise the workstation's max concurrent missions.")];
  }
  if (needsAgent && p.live >= p.maxConcurrent) {
    return [reason('no_free_slot', `The project already runs ${p.live} missions, its limit of ${p.maxConcurrent} at a time.`, "Wait for a running mission to finish, or raise the project's max concurrent missions.")];
  }
  return [];
}
