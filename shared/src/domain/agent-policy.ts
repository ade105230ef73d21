import { z } from 'zod';

/**
 * What an agent may do in a mission's worktree.
 * - `edits` (default): edit files and run the commands a mission needs to build and test
 *   (Claude Code `--permission-mode acceptEdits` plus allowed tools; Codex `--sandbox workspace-write`).
 * - `readonly`: read and think only (stages such as clarify and plan).
 * - `full`: no sandbox, no prompts; only where the workstation's own config opts in.
 */
export const agentPermissionPolicySchema = z.enum(['edits', 'readonly', 'full']);
export type AgentPermissionPolicy = z.infer<typeof agentPermissionPolicySchema>;
export const defaultAgentPermissionPolicy: AgentPermissionPolicy = 'edits';
