import { claudeCodeAdapter } from './adapters/claude-code.ts';
import { codexAdapter } from './adapters/codex.ts';
import { customAdapter } from './adapters/custom.ts';
import { geminiAdapter } from './adapters/gemini.ts';
import type { AgentAdapter } from './adapters/types.ts';
import type { DetectedAgent } from './detect.ts';

export interface ResolvedAgent {
  adapter: AgentAdapter;
  /** What `launchAgent` takes as `agent`. */
  agent: { name: string; command: string[]; env?: Record<string, string> };
  /** The project's `defaultAgent`, when it named one this workstation does not have (a fallback was used). */
  unavailableDefault?: string;
}

/** `claude-code`, `codex` and `gemini` speak their CLIs' JSON streams; any other name is a plain command. */
export function adapterFor(name: string): AgentAdapter {
  if (name === 'claude-code') return claudeCodeAdapter;
  if (name === 'codex') return codexAdapter;
  if (name === 'gemini') return geminiAdapter;
  return customAdapter;
}

/**
 * The agent a mission runs with: the project's `defaultAgent` if this workstation has it, else the
 * first detected one (`detectAgents` order: custom, config.json agents, claude-code, codex).
 * Undefined when the workstation has no agent at all.
 */
export function resolveAgent(agents: readonly DetectedAgent[], defaultAgent?: string | null): ResolvedAgent | undefined {
  const chosen = (defaultAgent ? agents.find((a) => a.type === defaultAgent) : undefined) ?? agents[0];
  if (!chosen) return undefined;
  return {
    adapter: adapterFor(chosen.type),
    agent: { name: chosen.type, command: [...(chosen.command)], ...(chosen.env ? { env: { ...chosen.env } } : {}) },
    ...(defaultAgent && chosen.type !== defaultAgent ? { unavailableDefault: defaultAgent } : {}),
  };
}

/** Whether this workstation can run a mission that asks for `name` (dispatch matching). */
export const hasAgent = (agents: readonly DetectedAgent[], name: string) => agents.some((a) => a.type === name);
