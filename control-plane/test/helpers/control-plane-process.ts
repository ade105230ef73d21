import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const startScript = fileURLToPath(new URL('../../bin/start.mjs', import.meta.url));

export interface RunningControlPlane {
  child: ChildProcess;
  baseUrl: string;
  stdout: () => string;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts the control plane exactly as `npm start` does, and waits until it listens. */
export function startControlPlane(env: Record<string, string>): Promise<RunningControlPlane> {
  return spawnControlPlane(startScript, { PORT: '0', LOG_LEVEL: 'info', DATABASE_URL: '', ...env });
}

/** Runs `script` (start.mjs, or a built bundle) as a control-plane process and waits until it listens. */
export async function spawnControlPlane(script: string, env: Record<string, string>): Promise<RunningControlPlane> {
  const child = spawn(process.execPath, ['--enable-source-maps', script], {
    env: { ...process.env, HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const baseUrl = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`control plane exited (${code}) before listening:\n${out}\n${err}`)));
  });
  return {
    child,
    baseUrl,
    stdout: () => out,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
