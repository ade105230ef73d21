// The background daemon seen from the CLI: is one running, start one and wait until it says it
// runs, stop it and wait until it is gone. The daemon's own lock file (daemon.pid) is the truth.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pidAlive, readState } from '../state-file.ts';
import { CliError } from './output.ts';

export const logFileOf = (home: string) => join(home, 'logs', 'daemon.log');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pid of the daemon holding this SU_HOME's lock, if it is alive. */
export function runningPid(home: string): number | undefined {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(join(home, 'daemon.pid'), 'utf8'), 10);
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && pid > 0 && pidAlive(pid) ? pid : undefined;
}

const fileSize = (path: string) => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

/** What the log file gained since `from`: the daemon's own words on why it stopped. */
export function logSince(path: string, from: number, maxLines = 12) {
  try {
    const text = readFileSync(path).subarray(from).toString('utf8');
    return text.split('\n').filter(Boolean).slice(-maxLines);
  } catch {
    return [];
  }
}

/** One pino line in words: its message and, when it has one, the problem it reports. */
export function logLineText(line: string) {
  try {
    const l = JSON.parse(line) as { msg?: string; problem?: string; err?: { message?: string } };
    return [l.msg, l.problem ?? l.err?.message].filter(Boolean).join(': ') || line;
  } catch {
    return line;
  }
}

/**
 * Forks `daemon --foreground` with its output in $SU_HOME/logs/daemon.log and waits until it has
 * written its state file (it started) or exited (it did not: the log says why).
 */
export async function startDetached(home: string, cliArgs: string[], timeoutMs: number) {
  const already = runningPid(home);
  if (already) throw new CliError(`a daemon is already running for ${home} (pid ${already}); stop it with \`solo-unicorn daemon stop\``);
  mkdirSync(join(home, 'logs'), { recursive: true, mode: 0o700 });
  const logFile = logFileOf(home);
  const from = fileSize(logFile);
  const out = openSync(logFile, 'a', 0o600);
  const child = spawn(process.execPath, [...process.execArgv, ...cliArgs, 'daemon', '--foreground'], {
    detached: true, stdio: ['ignore', out, out], env: process.env,
  });
  closeSync(out);
  let exited: number | null | undefined;
  child.on('exit', (code, signal) => (exited = code ?? (signal ? 128 : 1)));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      const why = logSince(logFile, from).map(logLineText).filter((l) => !/^\s*$/.test(l));
      throw new CliError(`the daemon exited at start (code ${exited}): ${why.at(-1) ?? 'no output'}; full log: ${logFile}`);
    }
    if (readState(home)?.pid === child.pid) {
      child.unref();
      return { pid: child.pid!, logFile };
    }
    await sleep(100);
  }
  child.unref();
  throw new CliError(`the daemon (pid ${child.pid}) has not reported it runs after ${Math.round(timeoutMs / 1000)} s; see ${logFile}`);
}

/**
 * SIGTERM (the daemon drains: running missions finish first), or twice with `now` (they are
 * cancelled), then waits for the process to be gone.
 */
/** How long `stop` waits quietly before saying what it waits for, and then how often. */
const FIRST_PROGRESS_MS = 1000;
const PROGRESS_EVERY_MS = 5000;

export async function stopDaemon(home: string, opts: { now: boolean; timeoutMs: number; onWaiting?: (w: { pid: number; missionsRunning: number; waitedMs: number }) => void }) {
  const pid = runningPid(home);
  if (!pid) return undefined;
  const running = readState(home)?.pid === pid ? readState(home)!.missionsRunning : 0;
  process.kill(pid, 'SIGTERM');
  // The daemon counts signals; a short pause lets it see the first before the second.
  if (opts.now) {
    await sleep(200);
    if (pidAlive(pid)) process.kill(pid, 'SIGTERM');
  }
  const startedAt = Date.now();
  const deadline = startedAt + opts.timeoutMs;
  let nextProgress = startedAt + FIRST_PROGRESS_MS;
  while (pidAlive(pid)) {
    if (Date.now() >= nextProgress) {
      // The live count: missions end one by one while the daemon drains.
      const now = readState(home);
      opts.onWaiting?.({ pid, missionsRunning: now?.pid === pid ? now.missionsRunning : running, waitedMs: Date.now() - startedAt });
      nextProgress = Date.now() + PROGRESS_EVERY_MS;
    }
    if (Date.now() >= deadline) {
      throw new CliError(`the daemon (pid ${pid}) is still stopping after ${Math.round(opts.timeoutMs / 1000)} s` +
        (opts.now ? '' : ` (it lets ${running || 'its'} running mission(s) finish); \`solo-unicorn daemon stop --now\` cancels them`));
    }
    await sleep(100);
  }
  return { pid, missionsRunning: running };
}
