// A rolling upgrade with one migration in flight: instances of the old release keep serving
// while a new release migrates under the advisory lock; a second new instance (or the migration
// Job run twice) waits for the lock and then finds nothing to apply. Real PostgreSQL only: the
// migrators are real processes running deploy/migrate.mjs, the old instance a real server.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { onPostgres } from '../helpers/database.ts';
import { createMission, createOrg, createProject } from '../helpers/fixtures.ts';
import { queryRows } from '../helpers/sql.ts';
import { eventually } from './helpers.ts';

const migrateScript = fileURLToPath(new URL('../../../deploy/migrate.mjs', import.meta.url));
const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));
const MIGRATION_LOCK_KEY = 7_878_001;

/**
 * The shipped migrations plus the next release's: an "expand" step the old code does not know.
 * It works for a while first (a slow backfill), so the lock is visibly held; the column is added
 * last, so the hot table's ACCESS EXCLUSIVE lock lasts only until the commit right after.
 */
function nextReleaseMigrations(dir: string) {
  cpSync(migrationsFolder, dir, { recursive: true });
  const journalPath = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
  const last = journal.entries.at(-1);
  const tag = `${String(last.idx + 1).padStart(4, '0')}_rolling_probe`;
  journal.entries.push({ idx: last.idx + 1, version: last.version, when: last.when + 1, tag, breakpoints: true });
  writeFileSync(journalPath, JSON.stringify(journal, null, 2));
  writeFileSync(join(dir, `${tag}.sql`), [
    'CREATE TABLE "rolling_probe" ("id" integer PRIMARY KEY)',
    'SELECT pg_sleep(8)',
    'INSERT INTO "rolling_probe" VALUES (1)',
    'ALTER TABLE "missions" ADD COLUMN "rolling_note" text',
  ].join(';\n--> statement-breakpoint\n'));
  return journal.entries.length as number;
}

function runMigrator(url: string, folder: string) {
  const child = spawn(process.execPath, [migrateScript, folder], { env: { ...process.env, DATABASE_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return new Promise<{ code: number | null; out: string }>((resolve) => child.once('exit', (code) => resolve({ code, out })));
}

if (!onPostgres) {
  t.pass('runs on real PostgreSQL only (set TEST_DATABASE_URL): PGlite is one process, it has no rolling upgrade');
} else {
  t.test('the old release keeps serving while the new one migrates under the lock; a second migrator waits, then applies nothing', async (t) => {
    const old = await startTestApp(t);
    const org = await createOrg(old.admin);
    const project = await createProject(old.admin, org.id);
    const dir = mkdtempSync(join(tmpdir(), 'su-rolling-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const total = nextReleaseMigrations(dir);

    // The old release's traffic, all along: reads and writes on the table the migration alters.
    const failures: string[] = [];
    let served = 0;
    let slowest = 0;
    let traffic = true;
    const load = (async () => {
      while (traffic) {
        const started = Date.now();
        try {
          await createMission(old.admin, project.id, { title: `during ${served}` });
          const list = await old.admin.get(`/api/v1/projects/${project.id}/missions`);
          if (list.status !== 200) failures.push(`list ${list.status}`);
          served++;
        } catch (err) {
          failures.push((err as Error).message);
        }
        slowest = Math.max(slowest, Date.now() - started);
      }
    })();

    const first = runMigrator(old.db.url!, dir);
    // The first holds the lock (sleeping in its migration); then the second starts and must wait.
    const holders = () => queryRows<{ granted: boolean }>(old.db, `SELECT granted FROM pg_locks WHERE locktype = 'advisory' AND objid = ${MIGRATION_LOCK_KEY}
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
    t.ok(await eventually(async () => (await holders()).some((h) => h.granted), 20_000), 'the first migrator holds the lock');
    const second = runMigrator(old.db.url!, dir);
    t.ok(await eventually(async () => (await holders()).some((h) => !h.granted), 20_000), 'the second waits for it');
    const servedBefore = served;

    const [a, b] = await Promise.all([first, second]);
    traffic = false;
    await load;
    t.equal(a.code, 0, `the first migrator succeeds (${a.out.trim()})`);
    t.equal(b.code, 0, `the second too, with nothing left to do (${b.out.trim()})`);
    t.match(b.out, new RegExp(`\\(${total} migrations applied\\)`), 'and reports the same schema');
    t.same(failures, [], 'no request of the old release failed during the migration');
    t.ok(served > servedBefore, `the old release kept serving while the lock was held (${served} rounds, slowest ${slowest} ms)`);

    const applied = await queryRows<{ n: number }>(old.db, 'SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
    t.equal(applied[0]!.n, total, 'each migration recorded once');
    t.same(await queryRows(old.db, 'SELECT id FROM rolling_probe'), [{ id: 1 }], 'the new migration ran exactly once');
    const column = await queryRows(old.db, `SELECT 1 FROM information_schema.columns WHERE table_name = 'missions' AND column_name = 'rolling_note'`);
    t.equal(column.length, 1, 'the expanded column exists');
    // The old code still works on the expanded schema.
    t.equal((await old.admin.get(`/api/v1/projects/${project.id}/missions`)).status, 200, 'the old release reads the expanded table');
  });
}
