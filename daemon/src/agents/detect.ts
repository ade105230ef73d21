import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type AgentInfo, clipText } from '@solo-unicorn/shared';
import type { DaemonConfig } from '../config.ts';

export interface DetectedAgent extends AgentInfo {
  command: string[];
  env?: Record<string, string>;
}

const builtIns = [
  { type: 'claude-code', binary: 'claude', command: ['claude', '-p', '--output-format', 'stream-json', '--verbose'] },
  { type: 'codex', binary: 'codex', command: ['codex', 'exec', '--json'] },
] as const;

export function onPath(binary: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, binary);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function versionOf(binary: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(binary, ['--version'], { timeout: 5000 }, (error, stdout) => {
      resolve(error ? null : (stdout.trim().match(/\d+\.\d+[\w.+-]*/)?.[0] ?? (clipText(stdout.trim(), 64, '') || null)));
    });
  });
}

/**
 * Code agents this machine can run, in the order one is picked when a project names none:
 * SU_AGENT_COMMAND as `custom`, config.json `agents`, then the built-ins on PATH. A name appears once;
 * the first wins, so config.json can point `claude-code` or `codex` at another command.
 */
export async function detectAgents(config: Pick<DaemonConfig, 'path' | 'agents' | 'agentCommand'>): Promise<DetectedAgent[]> {
  const found: DetectedAgent[] = [];
  const has = (type: string) => found.some((a) => a.type === type);
  if (config.agentCommand) found.push({ type: 'custom', version: null, command: config.agentCommand });
  for (const [name, agent] of Object.entries(config.agents)) {
    if (!has(name)) found.push({ type: name, version: null, command: agent.command, env: agent.env });
  }
  for (const b of builtIns) {
    if (has(b.type)) continue;
    const bin = onPath(b.binary, config.path);
    if (bin) found.push({ type: b.type, version: await versionOf(bin), command: [...b.command] });
  }
  return found;
}
