/**
 * One background job on a period: a run never overlaps the previous one (a slow run skips the
 * ticks it covers), a failure is logged and the next tick tries again, and stop() waits for the
 * run in progress. Every periodic job of the control plane goes through this.
 */
export interface JobTimerOptions {
  /** For the log line when a run fails. */
  name: string;
  /** Period in ms; 0 or less never starts (the job is left to explicit runNow() calls, as tests do). */
  everyMs: number;
  run: () => Promise<unknown>;
  log?: { error(obj: object, msg: string): void };
}

export function createJobTimer(opts: JobTimerOptions) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  /** Runs the job now unless a run is in progress (then resolves with that one). */
  function runNow(): Promise<void> {
    running ??= opts.run()
      .then(() => undefined, (err) => opts.log?.error({ err, job: opts.name }, `${opts.name} failed`))
      .finally(() => (running = undefined));
    return running;
  }

  return {
    runNow,
    get started() {
      return timer !== undefined;
    },
    start() {
      if (opts.everyMs <= 0 || timer) return;
      timer = setInterval(() => void runNow(), opts.everyMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
export type JobTimer = ReturnType<typeof createJobTimer>;
