// End-to-end tests boot the real control plane: in-process (its own test helpers: a private
// database we can also query) or as a child process (`tsx control-plane/src/main.ts`) to kill it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { ADMIN_KEY, startTestApp } from '../../../control-plane/test/helpers/app.ts';
import { createTestDatabase } from '../../../control-plane/test/helpers/database.ts';
import { createMission, createOrg, createProject } from '../../../control-plane/test/helpers/fixtures.ts';
import { createAttempt, storedSeqs } from '../../../control-plane/test/workstations/helpers/attempts.ts';
import { isMsg, type Proc, repoRoot, runCli, startProc, tempDir } from './processes.ts';

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

/**
 * A workstation registered as a person does it (`solo-unicorn workstation register` with the
 * admin key) in a fresh SU_HOME; optionally allowed to serve a project.
 */
export async function registerWorkstation(baseUrl: string, organizationId: string, name: string, opts: { projectId?: string } = {}) {
  const home = tempDir('su-home-');
  const res = await runCli(['workstation', 'register', '--url', baseUrl, '--api-key', ADMIN_KEY, '--organization', organizationId, '--name', name, '--json'], { SU_HOME: home });
  if (res.code !== 0) throw new Error(`register failed: ${res.stderr}`);
  const configPath = join(home, 'config.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as { workstationId: string; token: string } & Record<string, unknown>;
  if (opts.projectId) {
    const mapped = await fetch(`${baseUrl}/api/v1/projects/${opts.projectId}/workstations`, {
      method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ workstationId: config.workstationId }),
    });
    if (mapped.status !== 201) throw new Error(`map workstation: ${mapped.status}`);
  }
  return { home, configPath, config, workstationId: config.workstationId, token: config.token };
}
