// npm start runs PGlite in a worker thread (src/pglite-worker.ts, reached through RemotePglite):
// everything the product does with the database crosses a thread. These check what must survive
// the crossing: rows and their types, transactions (commit, rollback, savepoints), SQLSTATE codes
// on errors, notifications, and a thread that dies.
import { sql } from 'drizzle-orm';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { openDatabaseDeferred } from '../../src/db/client.ts';
import { rowsOf } from '../../src/db/rows.ts';
import { sqlState } from '../../src/lib/safe-error.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'PGlite in its worker thread is PGlite whatever TEST_DATABASE_URL says');

const pgliteWorker = new URL('../../src/pglite-worker.ts', import.meta.url);
const dataDir = mkdtempSync(join(tmpdir(), 'su-pglite-thread-'));
t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));

async function open() {
  const { database, ready } = await openDatabaseDeferred({ pgliteDir: join(dataDir, 'pglite'), pgliteWorker });
  await ready;
  return database;
}

t.test('a data dir opened in the thread is migrated, keeps its rows across a restart, and types survive', async (t) => {
  const first = await open();
  await first.exec(`CREATE TABLE t_thread (id serial PRIMARY KEY, name text UNIQUE, at timestamptz, doc jsonb, big int8, raw bytea)`);
  await first.db.execute(
    sql`INSERT INTO t_thread (name, at, doc, big, raw) VALUES ('a', '2026-12-07T10:00:00Z', ${JSON.stringify({ k: [1, 'é'] })}::jsonb, 9007199254740993, '\\x00ff')`,
  );
  await first.close();

  const again = await open();
  t.teardown(() => again.close());
  const [row] = rowsOf(await again.db.execute(sql`SELECT name, at, doc, big, raw FROM t_thread`));
  t.equal(row!.name, 'a');
  t.same(row!.doc, { k: [1, 'é'] }, 'jsonb comes back as an object');
  t.equal(String(row!.big), '9007199254740993', 'int8 keeps every digit');
  t.same([...(row!.raw as Uint8Array)], [0, 255], 'bytea comes back as bytes');
  // drizzle keeps timestamps as text on PGlite (its parsers cross as type names, not functions).
  const [typed] = await again.db.execute<{ at: unknown }>(sql`SELECT at FROM t_thread`).then(rowsOf);
  t.type(typed!.at, 'string');
  const [{ n }] = rowsOf(await again.db.execute(sql`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`)) as [{ n: number }];
  t.ok(n > 0, 'the schema was migrated in the thread');
});

t.test('transactions commit, roll back on a throw, and nest with savepoints', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.db.transaction(async (tx) => {
    await tx.execute(sql`INSERT INTO t_thread (name) VALUES ('committed')`);
  });
  await t.rejects(
    db.db.transaction(async (tx) => {
      await tx.execute(sql`INSERT INTO t_thread (name) VALUES ('rolled back')`);
      throw new Error('boom');
    }),
    { message: 'boom' },
    'the error thrown inside comes out as is',
  );
  await db.db.transaction(async (tx) => {
    await tx.execute(sql`INSERT INTO t_thread (name) VALUES ('outer')`);
    await t.rejects(
      tx.transaction(async (inner) => {
        await inner.execute(sql`INSERT INTO t_thread (name) VALUES ('inner')`);
        throw new Error('inner fails');
      }),
    );
  });
  const names = rowsOf(await db.db.execute(sql`SELECT name FROM t_thread ORDER BY id`)).map((r) => r.name);
  t.same(names, ['a', 'committed', 'outer']);
});

