import type { Results } from '@electric-sql/pglite';
import { Worker } from 'node:worker_threads';
import type { PgliteOpenOptions } from './pglite-open.ts';
import { fromWireError, type Reply, type Request } from './pglite-thread-protocol.ts';

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };
type QueryOptions = { rowMode?: 'array' | 'object'; parsers?: Record<number, unknown> };
type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never;

/** What drizzle and our Database wrapper use of a PGlite client, and of its transactions. */
export interface PgliteLike {
  query<T>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>>;
  exec(sql: string): Promise<Results[]>;
}

/**
 * A PGlite that runs in a worker thread (src/pglite-worker.ts), with the client API drizzle and
 * the Database wrapper use: query, exec, transaction, listen, close. The database starts on
 * another core while the main thread loads and builds the HTTP app (npm start; #17's restart).
 * PGlite is one session either way: queries and transactions queue in the worker as they would
 * on the main thread.
 */
export class RemotePglite implements PgliteLike {
  readonly waitReady: Promise<void>;
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private readonly notify = new Map<number, (payload: string) => void>();
  private nextId = 1;
  private stopped: Error | undefined;
  private opened = false;

  constructor(workerUrl: URL, options: Omit<PgliteOpenOptions, 'template'>) {
    this.worker = startWorker(workerUrl, options);
    let ready!: Pending;
    this.waitReady = new Promise((resolve, reject) => (ready = { resolve: () => resolve(), reject }));
    this.waitReady.catch(() => {});
    this.worker.on('message', (reply: Reply) => this.receive(reply, ready));
    this.worker.on('error', (error) => this.stop(error, ready));
    this.worker.on('exit', (code) => this.stop(new Error(`the embedded database thread exited (code ${code})`), ready));
  }

  query<T>(sql: string, params?: unknown[], options?: QueryOptions, tx?: number): Promise<Results<T>> {
    // drizzle's parsers only keep some types as text; which types is all that crosses.
    const rawTypes = options?.parsers ? Object.keys(options.parsers).map(Number) : undefined;
    return this.call({ op: 'query', tx, sql, params, rowMode: options?.rowMode, rawTypes }) as Promise<Results<T>>;
  }

  exec(sql: string, tx?: number): Promise<Results[]> {
    return this.call({ op: 'exec', tx, sql }) as Promise<Results[]>;
  }

  /** Commits when `fn` resolves, rolls back when it throws; like PGlite's own transaction(). */
  async transaction<T>(fn: (tx: PgliteLike) => Promise<T>): Promise<T> {
    const id = (await this.call({ op: 'begin' })) as number;
    const tx: PgliteLike = {
      query: (sql, params, options) => this.query(sql, params, options, id),
      exec: (sql) => this.exec(sql, id),
    };
    let result: T;
    try {
      result = await fn(tx);
    } catch (error) {
      await this.call({ op: 'end', tx: id, commit: false });
      throw error;
    }
    await this.call({ op: 'end', tx: id, commit: true });
    return result;
  }

  async listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    const listener = (await this.call({ op: 'listen', channel })) as number;
    this.notify.set(listener, onPayload);
    return async () => {
      this.notify.delete(listener);
      await this.call({ op: 'unlisten', listener });
    };
  }

  async close(): Promise<void> {
    if (this.stopped) return;
    await this.call({ op: 'close' });
    this.stopped = new Error('the embedded database is closed');
    await this.worker.terminate();
  }

  private call(request: Distribute<Request>): Promise<unknown> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  private receive(reply: Reply, ready: Pending): void {
    if (reply.kind === 'ready') {
      this.opened = true;
      return ready.resolve(undefined);
    }
    if (reply.kind === 'failed') return ready.reject(fromWireError(reply.error));
    if (reply.kind === 'notify') return this.notify.get(reply.listener)?.(reply.payload);
    const pending = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if (reply.kind === 'result') pending?.resolve(reply.value);
    else pending?.reject(fromWireError(reply.error));
  }

  /**
   * The thread is gone: every waiting call fails, and so does every later one. Gone after it was
   * ready and before close() (a WASM abort, out of memory), the database cannot come back inside
   * this process: that is thrown, uncaught, so the process shuts down (close-with-grace) and its
   * supervisor starts it again, instead of answering 500 to everything.
   */
  private stop(error: Error, ready: Pending): void {
    if (this.opened && !this.stopped) queueMicrotask(() => {
      throw error;
    });
    this.stopped ??= error;
    ready.reject(error);
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

/**
 * The bundle's worker is JavaScript. Under tsx (tests, tools) it is TypeScript, and a worker
 * thread does not inherit the parent's module hooks on Node 20: it registers tsx itself first.
 */
function startWorker(url: URL, workerData: unknown): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}
