import { randomBytes } from 'node:crypto';
// One Mission Fallback scheduler tick over 10,000 projects (1,000,000 missions) on PostgreSQL —
// the set-based claim + observe + sample — against a naive per-project loop doing the same work
// (read config, count backlog, count open proposals, check the admission gate, record the sample,
// stamp the check) with one query each, measured side by side in the same run.
// Usage: npx tsx bench/fallback-tick.ts [--url postgres://…/postgres] [--rounds 5]
import { and, count, eq } from 'drizzle-orm';
import {
  missionFallbackBacklogSamples, missionFallbackConfigs, missionFallbackItems, missionFallbackRuns, missions,
} from '../control-plane/src/db/schema/index.ts';
import { createFallbackScheduler } from '../control-plane/src/modules/fallback/scheduler.ts';
import { systemClock } from '../control-plane/src/lib/time.ts';
import { createServices } from '../control-plane/src/services.ts';
import { createSecretBox } from '../control-plane/src/lib/secret-box.ts';
import { PROJECTS, openBigBoard } from './big-board.ts';
import { arg, fmt } from './lib.ts';

const adminUrl = arg('url', process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const rounds = Number(arg('rounds', '5'));
const { database, bare } = await openBigBoard(adminUrl);
const db = database.db;
const services = createServices(db, systemClock, { docsDir: '/tmp/su-bench-docs', secretBox: createSecretBox(randomBytes(32)), githubApiUrl: 'https://api.github.com' });
const scheduler = createFallbackScheduler({ db, clock: systemClock, engine: services.fallbackEngine, enabled: true, tickMs: 60_000 });

/** Every project due again, and no samples piling up between rounds. */
async function reset() {
  await bare.query("UPDATE mission_fallback_configs SET last_checked_at = NULL, status = 'active'");
  await bare.query('TRUNCATE mission_fallback_backlog_samples');
  await bare.query('VACUUM ANALYZE mission_fallback_configs, mission_fallback_backlog_samples');
}

async function naiveTick() {
  const now = new Date();
  const configs = await db.select().from(missionFallbackConfigs);
  let checked = 0;
  for (const c of configs) {
    const due = !c.lastCheckedAt || c.lastCheckedAt.getTime() + c.checkCadenceMinutes * 60_000 <= now.getTime();
    if (c.status !== 'active' || !due) continue;
    const [backlog] = await db.select({ n: count() }).from(missions)
      .where(and(eq(missions.projectId, c.projectId), eq(missions.list, 'todo'), eq(missions.ready, true)));
    await db.select({ n: count() }).from(missionFallbackItems)
      .where(and(eq(missionFallbackItems.projectId, c.projectId), eq(missionFallbackItems.status, 'proposed')));
    await db.select({ id: missionFallbackRuns.id }).from(missionFallbackRuns)
      .where(and(eq(missionFallbackRuns.projectId, c.projectId), eq(missionFallbackRuns.status, 'awaiting_review'))).limit(1);
    await db.insert(missionFallbackBacklogSamples).values({ projectId: c.projectId, checkedAt: now, backlogCount: backlog!.n, backlogThreshold: c.backlogThreshold });
    await db.update(missionFallbackConfigs).set({ lastCheckedAt: now }).where(eq(missionFallbackConfigs.id, c.id));
    checked += 1;
  }
  return checked;
}

// Steady state of a table the scheduler updates every tick: its pages keep the fillfactor's free
// room (a freshly bulk-loaded table has none until rewritten, as autovacuum would over time).
await bare.query('VACUUM FULL mission_fallback_configs');

const tickMs: number[] = [];
const naiveMs: number[] = [];
for (let round = 0; round < rounds; round++) {
  await reset();
  let t = performance.now();
  const result = await scheduler.tick();
  tickMs.push(performance.now() - t);
  if (result.checked.length !== PROJECTS) throw new Error(`tick checked ${result.checked.length} projects`);
  await reset();
  t = performance.now();
  const checked = await naiveTick();
  naiveMs.push(performance.now() - t);
  if (checked !== PROJECTS) throw new Error(`naive loop checked ${checked} projects`);
  console.log(`  round ${round + 1}: tick ${fmt(tickMs.at(-1)!)}, naive ${fmt(naiveMs.at(-1)!)}`);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const tick = median(tickMs);
const naive = median(naiveMs);
const ratios = tickMs.map((x, i) => naiveMs[i]! / x);
console.log(`fallback scheduler tick, ${PROJECTS} projects / 1,000,000 missions, PostgreSQL, median of ${rounds} rounds:`);
console.log(`  set-based tick: ${fmt(tick)}   (goal ≤ 200 ms → ${tick <= 200 ? 'met' : 'NOT met'})`);
console.log(`  naive per-project loop: ${fmt(naive)}`);
console.log(`  speed-up: median ${median(ratios).toFixed(1)}× (goal ≥ 10× → ${median(ratios) >= 10 ? 'met' : 'NOT met'})`);
await bare.end();
await database.close();
