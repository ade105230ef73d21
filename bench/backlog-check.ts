// Backlog check latency (todo ∧ ready count + threshold) on real PostgreSQL with 1,000,000
// missions over 10,000 projects: through the service code GET /projects/:id/backlog uses
// (access check + backlog query, via drizzle) and, interleaved in the same run, the bare SQL.
// Usage: npx tsx bench/backlog-check.ts [--url postgres://…/postgres] [--samples 5000] [--reload]
import pg from 'pg';
import { openDatabase } from '../control-plane/src/db/client.ts';
import { systemClock } from '../control-plane/src/lib/time.ts';
import { createServices } from '../control-plane/src/services.ts';
import { arg, fmt, summarize } from './lib.ts';

const adminUrl = arg('url', process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const samples = Number(arg('samples', '5000'));
const PROJECTS = 10_000;
const MISSIONS = 1_000_000;
const dbName = 'su_bench_backlog';

const id = (prefix: string, n: number | string) => `${prefix}${String(n).padStart(25, '0')}`;

const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName])).rowCount;
if (process.argv.includes('--reload') && exists) await admin.query(`DROP DATABASE ${dbName} WITH (FORCE)`);
if (!exists || process.argv.includes('--reload')) await admin.query(`CREATE DATABASE ${dbName}`);
await admin.end();
const url = new URL(adminUrl);
url.pathname = `/${dbName}`;

const database = await openDatabase({ databaseUrl: url.toString(), poolSize: 4 });
const bare = new pg.Client({ connectionString: url.toString() });
await bare.connect();

const loaded = Number((await bare.query('SELECT count(*) FROM missions')).rows[0].count);
if (loaded !== MISSIONS) {
  console.log(`loading ${MISSIONS} missions over ${PROJECTS} projects …`);
  const t = performance.now();
  await bare.query('TRUNCATE organizations, users, missions CASCADE');
  await bare.query(`INSERT INTO users (id, email) VALUES ('${id('U', 1)}', 'bench@localhost')`);
  // 100 organizations of 100 projects; the bench user is a member of every organization.
  await bare.query(`INSERT INTO organizations (id, name) SELECT 'O' || lpad(g::text, 25, '0'), 'org ' || g FROM generate_series(1, 100) g`);
  await bare.query(`INSERT INTO organization_memberships (id, organization_id, user_id, role)
    SELECT 'E' || lpad(g::text, 25, '0'), 'O' || lpad(g::text, 25, '0'), '${id('U', 1)}', 'member' FROM generate_series(1, 100) g`);
  await bare.query(`INSERT INTO projects (id, organization_id, name)
    SELECT 'P' || lpad(g::text, 25, '0'), 'O' || lpad((1 + (g - 1) / 100)::text, 25, '0'), 'project ' || g FROM generate_series(1, ${PROJECTS}) g`);
  // A fallback config on every other project, so both threshold paths are exercised.
  await bare.query(`INSERT INTO mission_fallback_configs (id, project_id, backlog_threshold)
    SELECT 'F' || lpad(g::text, 25, '0'), 'P' || lpad(g::text, 25, '0'), 3 + g % 5 FROM generate_series(1, ${PROJECTS}, 2) g`);
  await bare.query(`INSERT INTO missions (id, project_id, title, list, ready, list_order, priority)
    SELECT 'M' || lpad(g::text, 25, '0'), 'P' || lpad((1 + g % ${PROJECTS})::text, 25, '0'), 'mission ' || g,
           (ARRAY['todo','doing','review','done'])[1 + (g * 7) % 4]::mission_list, g % 3 = 0, g, 1 + g % 5
      FROM generate_series(1, ${MISSIONS}) g`);
  await bare.query('VACUUM ANALYZE');
  console.log(`loaded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

const services = createServices(database.db, systemClock);
const caller = { kind: 'user' as const, userId: id('U', 1), apiKeyId: id('K', 1), isInstanceAdmin: false };
const bareSql = "SELECT count(*)::int AS n FROM missions WHERE project_id = $1 AND list = 'todo' AND ready";
const project = () => id('P', 1 + Math.floor(Math.random() * PROJECTS));

const viaService: number[] = [];
const viaSql: number[] = [];
for (let i = 0; i < samples + 500; i++) {
  const p = project();
  let t = performance.now();
  const result = await services.missions.backlog(caller, p);
  const serviceMs = performance.now() - t;
  t = performance.now();
  const { rows } = await bare.query({ name: 'backlog', text: bareSql, values: [p] });
  const sqlMs = performance.now() - t;
  if (rows[0].n !== result.count) throw new Error(`service and SQL disagree for ${p}`);
  if (i >= 500) {
    // the first 500 rounds warm caches and JIT
    viaService.push(serviceMs);
    viaSql.push(sqlMs);
  }
}
const plan = (await bare.query(`EXPLAIN ${bareSql.replace('$1', `'${id('P', 42)}'`)}`)).rows.map((r) => r['QUERY PLAN']).join('\n  ');
const s = summarize(viaService);
const q = summarize(viaSql);
console.log(`backlog check, PostgreSQL ${(await bare.query('SHOW server_version')).rows[0].server_version}, ${MISSIONS} missions / ${PROJECTS} projects, ${samples} samples each, interleaved`);
console.log(`  service (access check + backlog query, drizzle): p50 ${fmt(s.p50)}  p99 ${fmt(s.p99)}  max ${fmt(s.max)}`);
console.log(`  bare SQL count (prepared, node-postgres):        p50 ${fmt(q.p50)}  p99 ${fmt(q.p99)}  max ${fmt(q.max)}`);
console.log(`  goal: service p99 ≤ 1 ms → ${s.p99 <= 1 ? 'met' : 'NOT met'}`);
console.log(`  plan: ${plan}`);
await bare.end();
await database.close();
