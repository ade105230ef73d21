import { newId } from '@solo-unicorn/shared';
import { eq } from 'drizzle-orm';
import t from 'tap';
import { missionEvents, missions } from '../../src/db/schema/index.ts';
import { createMissionEventsRepository } from '../../src/modules/missions/mission-events.repository.ts';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject } from '../helpers/fixtures.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { haveChromium, openBoardBrowser, signIn } from './helpers/browser.ts';

// A board view reading plain stored events: the engine does not matter.
runOnceAcrossEngines(t, 'a board view in Chromium');

// The Conversation tab with a 10,000-event agent session (#16): it loads, the page stays
// responsive while the panel replays every event, and earlier entries come back on request.
// Budgets are for a shared 2-core machine under other people's test runs, measured there at load
// average 30–40: before replayed events reached the page once per frame (building nodes only for
// the entries that stay), opening took 123 s, two tab switches 6 s, "Show earlier" 2 s; after,
// 38 s, 2.4 s and 0.9 s. The budgets leave room for that load and still catch the old behaviour.
const EVENTS = 10_000;
const LOAD_BUDGET_MS = 90_000;
const CLICK_BUDGET_MS = 5_000;
const LONGEST_TASK_MS = 2_000;

if (haveChromium(t)) await conversationAt10k();

/** An agent session as the daemon stores it: a message, thinking, then a tool call and its result, over and over. */
function session(missionId: string, projectId: string, attemptId: string) {
  const base = Date.now() - EVENTS * 1000;
  return Array.from({ length: EVENTS }, (_, i) => {
    const seq = i + 1;
    const turn = Math.floor(i / 4);
    const turns: [string, Record<string, unknown>][] = [
      ['agent.message', { text: `message ${turn}: looking at the parser` }],
      ['agent.thinking', { text: `thinking about step ${turn}` }],
      ['agent.tool_call', { id: `toolu_${turn}`, name: 'Bash', input: { command: `npm test -- step-${turn}` } }],
      ['agent.tool_result', { toolUseId: `toolu_${turn}`, isError: false, content: `ok ${turn}\n# pass 1` }],
    ];
    const [kind, data] = i === 0 ? ['attempt.started', { attemptId, agentType: 'claude-code' }] : turns[i % 4]!;
    return {
      id: newId(), missionId, projectId, seq, origin: (kind.startsWith('agent.') ? 'agent' : 'system') as 'agent' | 'system', kind, data,
      attemptId, attemptSeq: seq, createdAt: new Date(base + i * 1000),
    };
  });
}