t.test('a query outside a transaction waits for it; errors keep their SQLSTATE', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  const order: string[] = [];
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const tx = db.db.transaction(async (tx) => {
    await tx.execute(sql`UPDATE t_thread SET name = 'renamed' WHERE name = 'committed'`);
    order.push('tx wrote');
    await held;
    order.push('tx ends');
  });
  await new Promise((r) => setTimeout(r, 20));
  const outside = db.db.execute(sql`SELECT name FROM t_thread WHERE name = 'renamed'`).then((res) => {
    order.push('outside read');
    return rowsOf(res);
  });
  await new Promise((r) => setTimeout(r, 50));
  release();
  await tx;
  t.same(await outside, [{ name: 'renamed' }], 'the read sees the committed change');
  t.same(order, ['tx wrote', 'tx ends', 'outside read'], 'one session: the read queued behind the transaction');

  const duplicate = await db.db.execute(sql`INSERT INTO t_thread (name) VALUES ('a')`).catch((error: unknown) => error);
  t.equal(sqlState(duplicate), '23505', 'a unique violation is still 23505 (the API answers 409, not 500)');
  const nul = await db.db.execute(sql`SELECT ${'a\u0000b'}::text`).catch((error: unknown) => error);
  t.ok(sqlState(nul), 'a NUL byte is refused with a SQLSTATE, and the thread lives on');
  t.same(rowsOf(await db.db.execute(sql`SELECT 1 AS one`)), [{ one: 1 }]);
});

t.test('notifications cross the thread, and stop after unlisten', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  const got: string[] = [];
  const unlisten = await db.listen('su_thread_test', (payload) => got.push(payload));
  await db.exec(`NOTIFY su_thread_test, 'one'`);
  await db.db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_notify('su_thread_test', 'two')`);
  });
  await new Promise((r) => setTimeout(r, 50));
  await unlisten();
  await db.exec(`NOTIFY su_thread_test, 'three'`);
  await new Promise((r) => setTimeout(r, 50));
  t.same(got, ['one', 'two']);
});

t.test('a data dir that cannot be opened fails ready with the reason; calls after close fail', async (t) => {
  const aFile = join(dataDir, 'a-file');
  writeFileSync(aFile, '');
  const { database, ready } = await openDatabaseDeferred({ pgliteDir: join(aFile, 'pglite'), pgliteWorker });
  await t.rejects(ready, /ENOTDIR/, 'ready rejects with the reason');
  await t.rejects(database.db.execute(sql`SELECT 1`), /./, 'queries fail instead of hanging');

  const db = await open();
  await db.close();
  const after = (await db.db.execute(sql`SELECT 1`).catch((error: unknown) => error)) as Error;
  t.match((after.cause as Error | undefined)?.message, /embedded database is closed/, 'a query after close fails, saying why');
});

t.test('a thread lost after ready fails what waits and what follows, then stops the process (its supervisor restarts it)', async (t) => {
  // In a child process: the loss is thrown uncaught on purpose, which would end this test run.
  const script = join(dataDir, 'lose-thread.mts');
  writeFileSync(script, `
    import closeWithGrace from ${JSON.stringify(import.meta.resolve('close-with-grace'))};
    import { RemotePglite } from ${JSON.stringify(new URL('../../src/db/pglite-remote.ts', import.meta.url).href)};
    const client = new RemotePglite(new URL(${JSON.stringify(pgliteWorker.href)}), { dir: 'memory://', migrate: false });
    await client.waitReady;
    const waiting = client.query('SELECT pg_sleep(5)').then(() => 'answered', (e) => e.message);
    // As in main.ts: an uncaught error starts the graceful shutdown, then the process exits 1.
    closeWithGrace({ delay: 5000 }, async ({ err }) => {
      console.log('shutting down: ' + err?.message);
      console.log('waiting: ' + await waiting);
      console.log('after: ' + await client.query('SELECT 1').then(() => 'answered', (e) => e.message));
    });
    setTimeout(() => console.log('still running'), 3000);
    // What a WASM abort or an out-of-memory thread looks like from here: the worker just exits.
    await (client as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
  `);
  const { spawnSync } = await import('node:child_process');
  const run = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000 });
  t.match(run.stdout, /shutting down: the embedded database thread exited/, 'the loss is thrown, and the shutdown starts');
  t.match(run.stdout, /waiting: the embedded database thread exited/, 'the query in flight fails, saying why');
  t.match(run.stdout, /after: the embedded database thread exited/, 'a later query fails the same way');
  t.notMatch(run.stdout, /still running/, 'the process did not carry on without its database');
  t.not(run.status, 0, 'it exits with a failure');
});
