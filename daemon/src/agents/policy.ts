import type { AgentPermissionPolicy } from '@solo-unicorn/shared';

/**
 * Stages that only think: they read the code and write the mission docs, never the code (see the
 * stage meanings in prompt.ts). Run under the default `edits` policy they get `readonly` instead,
 * which in Claude Code still lets them write the mission docs folder.
 */
export const thinkingStages: ReadonlySet<string> = new Set(['clarify', 'plan']);

export interface EffectivePolicy {
  policy: AgentPermissionPolicy;
  /** Set when `full` was asked for but this workstation has not opted in: the run uses `edits`. */
  downgraded?: { requested: AgentPermissionPolicy; reason: string };
}

/**
 * What the agent may do in one stage. `requested` is the assignment's policy (the mission's
 * override, else the project's). `full` needs the workstation's own opt-in (config.json
 * `allowFullAgentPermissions` or SU_AGENT_ALLOW_FULL=1) and is otherwise `edits`. A thinking stage
 * under `edits` runs `readonly`; an explicit `readonly` stays so everywhere, and an opted-in `full`
 * is a deliberate choice on both sides, so it holds in every stage.
 */
export function effectivePolicy(requested: AgentPermissionPolicy, stage: string, allowFull: boolean): EffectivePolicy {
  if (requested === 'full' && !allowFull) {
    return {
      policy: thinkingStages.has(stage) ? 'readonly' : 'edits',
      downgraded: { requested, reason: 'this workstation does not allow full agent permissions (set allowFullAgentPermissions in config.json or SU_AGENT_ALLOW_FULL=1)' },
    };
  }
  if (requested === 'edits' && thinkingStages.has(stage)) return { policy: 'readonly' };
  return { policy: requested };
}