async function conversationAt10k() {
  const app = await startTestApp(t);
  const api = app.admin;
  const org = await createOrg(api);
  const project = await createProject(api, org.id, { name: 'Long session' });
  const m = await createMission(api, project.id, { title: 'Ten thousand events' });
  const rows = session(m.id, project.id, newId()).map((r) => ({ ...r, seq: r.seq + 1 })); // seq 1 is mission.created
  for (let i = 0; i < rows.length; i += 1000) await app.db.db.insert(missionEvents).values(rows.slice(i, i + 1000));
  await app.db.db.update(missions).set({ lastEventSeq: EVENTS + 1, lastEventAt: rows.at(-1)!.createdAt }).where(eq(missions.id, m.id));
  const newest = `message ${Math.floor((EVENTS - 1) / 4)}: looking at the parser`;

  const { page, step } = await openBoardBrowser(t, { timeoutMs: 60_000 });
  await signIn(page, app.baseUrl);

  await step('opens, shows the newest entries, and the page answers while the whole session replays', async (t) => {
    // Long tasks (≥ 50 ms on the main thread) from here on: a frozen page shows up as one long task.
    await page.evaluate(() => {
      const w = window as any;
      w.longTasks = [];
      new PerformanceObserver((list) => { for (const e of list.getEntries()) w.longTasks.push(e.duration); }).observe({ type: 'longtask' });
    });
    const started = Date.now();
    await page.locator(`li.card[data-id="${m.id}"]`).getByRole('button', { name: 'Ten thousand events', exact: true }).click();
    const panel = page.getByRole('dialog', { name: 'Ten thousand events' });
    await panel.getByRole('tab', { name: /^Conversation/ }).click();
    const talk = panel.getByRole('log', { name: 'Agent conversation' });
    await talk.locator('.turn-text').getByText(newest, { exact: true }).waitFor();
    // Replay done when the (hidden) Details timeline holds the last event.
    await panel.getByTestId('timeline').locator(`[data-seq="${EVENTS + 1}"]`).waitFor({ state: 'attached' });
    const loadMs = Date.now() - started;
    const longest = await page.evaluate(() => Math.max(0, ...(window as any).longTasks));
    t.comment(`10,000 events: loaded in ${loadMs} ms, longest main-thread task ${Math.round(longest)} ms`);
    t.ok(loadMs < LOAD_BUDGET_MS, `loaded within ${LOAD_BUDGET_MS} ms (${loadMs} ms)`);
    // A frozen page is one long task: ~170 ms here when quiet; building every entry's nodes took
    // seconds. 2 s leaves room for a loaded CI machine and still catches a freeze.
    t.ok(longest < LONGEST_TASK_MS, `no main-thread task over ${LONGEST_TASK_MS} ms (${Math.round(longest)} ms)`);
    t.equal(await talk.getByTestId('turn').count(), 300, 'the newest 300 entries in the page, not 7,500');
    t.ok(await page.evaluate(() => document.querySelectorAll('#mission-panel li').length < 1000), 'the panel stays small: earlier events are not all in the page');
    t.match(await panel.getByTestId('timeline-dropped').textContent(), /^9,501 earlier events not shown here/, 'the Details timeline says what it left out');

    // Responsive: a click on another tab answers at once.
    const clicked = Date.now();
    await panel.getByRole('tab', { name: /^Details/ }).click();
    await panel.getByRole('tab', { name: /^Details/ }).and(page.locator('[aria-selected="true"]')).waitFor();
    await panel.getByRole('tab', { name: /^Conversation/ }).click();
    await talk.waitFor();
    const clickMs = Date.now() - clicked;
    t.ok(clickMs < CLICK_BUDGET_MS, `two tab switches within ${CLICK_BUDGET_MS} ms (${clickMs} ms)`);
  });

  await step('pages back to older entries, 200 at a time', async (t) => {
    const panel = page.getByRole('dialog', { name: 'Ten thousand events' });
    const talk = panel.getByRole('log', { name: 'Agent conversation' });
    const first = () => talk.getByTestId('turn').first().getAttribute('data-seq');
    const before = Number(await first());
    const earlier = panel.getByRole('button', { name: /^Show earlier \(\d+ more\)$/ });
    const remaining = Number(/\((\d+) more\)/.exec((await earlier.textContent()) ?? '')?.[1]);
    t.ok(remaining > 7000, `about 7,200 earlier entries wait (${remaining})`);
    const clicked = Date.now();
    await earlier.click();
    await talk.getByTestId('turn').nth(499).waitFor({ state: 'attached' });
    t.ok(Date.now() - clicked < CLICK_BUDGET_MS, `200 more within ${CLICK_BUDGET_MS} ms (${Date.now() - clicked} ms)`);
    t.ok(Number(await first()) < before, 'older entries on top');
    t.equal(await earlier.textContent(), `Show earlier (${remaining - 200} more)`);

    // The agent goes on meanwhile: its new entry joins at the bottom, the earlier ones stay.
    const top = await first();
    await createMissionEventsRepository(app.db.db).append({ missionId: m.id, origin: 'agent', kind: 'agent.message', data: { text: 'one more, live' } }, new Date());
    await talk.locator('.turn-text').getByText('one more, live', { exact: true }).waitFor();
    t.equal(await talk.getByTestId('turn').count(), 501, 'the 200 shown on request stay when a live entry arrives');
    t.equal(await first(), top, 'the same entry on top');
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });
  });
}
