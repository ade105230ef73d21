import type { MissionAssignFrame } from '@solo-unicorn/shared';

export interface EarlierAttempt {
  id: string;
  workstationId: string | null;
  agentType: string | null;
  agentSessionId: string | null;
  status: string;
  stage: string | null;
  /** What it reported as its branch head at its end: set when it committed and pushed. */
  headCommit?: string | null;
}

/** The note on an attempt with none before it. */
export const firstAttemptNote = 'first attempt';

export interface ResumeChoice {
  resume: MissionAssignFrame['payload']['resume'];
  resumeNote: string | null;
}

/**
 * Whether a new attempt continues an earlier agent session. An agent CLI keeps its sessions on
 * the machine that ran them, and one agent cannot read another's, so only a session recorded on
 * this workstation by this agent can be resumed: the newest such one. Otherwise the agent starts
 * fresh from the mission docs, and the note says why.
 *
 * `earlier`: the mission's agent attempts before this one, newest first (no merges).
 * `cameBack`: why the mission is being run again, for the agent and the timeline.
 */
export function chooseResume(
  current: { workstationId: string | null; agentType: string },
  earlier: EarlierAttempt[],
  cameBack: string,
): ResumeChoice {
  if (earlier.length === 0) return { resume: null, resumeNote: firstAttemptNote };
  const withSession = earlier.filter((a) => a.agentSessionId);
  if (withSession.length === 0) return { resume: null, resumeNote: 'no agent session was recorded' };
  const here = withSession.filter((a) => current.workstationId !== null && a.workstationId === current.workstationId);
  if (here.length === 0) return { resume: null, resumeNote: 'the earlier session ran on another workstation' };
  const from = here.find((a) => a.agentType === current.agentType);
  if (!from) return { resume: null, resumeNote: `the earlier session used ${here[0]!.agentType ?? 'another agent'}` };
  // An unfinished attempt that pushed nothing (a head reported means it pushed: a merge conflict
  // after the push) left its work uncommitted or only local: the daemon tells the agent so.
  const unfinished = from.status !== 'succeeded' && !from.headCommit;
  return { resume: { agentSessionId: from.agentSessionId!, fromAttemptId: from.id, reason: cameBack, ...(unfinished ? { earlierOutcome: from.status } : {}) }, resumeNote: null };
}

/**
 * Why the mission is run again, from its latest agent attempt: a retry after anything but
 * success; after a success, a person's rejection, a pull request's change request or the next
 * stage of its flow; else a person moved it back.
 */
export function comebackReason(
  latest: EarlierAttempt,
  mission: { stage: string; reviewStatus: string | null },
  sentBackBy: string | undefined,
): string {
  // Rejected with guidance while it ran (from Doing): the cancel was the person's, not a failure.
  if (latest.status === 'cancelled' && mission.reviewStatus === 'rejected' && sentBackBy === 'mission.reviewed') return 'review feedback (the run was cancelled for it)';
  if (latest.status !== 'succeeded') return `retry after ${latest.status}`;
  if (mission.reviewStatus === 'rejected') return sentBackBy === 'mission.changes_requested' ? 'pull request changes requested' : 'review feedback';
  if (latest.stage !== mission.stage) return `next stage ${mission.stage}`;
  return 'moved back to Todo';
}
