/**
 * Pure planning of one fallback run: how many missions to propose and from which templates.
 * No I/O, so every rule is tested directly and the scheduler, "run now" and the report share it.
 */

export interface PlanTemplate {
  id: string;
  name: string;
  priority: number; // 1 = most urgent
  estimatedEffortMinutes: number;
  lastUsedAt: Date | null;
  /** A proposal from this template is still open: proposing it again would duplicate work. */
  hasOpenProposal: boolean;
}

export interface PlanInput<T extends PlanTemplate = PlanTemplate> {
  backlogCount: number;
  backlogThreshold: number;
  openProposals: number;
  openProposalMinutes: number;
  weeklyMissionCap: number;
  acceptedThisWeek: number;
  monthlyTargetHours: number;
  acceptedMinutesThisMonth: number;
  templates: T[]; // enabled ones
}

export type SkipReason = 'open_proposal' | 'weekly_cap' | 'monthly_hours' | 'deficit_filled';

export interface PlanDecision {
  templateId: string;
  name: string;
  chosen: boolean;
  reason?: SkipReason;
}

export interface Plan<T extends PlanTemplate = PlanTemplate> {
  /** threshold − backlog − open proposals, never below 0. */
  deficit: number;
  weeklyRoom: number;
  monthlyRoomMinutes: number;
  chosen: T[];
  decisions: PlanDecision[];
}

/** Fair order: most urgent priority first, then least recently used (never used first), then id. */
export function fairOrder<T extends PlanTemplate>(templates: T[]): T[] {
  return [...templates].sort(
    (a, b) =>
      a.priority - b.priority ||
      (a.lastUsedAt?.getTime() ?? -Infinity) - (b.lastUsedAt?.getTime() ?? -Infinity) ||
      a.id.localeCompare(b.id),
  );
}

/**
 * Each template is proposed at most once per run. The count is bounded by the deficit, by what
 * is left of the weekly cap (open proposals count as if accepted, so accepting them all stays
 * within the cap) and by what is left of the monthly effort target.
 */
export function planRun<T extends PlanTemplate>(input: PlanInput<T>): Plan<T> {
  const deficit = Math.max(0, input.backlogThreshold - input.backlogCount - input.openProposals);
  const weeklyRoom = Math.max(0, input.weeklyMissionCap - input.acceptedThisWeek - input.openProposals);
  let monthlyRoomMinutes = Math.max(0, input.monthlyTargetHours * 60 - input.acceptedMinutesThisMonth - input.openProposalMinutes);
  const chosen: T[] = [];
  const decisions: PlanDecision[] = [];
  for (const template of fairOrder(input.templates)) {
    let reason: SkipReason | undefined;
    if (template.hasOpenProposal) reason = 'open_proposal';
    else if (chosen.length >= deficit) reason = 'deficit_filled';
    else if (chosen.length >= weeklyRoom) reason = 'weekly_cap';
    else if (template.estimatedEffortMinutes > monthlyRoomMinutes) reason = 'monthly_hours';
    if (reason) {
      decisions.push({ templateId: template.id, name: template.name, chosen: false, reason });
      continue;
    }
    chosen.push(template);
    monthlyRoomMinutes -= template.estimatedEffortMinutes;
    decisions.push({ templateId: template.id, name: template.name, chosen: true });
  }
  return { deficit, weeklyRoom, monthlyRoomMinutes, chosen, decisions };
}
