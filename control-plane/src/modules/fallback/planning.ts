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
  /** Rotation (absent: weight 1, no waits). A template's share of proposals grows with its weight. */
  weight?: number;
  /** Between two proposals of this template, at least this long (its natural cadence). */
  minWaitMinutes?: number;
  /** After a person discarded its proposal, this long before it is proposed again ("not now"). */
  cooldownMinutes?: number;
  lastProposedAt?: Date | null;
  lastDiscardedAt?: Date | null;
  createdAt?: Date;
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
  /** The run's time, for rotation (waits and cooldowns); absent: now. */
  now?: Date;
}

export type SkipReason = 'open_proposal' | 'cooldown' | 'min_wait' | 'weekly_cap' | 'monthly_hours' | 'deficit_filled';

export interface PlanDecision {
  templateId: string;
  name: string;
  chosen: boolean;
  reason?: SkipReason;
  /** With `cooldown` / `min_wait`: when the template is eligible again. */
  eligibleAt?: string;
}

export interface Plan<T extends PlanTemplate = PlanTemplate> {
  /** threshold − backlog − open proposals, never below 0. */
  deficit: number;
  weeklyRoom: number;
  monthlyRoomMinutes: number;
  chosen: T[];
  decisions: PlanDecision[];
}

const minute = 60_000;

/** Since when the template has been waiting for a proposal: its last one, else its creation (unknown: forever). */
function waitingSince(t: PlanTemplate): number {
  return (t.lastProposedAt ?? t.lastUsedAt ?? t.createdAt)?.getTime() ?? -Infinity;
}

/**
 * Fair order: most urgent priority first; within a priority the longest wait, weighted, first
 * (wait × weight: a template of weight 2 comes round twice as often). On equal scores a
 * never-proposed template goes first, then the heavier one (so a weight-1 template waiting two
 * weeks does not beat a weight-2 one waiting one: a proposal a week then splits 1:2), and exact
 * ties (proposed together, same weight) by a draw that changes every run: a fixed order (by id)
 * would let the same one win each tie and starve its twin.
 */
export function fairOrder<T extends PlanTemplate>(templates: T[], now: Date = new Date()): T[] {
  const weight = (t: T) => Math.max(1, t.weight ?? 1);
  const score = (t: T) => (now.getTime() - waitingSince(t)) * weight(t);
  const proposed = (t: T) => (t.lastProposedAt ?? t.lastUsedAt ? 1 : 0);
  // Never proposed on both sides: creation order (ids are time-ordered), so each gets its first turn in turn.
  const draw = (t: T) => (proposed(t) ? fnv1a(`${t.id}:${now.getTime()}`) : 0);
  return [...templates].sort((a, b) =>
    a.priority - b.priority || score(b) - score(a) || proposed(a) - proposed(b) || weight(b) - weight(a) || draw(a) - draw(b) || a.id.localeCompare(b.id));
}

/** FNV-1a, 32 bits: a cheap, stable hash for the per-run draw. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Why a template may not be proposed at `now` (a cooldown or its minimum wait) and until when; none: eligible. */
export function rotationHold(t: Pick<PlanTemplate, 'lastDiscardedAt' | 'cooldownMinutes' | 'lastProposedAt' | 'minWaitMinutes'>, now: Date): { reason: 'cooldown' | 'min_wait'; until: Date } | undefined {
  const after = (from: Date | null | undefined, minutes: number | undefined) =>
    from && minutes ? new Date(from.getTime() + minutes * minute) : undefined;
  const cooldownEnds = after(t.lastDiscardedAt, t.cooldownMinutes);
  if (cooldownEnds && cooldownEnds > now) return { reason: 'cooldown', until: cooldownEnds };
  const waitEnds = after(t.lastProposedAt, t.minWaitMinutes);
  if (waitEnds && waitEnds > now) return { reason: 'min_wait', until: waitEnds };
  return undefined;
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
  const now = input.now ?? new Date();
  for (const template of fairOrder(input.templates, now)) {
    let reason: SkipReason | undefined;
    const hold = rotationHold(template, now);
    if (template.hasOpenProposal) reason = 'open_proposal';
    else if (hold) {
      decisions.push({ templateId: template.id, name: template.name, chosen: false, reason: hold.reason, eligibleAt: hold.until.toISOString() });
      continue;
    } else if (chosen.length >= deficit) reason = 'deficit_filled';
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
