// The embedded database's own thread (npm start). PostgreSQL-in-WASM start-up is ~1 s of CPU;
// on the main thread it ran one after the other with loading and building the HTTP app. Here it
// runs beside it, on another core. The main thread talks to it through db/pglite-remote.ts.
import type { PGlite, Transaction } from '@electric-sql/pglite';
import { parentPort, workerData } from 'node:worker_threads';
import { openPgliteClient, type PgliteOpenOptions } from './db/pglite-open.ts';
import { type Reply, type Request, toWireError } from './db/pglite-thread-protocol.ts';

const port = parentPort!;
const send = (reply: Reply) => port.postMessage(reply);
const { client, ready } = openPgliteClient(workerData as PgliteOpenOptions);
ready.then(
  () => send({ kind: 'ready' }),
  (error) => send({ kind: 'failed', error: toWireError(error) }),
);

/** Open transactions: their handle, and how the main thread ends them (commit or roll back). */
const transactions = new Map<number, { tx: Transaction; end: (commit: boolean) => void; settled: Promise<void> }>();
const listeners = new Map<number, () => Promise<void>>();
const rollback = Symbol('rollback');

// Parsers cannot cross threads; the main side names the types to leave as text (drizzle keeps
// timestamps, dates and intervals as strings), and they are rebuilt here.
const identity = (value: string) => value;
const parsersFor = (types?: number[]) => (types ? Object.fromEntries(types.map((oid) => [oid, identity])) : undefined);

function target(tx?: number): PGlite | Transaction {
  if (tx === undefined) return client;
  const open = transactions.get(tx);
  if (!open) throw new Error('transaction already ended');
  return open.tx;
}

function begin(id: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let entered = false;
    const settled = client
      .transaction(
        (tx) =>
          new Promise<void>((commit, abort) => {
            entered = true;
            transactions.set(id, { tx, end: (ok) => (ok ? commit() : abort(rollback)), settled });
            resolve(id);
          }),
      )
      .then(() => undefined)
      .finally(() => transactions.delete(id));
    // Failing before the callback ran (BEGIN refused) rejects the begin itself.
    settled.catch((error) => {
      if (!entered) reject(error);
    });
  });
}

async function end(txId: number, commit: boolean): Promise<void> {
  const open = transactions.get(txId);
  if (!open) throw new Error('transaction already ended');
  open.end(commit);
  try {
    await open.settled;
  } catch (error) {
    if (error !== rollback) throw error;
  }
}

async function handle(request: Request): Promise<unknown> {
  switch (request.op) {
    case 'query':
      return target(request.tx).query(request.sql, request.params, { rowMode: request.rowMode, parsers: parsersFor(request.rawTypes) });
    case 'exec':
      return target(request.tx).exec(request.sql);
    case 'begin':
      return begin(request.id);
    case 'end':
      return end(request.tx, request.commit);
    case 'listen': {
      const listener = request.id;
      listeners.set(listener, await client.listen(request.channel, (payload) => send({ kind: 'notify', listener, payload })));
      return listener;
    }
    case 'unlisten':
      await listeners.get(request.listener)?.();
      listeners.delete(request.listener);
      return undefined;
    case 'close':
      await client.close();
      return undefined;
  }
}

port.on('message', (request: Request) => {
  handle(request).then(
    (value) => send({ kind: 'result', id: request.id, value }),
    (error) => send({ kind: 'error', id: request.id, error: toWireError(error) }),
  );
});
