/**
 * A keyed mutex: `run(key, fn)` waits for the previous holder of `key`, then runs `fn`.
 * In-process only (one daemon per home is enforced by the daemon lock file).
 */
export function createLocks() {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run<T>(key: string, fn: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous.catch(() => undefined).then(fn);
      const tail = result.catch(() => undefined);
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
  };
}
export type Locks = ReturnType<typeof createLocks>;
