// Control-plane processes on chosen loopback ports over one PostgreSQL database, as behind a
// balancer: each can be killed with SIGKILL and started again on its port.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { type RunningControlPlane, spawnControlPlane, startControlPlane } from '../../../../control-plane/test/helpers/control-plane-process.ts';
import { ADMIN_KEY } from '../../helpers/control-plane.ts';
import { repoRoot } from '../../helpers/processes.ts';
import { freePort } from './haproxy.ts';

const bundle = join(repoRoot, 'control-plane/dist/main.js');

/**
 * Another instance straight from the bundle the first one built (or found current): the same code
 * as its peers, and no rebuild on a restart while sources change under a running test.
 */
const startFromBundle = (env: Record<string, string>): Promise<RunningControlPlane> => spawnControlPlane(bundle, env);

export async function startCluster(t: Test, opts: { databaseUrl: string; dir: string; size: number; env?: Record<string, string> }) {
  const ports: number[] = [];
  while (ports.length < opts.size) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  // What every instance must share (deploy/README): the database, the secrets key, the docs.
  const shared = {
    DATABASE_URL: opts.databaseUrl, SU_SECRETS_KEY: randomBytes(32).toString('hex'), SU_DOCS_DIR: join(opts.dir, 'docs'),
    SU_BOOTSTRAP_API_KEY: ADMIN_KEY, LOG_LEVEL: 'info', ...opts.env,
  };
  const env = (i: number) => ({ ...shared, PORT: String(ports[i]), SU_DATA_DIR: join(opts.dir, `cp${i + 1}`) });
  const instances: RunningControlPlane[] = [];
  // The first as `npm start` does (bin/start.mjs rebuilds a stale bundle), the others from that bundle.
  instances.push(await startControlPlane(env(0)));
  instances.push(...(await Promise.all(ports.slice(1).map((_, i) => startFromBundle(env(i + 1))))));
  t.teardown(() => {
    for (const cp of instances) cp.child.kill('SIGKILL');
    // SU_TEST_KEEP_LOGS=1: each instance's log (its last run) stays in the test's directory.
    if (process.env.SU_TEST_KEEP_LOGS) instances.forEach((cp, i) => writeFileSync(join(opts.dir, `cp${i + 1}.log`), cp.stdout()));
  });

  /** Log lines (pino JSON) of instance `i` since it last started. */
  const logOf = (i: number) => instances[i]!.stdout().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  return {
    ports,
    instances,
    logOf,
    name: (i: number) => `cp${i + 1}`,
    /** kill -9: no drain, no goodbye; its sessions and sockets just end. */
    async kill(i: number) {
      const cp = instances[i]!;
      const exited = new Promise((r) => cp.child.once('exit', r));
      cp.child.kill('SIGKILL');
      await exited;
    },
    async restart(i: number) {
      instances[i] = await startFromBundle(env(i));
    },
    /** The instance whose log last opened a session for `workstationId`. */
    holderOf(workstationId: string): number | undefined {
      let best: { i: number; time: number } | undefined;
      instances.forEach((_, i) => {
        for (const l of logOf(i)) {
          if (l.msg !== 'daemon session open' || l.workstationId !== workstationId) continue;
          const time = typeof l.time === 'number' ? l.time : Date.parse(l.time);
          if (!best || time > best.time) best = { i, time };
        }
      });
      return best?.i;
    },
  };
}
export type Cluster = Awaited<ReturnType<typeof startCluster>>;
