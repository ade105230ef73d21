import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** What `solo-unicorn status` reads: written by the running daemon on every change. */
export const daemonStateSchema = z.object({
  pid: z.number().int(),
  startedAt: z.string(),
  serverUrl: z.string(),
  workstationId: z.string(),
  connected: z.boolean(),
  /** Since when the daemon is connected (or disconnected). */
  since: z.string(),
  sessionId: z.string().nullable(),
  draining: z.boolean(),
  missionsRunning: z.number().int(),
  outboxDepth: z.number().int(),
  updatedAt: z.string(),
});
export type DaemonState = z.infer<typeof daemonStateSchema>;

export const statePath = (home: string) => join(home, 'state.json');
const lockPath = (home: string) => join(home, 'daemon.pid');

export function writeState(home: string, state: DaemonState) {
  const tmp = `${statePath(home)}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, statePath(home));
}

export function readState(home: string): DaemonState | undefined {
  try {
    return daemonStateSchema.parse(JSON.parse(readFileSync(statePath(home), 'utf8')));
  } catch {
    return undefined;
  }
}

export function pidAlive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One daemon per SU_HOME (they would share the outbox). Returns a release function. */
export function acquireLock(home: string): () => void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const path = lockPath(home);
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(pid) && pid !== process.pid && pidAlive(pid)) {
        throw new Error(`another daemon (pid ${pid}) is already running with ${home}; stop it first`);
      }
      rmSync(path, { force: true }); // stale: its process is gone (kill -9)
    }
  }
  throw new Error(`cannot take the daemon lock ${path}`);
}
