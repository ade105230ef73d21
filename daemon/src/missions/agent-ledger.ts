import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isGroupAlive, signalGroup } from '../agents/process-group.ts';

/**
 * Which agent process groups run for which attempts, on disk: after a kill -9 of the daemon the
 * next start finds them, stops them and reports their attempts, instead of leaving an orphan
 * agent working on a worktree nobody watches.
 */
export function createAgentLedger(home: string) {
  const path = join(home, 'agents.json');
  const read = (): Record<string, number> => {
    try {
      return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, number>) : {};
    } catch {
      return {};
    }
  };
  const write = (entries: Record<string, number>) => {
    writeFileSync(`${path}.tmp`, JSON.stringify(entries), { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
  };
  return {
    add(attemptId: string, pgid: number) {
      write({ ...read(), [attemptId]: pgid });
    },
    remove(attemptId: string) {
      const { [attemptId]: _gone, ...rest } = read();
      write(rest);
    },
    /**
     * Stops every group left by a previous daemon process (SIGTERM, a grace, SIGKILL) and returns
     * the attempts it was running.
     */
    async stopLeftovers(graceMs: number): Promise<string[]> {
      const left = read();
      const groups = Object.values(left).filter((pgid) => pgid > 0); // 0: taken, agent not launched yet
      for (const pgid of groups) signalGroup(pgid, 'SIGTERM');
      const deadline = Date.now() + graceMs;
      while (groups.some((pgid) => isGroupAlive(pgid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      for (const pgid of groups) if (isGroupAlive(pgid)) signalGroup(pgid, 'SIGKILL');
      write({});
      return Object.keys(left);
    },
  };
}
export type AgentLedger = ReturnType<typeof createAgentLedger>;
