import { spawn } from 'node:child_process';

export interface ProcessResult {
  /** undefined when it never ran (not found) or was killed by a signal. */
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Why it did not run or was stopped (spawn error, output cap), else ''. */
  failure: string;
}

/** Output beyond this (per stream) stops the process: as much as execa's default. */
const MAX_OUTPUT_CHARS = 100_000_000;
/** A process that ignores SIGTERM after its timeout gets SIGKILL this much later. */
const KILL_GRACE_MS = 5_000;
/** After it exited, how long its output may take to drain while something it left holds the pipes. */
const DRAIN_MS = 1_000;

/**
 * Runs a short-lived command and collects its output: never rejects, never reads our stdin. Plain
 * `child_process.spawn` rather than execa, which costs ~6 ms more CPU and ~2–3 ms more latency a
 * call here: the git commands of a mission's path run a dozen times per mission, on the cores the
 * agent needs. The final newline of stdout is stripped.
 */
export function runProcess(file: string, args: readonly string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<ProcessResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let failure = '';
    let settled = false;
    // Its own process group, so a timeout stops what it started too (git's ssh, a hook, an alias).
    const child = spawn(file, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const signal = (name: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, name);
      } catch {
        // already gone
      }
    };
    let exited = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (why: string) => {
      failure ||= why;
      if (exited) return;
      signal('SIGTERM');
      killTimer = setTimeout(() => signal('SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      stop(`timed out after ${opts.timeoutMs} ms`);
    }, opts.timeoutMs);
    let drainTimer: NodeJS.Timeout | undefined;
    const finish = (exitCode: number | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(drainTimer);
      resolve({ exitCode, stdout: stdout.endsWith('\n') ? stdout.slice(0, stdout.endsWith('\r\n') ? -2 : -1) : stdout, stderr, timedOut, failure });
    };
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (stdout.length + chunk.length > MAX_OUTPUT_CHARS) stop(`output larger than ${MAX_OUTPUT_CHARS} characters`);
      else stdout += chunk;
    });
    child.stderr.on('data', (chunk: string) => {
      // Only the end of stderr is ever shown: keep the last part.
      stderr = (stderr + chunk).slice(-64_000);
    });
    child.on('error', (error) => {
      failure ||= error.message;
      finish(undefined);
    });
    // 'close': the process exited and its output streams are drained.
    child.on('close', (code) => finish(code ?? undefined));
    // Exited: its answer stands (a timeout after this would be a lie). Something it started and
    // left behind may still hold the pipes open (an ssh master, a hook's background job): that
    // must not hold the answer up. Stopped, what is left of its group is killed now, while the
    // group id is still its own (a delayed kill could hit a reused one).
    const drained = (code: number | null) => {
      child.stdout.destroy();
      child.stderr.destroy();
      finish(code ?? undefined);
    };
    child.on('exit', (code) => {
      exited = true;
      clearTimeout(timer);
      if (failure) {
        clearTimeout(killTimer);
        signal('SIGKILL');
        drained(code);
        return;
      }
      drainTimer = setTimeout(() => drained(code), DRAIN_MS);
      drainTimer.unref();
    });
  });
}
