import { randomBytes } from 'node:crypto';
// Backlog check latency (todo ∧ ready count + threshold) on real PostgreSQL with 1,000,000
// missions over 10,000 projects: through the service code GET /projects/:id/backlog uses
// (access check + backlog query, via drizzle) and, interleaved in the same run, the bare SQL.
// Usage: npx tsx bench/backlog-check.ts [--url postgres://…/postgres] [--samples 5000] [--reload]
import { systemClock } from '../control-plane/src/lib/time.ts';
import { createServices } from '../control-plane/src/services.ts';
import { createSecretBox } from '../control-plane/src/lib/secret-box.ts';
import { BENCH_USER, MISSIONS, PROJECTS, benchId as id, openBigBoard } from './big-board.ts';
import { arg, fmt, summarize } from './lib.ts';

const adminUrl = arg('url', process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const samples = Number(arg('samples', '5000'));
const { database, bare } = await openBigBoard(adminUrl, { reload: process.argv.includes('--reload') });

const services = createServices(database.db, systemClock, { docsDir: '/tmp/su-bench-docs', secretBox: createSecretBox(randomBytes(32)), githubApiUrl: 'https://api.github.com' });
const caller = { kind: 'user' as const, userId: BENCH_USER, apiKeyId: id('K', 1), isInstanceAdmin: false };
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
