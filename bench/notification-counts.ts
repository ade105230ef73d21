// Unread notification counts (#18) on real PostgreSQL with 100,000 notifications: 1,000 people
// with 50 each, and one heavy reader with 50,000 (half of them unread). Timed through the code
// GET /notifications/counts runs (the notification_counts view, via drizzle) and, interleaved in
// the same run, the view's bare SQL; every count is checked against the unread list.
// Usage: npx tsx bench/notification-counts.ts [--url postgres://…/postgres] [--samples 3000]
import pg from 'pg';
import { openDatabase } from '../control-plane/src/db/client.ts';
import { listNotifications, unreadCounts } from '../control-plane/src/modules/notifications/notifications.repository.ts';
import { arg, fmt, freshDatabase, summarize } from './lib.ts';

const DB_NAME = 'su_bench_notifications';
const PEOPLE = 1_000;
const EACH = 50;
const HEAVY = 50_000;
const adminUrl = arg('url', process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const samples = Number(arg('samples', '3000'));
const userId = (n: number) => `U${String(n).padStart(25, '0')}`;
const HEAVY_USER = userId(0);

const databaseUrl = await freshDatabase(adminUrl, DB_NAME);
const database = await openDatabase({ databaseUrl, poolSize: 4 }); // migrates
const bare = new pg.Client({ connectionString: databaseUrl });
await bare.connect();

console.log(`loading ${PEOPLE * EACH + HEAVY} notifications …`);
await bare.query(`INSERT INTO users (id, email) SELECT 'U' || lpad(g::text, 25, '0'), 'u' || g || '@bench' FROM generate_series(0, ${PEOPLE}) g`);
// Per person: a third read, 1 in 25 archived, 1 in 20 snoozed or held into the future, spread over 180 days.
const rows = (heavy: boolean, n: number) => `
  INSERT INTO notifications (id, user_id, kind, segment, title, read_at, archived_at, snoozed_until, visible_at, created_at)
  SELECT 'N' || lpad('${heavy ? 'h' : 'p'}' || g, 25, '0'), ${heavy ? `'${HEAVY_USER}'` : `'U' || lpad((1 + g % ${PEOPLE})::text, 25, '0')`},
         'pr.failed', (ARRAY['mission','review','fallback'])[1 + g % 3], 'notification ' || g,
         CASE WHEN g % 3 = 0 THEN now() END, CASE WHEN g % 25 = 0 THEN now() END,
         CASE WHEN g % 20 = 1 THEN now() + interval '1 day' END,
         CASE WHEN g % 20 = 1 THEN now() + interval '1 day' ELSE '-infinity' END,
         now() - (g % 180) * interval '1 day' - (g % 1440) * interval '1 minute'
    FROM generate_series(1, ${n}) g`;
await bare.query(rows(false, PEOPLE * EACH));
await bare.query(rows(true, HEAVY));
await bare.query('VACUUM ANALYZE notifications');

const viewSql = 'SELECT segment, unread FROM notification_counts WHERE user_id = $1';
const pick = (i: number) => (i % 10 === 0 ? HEAVY_USER : userId(1 + Math.floor(Math.random() * PEOPLE)));
const viaCode: number[] = [];
const viaSql: number[] = [];
const heavyCode: number[] = [];
for (let i = 0; i < samples + 300; i++) {
  const user = pick(i);
  let t = performance.now();
  const counts = await unreadCounts(database.db, user);
  const codeMs = performance.now() - t;
  t = performance.now();
  const { rows: sqlRows } = await bare.query({ name: 'counts', text: viewSql, values: [user] });
  const sqlMs = performance.now() - t;
  if (sqlRows.reduce((a, r) => a + Number(r.unread), 0) !== counts.unread) throw new Error(`code and SQL disagree for ${user}`);
  if (user !== HEAVY_USER && counts.unread <= 200) {
    const list = await listNotifications(database.db, user, { view: 'inbox', unread: true, limit: 200 });
    if (list.length !== counts.unread) throw new Error(`the count (${counts.unread}) and the unread list (${list.length}) disagree for ${user}`);
  }
  if (i < 300) continue; // warm caches and JIT
  (user === HEAVY_USER ? heavyCode : viaCode).push(codeMs);
  viaSql.push(sqlMs);
}
const heavyTotal = (await unreadCounts(database.db, HEAVY_USER)).unread;
const plan = (await bare.query(`EXPLAIN ${viewSql.replace('$1', `'${HEAVY_USER}'`)}`)).rows.map((r) => r['QUERY PLAN']).join('\n  ');
const line = (name: string, s: ReturnType<typeof summarize>) => `  ${name.padEnd(46)} p50 ${fmt(s.p50)}  p99 ${fmt(s.p99)}  max ${fmt(s.max)}  (n ${s.n})`;
console.log(`unread counts, PostgreSQL ${(await bare.query('SHOW server_version')).rows[0].server_version}, ${PEOPLE * EACH + HEAVY} notifications, ${samples} samples, interleaved`);
console.log(line(`code (unreadCounts: view via drizzle), ${EACH} each`, summarize(viaCode)));
console.log(line(`code, the heavy reader (${heavyTotal} unread)`, summarize(heavyCode)));
console.log(line('bare SQL on the view, all', summarize(viaSql)));
console.log(`  every count matched the unread list; plan for the heavy reader:\n  ${plan}`);
await bare.end();
await database.close();
