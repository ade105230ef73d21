import { PGlite } from '@electric-sql/pglite';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import t from 'tap';
import { migratePgliteDb, migratePostgresDb } from '../../src/db/migrate.ts';
import { onPostgres, testDatabaseUrl } from '../helpers/database.ts';

/**
 * An EMPTY database (no template, no snapshot): a brand-new PGlite, or a freshly created
 * PostgreSQL database. Everything here runs on what the committed migrations alone build.
 */
interface EmptyDb {
  migrate(): Promise<void>;
  query<T = Record<string, any>>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

function withDatabase(url: string, name: string) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * pool.end() resolves before the server has seen every disconnect, so DROP DATABASE … WITH (FORCE)
 * may still terminate a closing connection; that error on an ended pool is expected, not a failure.
 */
function quietPool(database: string, max: number) {
  const pool = new pg.Pool({ connectionString: withDatabase(testDatabaseUrl!, database), max });
  pool.on('error', () => {});
  return pool;
}

async function createEmptyDb(): Promise<EmptyDb> {
  if (!onPostgres) {
    const client = new PGlite();
    return {
      migrate: () => migratePgliteDb(client),
      query: async (text, params) => (await client.query<any>(text, params)).rows,
      close: () => client.close(),
    };
  }
  const admin = new pg.Client({ connectionString: testDatabaseUrl });
  await admin.connect();
  const name = `su_migrate_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE "${name}"`);
  const pool = quietPool(name, 2);
  return {
    migrate: () => migratePostgresDb(pool),
    query: async (text, params) => (await pool.query(text, params)).rows,
    close: async () => {
      await pool.end();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}

const db = await createEmptyDb();
t.teardown(() => db.close());

const tableNames = async () =>
  (await db.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
  )).map((r) => r.table_name);

/** Tables, columns and indexes: what a re-run must leave exactly as it was. */
const schemaShape = async () => ({
  columns: await db.query(
    "SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2",
  ),
  indexes: await db.query("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"),
  triggers: await db.query("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1"),
});

const indexDef = async (name: string) => {
  const [row] = await db.query<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND indexname = $1", [name]);
  return row?.indexdef;
};

const DESIGN_TABLES = [
  'organizations', 'users', 'organization_memberships', 'api_keys', 'projects', 'project_members', 'project_stars',
  'access_requests', 'project_activity', 'notifications', 'notification_preferences', 'workstations',
  'workstation_sessions', 'project_workstations', 'project_repositories', 'workstation_repositories',
  'workstation_worktrees', 'flows', 'actors', 'missions', 'mission_dependencies', 'mission_events',
  'code_agent_sessions', 'github_pull_requests', 'github_pr_comments', 'mission_fallback_configs',
  'mission_fallback_templates', 'mission_fallback_runs', 'mission_fallback_items', 'audit_events',
];

t.test('migrations apply to an empty database and re-apply as a no-op', async (t) => {
  t.same(await tableNames(), [], 'the database starts empty');
  await db.migrate();
  const applied = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
  t.ok(applied[0]!.n >= 2, 'the committed migrations are recorded');
  const shape = await schemaShape();
  t.ok(shape.columns.length > 100);

  await db.migrate();
  t.same(await db.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations'), applied, 'nothing new recorded');
  t.same(await schemaShape(), shape, 'tables, columns, indexes and triggers unchanged');
});

t.test('every table of the data design exists', async (t) => {
  const tables = new Set(await tableNames());
  for (const table of DESIGN_TABLES) t.ok(tables.has(table), table);
});

t.test('there is no loop anywhere: no is_loop / loop_schedule column, no loop list', async (t) => {
  const loopColumns = await db.query(
    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name IN ('is_loop', 'loop_schedule')",
  );
  t.same(loopColumns, []);
  const labels = await db.query<{ enumlabel: string }>(
    "SELECT e.enumlabel FROM pg_enum e JOIN pg_type ty ON ty.oid = e.enumtypid WHERE ty.typname = 'mission_list' ORDER BY e.enumsortorder",
  );
  t.same(labels.map((l) => l.enumlabel), ['todo', 'doing', 'review', 'done']);
});

t.test('mission_events carry an origin; missions carry origin and fallback_item_id', async (t) => {
  const [origin] = await db.query(
    "SELECT udt_name, is_nullable, column_default FROM information_schema.columns WHERE table_name = 'mission_events' AND column_name = 'origin'",
  );
  t.match(origin, { udt_name: 'event_origin', is_nullable: 'NO', column_default: /'system'/ });
  const labels = await db.query<{ enumlabel: string }>(
    "SELECT e.enumlabel FROM pg_enum e JOIN pg_type ty ON ty.oid = e.enumtypid WHERE ty.typname = 'event_origin' ORDER BY e.enumsortorder",
  );
  t.same(labels.map((l) => l.enumlabel), ['system', 'user', 'agent', 'fallback']);
  const missionColumns = (await db.query<{ column_name: string }>(
    "SELECT column_name FROM information_schema.columns WHERE table_name = 'missions'",
  )).map((c) => c.column_name);
  for (const column of ['origin', 'fallback_item_id', 'list_order', 'dependency_count', 'last_event_at', 'ready']) {
    t.ok(missionColumns.includes(column), `missions.${column}`);
  }
});

t.test('the indexes the design names exist with the right definitions', async (t) => {
  // The ready backlog counts only missions that can run: ones without a repository never do (#15).
  t.match(await indexDef('idx_missions_backlog'), /ON public\.missions USING btree \(project_id\) WHERE \(\(list = 'todo'::mission_list\) AND ready AND \(repository_id IS NOT NULL\)\)$/);
  t.match(
    await indexDef('idx_mission_fallback_runs_project'),
    /ON public\.mission_fallback_runs USING btree \(project_id, started_at DESC\) INCLUDE \(status\)$/,
  );
  t.match(await indexDef('idx_notifications_unread'), /ON public\.notifications USING btree \(user_id, created_at DESC( NULLS LAST)?\) WHERE \(read_at IS NULL\)$/);
  t.match(await indexDef('idx_missions_project_list_ready'), /ON public\.missions USING btree \(project_id, list, ready\)$/);
  t.match(await indexDef('idx_mission_fallback_items_run_status'), /ON public\.mission_fallback_items USING btree \(mission_fallback_run_id, status\)$/);
  t.match(await indexDef('idx_missions_board_order'), /\(project_id, list, list_order, id\)$/);
  t.match(await indexDef('mission_events_mission_seq_key'), /^CREATE UNIQUE INDEX .*\(mission_id, seq\)$/);
  t.match(await indexDef('users_email_key'), /^CREATE UNIQUE INDEX .*\(email\)$/);
  t.match(await indexDef('api_keys_key_hash_key'), /^CREATE UNIQUE INDEX .*\(key_hash\)$/);
});

t.test('audit_events is write-once: no UPDATE, no DELETE of a fresh row', async (t) => {
  await db.query("INSERT INTO audit_events (id, actor_type, action) VALUES ('01ARZ3NDEKTSV4RRFFQ69G5FAV', 'system', 'test.fresh')");
  await t.rejects(db.query("UPDATE audit_events SET action = 'test.tampered' WHERE id = '01ARZ3NDEKTSV4RRFFQ69G5FAV'"), /write-once/);
  await t.rejects(db.query("DELETE FROM audit_events WHERE id = '01ARZ3NDEKTSV4RRFFQ69G5FAV'"), /retained for 400 days/);
  const [row] = await db.query("SELECT action FROM audit_events WHERE id = '01ARZ3NDEKTSV4RRFFQ69G5FAV'");
  t.same(row, { action: 'test.fresh' }, 'the row is untouched');

  // Past the retention period a row may be deleted (and still never updated).
  await db.query(
    "INSERT INTO audit_events (id, actor_type, action, created_at) VALUES ('01ARZ3NDEKTSV4RRFFQ69G5FAW', 'system', 'test.old', now() - interval '401 days')",
  );
  await t.rejects(db.query("UPDATE audit_events SET action = 'x' WHERE id = '01ARZ3NDEKTSV4RRFFQ69G5FAW'"), /write-once/);
  await db.query("DELETE FROM audit_events WHERE id = '01ARZ3NDEKTSV4RRFFQ69G5FAW'");
  t.same(await db.query("SELECT id FROM audit_events WHERE id = '01ARZ3NDEKTSV4RRFFQ69G5FAW'"), []);
});

t.test('two processes migrating one empty PostgreSQL database at once both succeed', { skip: onPostgres ? false : 'needs real PostgreSQL (PGlite is a single session)' }, async (t) => {
  const admin = new pg.Client({ connectionString: testDatabaseUrl });
  await admin.connect();
  const name = `su_migrate_race_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE "${name}"`);
  const pools = [0, 1].map(() => quietPool(name, 1));
  try {
    await Promise.all(pools.map((pool) => migratePostgresDb(pool)));
    const [row] = (await pools[0]!.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'")).rows;
    t.ok(row.n >= DESIGN_TABLES.length);
    const applied = await db.query('SELECT hash FROM drizzle.__drizzle_migrations ORDER BY id');
    const raced = (await pools[0]!.query('SELECT hash FROM drizzle.__drizzle_migrations ORDER BY id')).rows;
    t.same(raced, applied, 'each migration recorded once');
  } finally {
    await Promise.all(pools.map((pool) => pool.end()));
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
});
