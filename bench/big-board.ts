// The 10,000-project / 1,000,000-mission PostgreSQL database the backlog and fallback-tick
// benches share. Loaded once with server-side generate_series; reused while its counts match.
import pg from 'pg';
import { openDatabase } from '../control-plane/src/db/client.ts';
import type { Database } from '../control-plane/src/db/types.ts';

export const PROJECTS = 10_000;
export const MISSIONS = 1_000_000;
const DB_NAME = 'su_bench_board';

export const benchId = (prefix: string, n: number | string) => `${prefix}${String(n).padStart(25, '0')}`;
export const BENCH_USER = benchId('U', 1);

export async function openBigBoard(adminUrl: string, opts: { reload?: boolean } = {}): Promise<{ database: Database; bare: pg.Client }> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB_NAME])).rowCount;
  if (exists && opts.reload) await admin.query(`DROP DATABASE ${DB_NAME} WITH (FORCE)`);
  if (!exists || opts.reload) await admin.query(`CREATE DATABASE ${DB_NAME}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${DB_NAME}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolSize: 4 });
  const bare = new pg.Client({ connectionString: url.toString() });
  await bare.connect();
  const loaded = Number((await bare.query('SELECT count(*) FROM missions')).rows[0].count);
  if (loaded !== MISSIONS) await load(bare);
  return { database, bare };
}

async function load(bare: pg.Client) {
  console.log(`loading ${MISSIONS} missions over ${PROJECTS} projects …`);
  const t = performance.now();
  await bare.query('TRUNCATE organizations, users, missions CASCADE');
  await bare.query(`INSERT INTO users (id, email) VALUES ('${BENCH_USER}', 'bench@localhost')`);
  // 100 organizations of 100 projects; the bench user is a member of every organization.
  await bare.query(`INSERT INTO organizations (id, name) SELECT 'O' || lpad(g::text, 25, '0'), 'org ' || g FROM generate_series(1, 100) g`);
  await bare.query(`INSERT INTO organization_memberships (id, organization_id, user_id, role)
    SELECT 'E' || lpad(g::text, 25, '0'), 'O' || lpad(g::text, 25, '0'), '${BENCH_USER}', 'member' FROM generate_series(1, 100) g`);
  await bare.query(`INSERT INTO projects (id, organization_id, name)
    SELECT 'P' || lpad(g::text, 25, '0'), 'O' || lpad((1 + (g - 1) / 100)::text, 25, '0'), 'project ' || g FROM generate_series(1, ${PROJECTS}) g`);
  // A fallback config on every project, thresholds 3..7 around the ~8 ready todo missions each has.
  await bare.query(`INSERT INTO mission_fallback_configs (id, project_id, backlog_threshold)
    SELECT 'F' || lpad(g::text, 25, '0'), 'P' || lpad(g::text, 25, '0'), 3 + g % 5 FROM generate_series(1, ${PROJECTS}) g`);
  await bare.query(`INSERT INTO missions (id, project_id, title, list, ready, list_order, priority)
    SELECT 'M' || lpad(g::text, 25, '0'), 'P' || lpad((1 + g % ${PROJECTS})::text, 25, '0'), 'mission ' || g,
           (ARRAY['todo','doing','review','done'])[1 + (g * 7) % 4]::mission_list, g % 3 = 0, g, 1 + g % 5
      FROM generate_series(1, ${MISSIONS}) g`);
  await bare.query('VACUUM ANALYZE');
  console.log(`loaded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
