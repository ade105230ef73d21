// End-to-end tests boot the real control plane: in-process (its own test helpers: a private
// database we can also query) or as a child process (`tsx control-plane/src/main.ts`) to kill it.
import { join } from 'node:path';
import type { Test } from 'tap';
import { ADMIN_KEY, startTestApp } from '../../../control-plane/test/helpers/app.ts';
import { createTestDatabase } from '../../../control-plane/test/helpers/database.ts';
import { createMission, createOrg, createProject } from '../../../control-plane/test/helpers/fixtures.ts';
import { createAttempt, storedSeqs } from '../../../control-plane/test/workstations/helpers/attempts.ts';
import { isMsg, type Proc, repoRoot, startProc, tempDir } from './processes.ts';

export { ADMIN_KEY, createAttempt, createMission, createOrg, createProject, startTestApp, storedSeqs };

export interface ChildControlPlane {
  baseUrl: string;
  port: number;
  proc: Proc;
  restart(): Promise<void>;
}

/** A control plane child process on port 0 (then the same port across restarts). */
export async function startChildControlPlane(t: Test, env: Record<string, string> = {}): Promise<ChildControlPlane> {
  const dataDir = tempDir('su-cp-');
  let databaseUrl: string | undefined;
  if (process.env.TEST_DATABASE_URL) {
    const db = await createTestDatabase();
    databaseUrl = db.url;
    await db.exec('SELECT 1');
    t.teardown(() => db.close());
  }
  const launch = (port: number) =>
    startProc(t, process.execPath, ['--import', 'tsx', join(repoRoot, 'control-plane/src/main.ts')], {
      PORT: String(port), HOST: '127.0.0.1', SU_DATA_DIR: dataDir, SU_BOOTSTRAP_API_KEY: ADMIN_KEY, LOG_LEVEL: 'info', DATABASE_URL: databaseUrl, ...env,
    });
  let proc = launch(0);
  const ready = await proc.waitForLine((l) => typeof l?.msg === 'string' && l.msg.startsWith('Server listening at'), 'listening');
  const port = Number(/:(\d+)$/.exec(ready.msg)![1]);
  const cp: ChildControlPlane = {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    proc,
    async restart() {
      await proc.kill('SIGKILL');
      proc = launch(port);
      cp.proc = proc;
      await proc.waitForLine(isMsg('control plane ready'), 'ready');
    },
  };
  return cp;
}
