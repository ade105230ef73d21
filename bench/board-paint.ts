// First paint of the board (#16): a project with 500 missions against an empty project, in real
// Chromium, side by side in one run. A real control plane (`bin/start.mjs`, its own process) serves
// the board as users get it. Each sample is a fresh browser context (signed in through
// localStorage, as a returning user) loading the page; the time is from navigation start to the
// first frame painted after the board's columns are filled (`#board[aria-busy=false]`, then one
// animation frame and a task: the frame that shows the cards). Samples alternate empty / full so
// load on this shared machine hits both alike; the figure is the ratio of the medians.
// Usage: npx tsx bench/board-paint.ts [--samples 15] [--missions 500] [--phases]
//        (DATABASE_URL=postgres://…/postgres for PostgreSQL; PGlite otherwise)
import { chromium, type Browser } from 'playwright-core';
import { arg, fmt, removeTmpDirs, startBenchControlPlane, summarize } from './lib.ts';

const samples = Number(arg('samples', '15'));
const missionCount = Number(arg('missions', '500'));
const KEY = 'su_bench_admin_key_0123456789abcdef';

const cp = await startBenchControlPlane('su_bench_board_paint');
const org = await cp.call('POST', '/organizations', { name: 'Paint bench' });
const empty = await cp.call('POST', '/projects', { organizationId: org.id, name: 'Empty board' });
const full = await cp.call('POST', '/projects', { organizationId: org.id, name: `${missionCount} missions` });

/**
 * A board as a busy project has it: most missions Done, a Review queue, a long Todo (a third of
 * it ready, some with descriptions). Created and moved through the API, a few at a time.
 */
async function fillBoard(projectId: string, n: number) {
  const lists = Array.from({ length: n }, (_, i) => (i < n * 0.3 ? 'todo' : i < n * 0.4 ? 'review' : 'done'));
  // Four at a time: 20 concurrent creates into one project got 500s (SU_ERR_INTERNAL) on PostgreSQL.
  for (let i = 0; i < n; i += 4) {
    await Promise.all(lists.slice(i, i + 4).map(async (list, j) => {
      const k = i + j;
      const m = await cp.call('POST', `/projects/${projectId}/missions`, {
        title: `Mission ${k + 1}: ${['fix the flaky login test', 'upgrade the ORM', 'write the onboarding guide', 'split the billing module'][k % 4]}`,
        description: k % 3 === 0 ? 'Some context a person wrote for the agent, a sentence or two long.' : undefined,
        priority: (k % 5) + 1,
        ready: list === 'todo' && k % 3 === 0,
      });
      if (list !== 'todo') await cp.call('POST', `/missions/${m.id}/move`, { list });
    }));
  }
}
await fillBoard(full.id, missionCount);

const browser: Browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});

/** Where a sample's time went (milliseconds from navigation start), printed with --phases. */
const phases: Record<'empty' | 'full', Record<string, number>[]> = { empty: [], full: [] };

/** One page load; milliseconds from navigation start to the frame that shows the filled board. */
async function paint(projectId: string, expectedCards: number): Promise<number> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  try {
    // A string, not a function: tsx would wrap a named arrow in a helper the page does not have.
    await context.addInitScript(`
      localStorage.setItem('solo-unicorn.apiKey', ${JSON.stringify(KEY)});
      localStorage.setItem('solo-unicorn.projectId', ${JSON.stringify(projectId)});
      // Checked every frame from the first: when the board is filled, the next frame paints it.
      (function check() {
        const board = document.getElementById('board');
        if (board && !board.hidden && board.getAttribute('aria-busy') === 'false') {
          window.__boardFilledAt = performance.now();
          requestAnimationFrame(() => setTimeout(() => { window.__boardPaintedAt = performance.now(); }, 0));
        } else requestAnimationFrame(check);
      })();
    `);
    const page = await context.newPage();
    await page.goto(cp.base, { waitUntil: 'commit' });
    await page.waitForFunction(() => (window as any).__boardPaintedAt !== undefined, undefined, { timeout: 60_000, polling: 50 }).catch(async (error) => {
      const state = await page.evaluate(() => ({ busy: document.getElementById('board')?.getAttribute('aria-busy'), notice: document.getElementById('notice')?.textContent, signIn: !document.getElementById('sign-in')?.hidden }));
      throw new Error(`the board never painted: ${JSON.stringify(state)}`, { cause: error });
    });
    // The columns' counts: a long column paints its first 100 cards and loads the rest after the
    // paint (its count reads "100+" meanwhile), "Show all" shows them. Checked once all are in.
    await page.waitForFunction(() => ![...document.querySelectorAll('#board [data-count]')].some((c) => c.textContent?.includes('+')), undefined, { timeout: 60_000, polling: 50 });
    const counts = await page.locator('#board [data-count]').allTextContents();
    const cards = counts.reduce((sum, c) => sum + Number(/\d+/.exec(c)?.[0] ?? 0), 0);
    if (cards !== expectedCards) throw new Error(`expected ${expectedCards} missions, the board counts ${cards}`);
    // A string, like the init script: tsx would wrap the named arrows in a helper the page does not have.
    const at = (await page.evaluate(`(() => {
      const timed = (pattern) => performance.getEntriesByType('resource').filter((r) => pattern.test(r.name));
      const nav = performance.getEntriesByType('navigation')[0];
      return {
        domContentLoaded: nav.domContentLoadedEventEnd,
        projectsAnswered: Math.max(0, ...timed(/\\/api\\/v1\\/projects\\?/).map((r) => r.responseEnd)),
        columnsAsked: Math.min(...timed(/\\/missions\\?list=.*limit=100$/).map((r) => r.startTime)),
        columnsAnswered: Math.max(0, ...timed(/\\/missions\\?list=.*limit=100$/).map((r) => r.responseEnd)),
        filled: window.__boardFilledAt,
        painted: window.__boardPaintedAt,
      };
    })()`)) as Record<string, number> & { painted: number }; // painted: waited for above
    phases[expectedCards ? 'full' : 'empty'].push(at);
    return at.painted;
  } finally {
    await context.close();
  }
}

// One warm-up of each (the bundle's first requests, Chromium's caches), not counted.
await paint(empty.id, 0);
await paint(full.id, missionCount);
const times = { empty: [] as number[], full: [] as number[] };
for (let i = 0; i < samples; i++) {
  times.empty.push(await paint(empty.id, 0));
  times.full.push(await paint(full.id, missionCount));
}
await browser.close();
await cp.close();
removeTmpDirs();

const e = summarize(times.empty);
const f = summarize(times.full);
console.log(`board first paint, ${cp.engine}, ${samples} samples each, interleaved`);
console.log(`  empty board:          p50 ${fmt(e.p50)}  max ${fmt(e.max)}`);
console.log(`  ${missionCount} missions:         p50 ${fmt(f.p50)}  max ${fmt(f.max)}`);
console.log(`  ratio of medians:     ${(f.p50 / e.p50).toFixed(2)}× (goal ≤ 1.5×)`);
if (process.argv.includes('--phases')) {
  // Medians of each moment (ms from navigation start): where the full board's extra time goes.
  for (const name of Object.keys(phases.full[0] ?? {})) {
    const p50 = (kind: 'empty' | 'full') => summarize(phases[kind].map((x) => x[name]!)).p50;
    console.log(`  ${name.padEnd(20)}  empty ${fmt(p50('empty'))}  full ${fmt(p50('full'))}`);
  }
}
process.exit(0);
