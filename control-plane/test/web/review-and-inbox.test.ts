import type { Page } from 'playwright-core';
import { eq } from 'drizzle-orm';
import t from 'tap';
import { codeAgentSessions, missions, notifications, users, workstationAgentLimits, workstationWorktrees, workstations } from '../../src/db/schema/index.ts';
import { newId } from '@solo-unicorn/shared';
import { createMissionEventsRepository } from '../../src/modules/missions/mission-events.repository.ts';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject } from '../helpers/fixtures.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { createAttempt } from '../workstations/helpers/attempts.ts';
import { refreshMetricsViews } from '../../src/modules/fallback/upkeep.ts';
import { axeViolations, haveChromium, openBoardBrowser, signIn } from './helpers/browser.ts';

// Plain API data read by the board; the realtime path runs on both engines in board.test.ts.
runOnceAcrossEngines(t, 'a board view in Chromium');

// Review beside the diff (#16), in Debian's Chromium: a mission in Review shows Approve and
// "Request changes" in its Files tab; the general comment and per-file comments reach the API as
// one feedback text, and the mission goes back to Todo with it. One browser for every step.

const patch = '@@ -1,2 +1,3 @@\n const a = 1;\n-const b = 2;\n+const b = 3;\n+export { a, b };\n';
const diffSummary = (paths: string[]) => ({
  base: 'b'.repeat(40), head: 'c'.repeat(40), targetBranch: 'main', truncated: false,
  files: paths.map((path) => ({ path, additions: 2, deletions: 1, binary: false, patch })),
  totalFiles: paths.length, additions: 2 * paths.length, deletions: paths.length,
});

if (haveChromium(t)) await boardTests();

async function boardTests() {
  const app = await startTestApp(t);
  const api = app.admin;
  const org = await createOrg(api);
  const project = await createProject(api, org.id, { name: 'Review project' });
  const events = createMissionEventsRepository(app.db.db);
  const reviewed = await createMission(api, project.id, { title: 'Parser in review' });
  const approved = await createMission(api, project.id, { title: 'Small fix in review' });
  const doing = await createMission(api, project.id, { title: 'Still working' });
  const asking = await createMission(api, project.id, { title: 'Which database?' });
  const running = await createMission(api, project.id, { title: 'Agent at work' });
  for (const m of [reviewed, approved]) {
    const moved = await api.post(`/api/v1/missions/${m.id}/move`, { list: 'review' });
    if (moved.status !== 200) throw new Error(`could not move into Review: ${JSON.stringify(moved.body)}`);
    await events.append({ missionId: m.id, origin: 'agent', kind: 'git.diff', data: diffSummary(['src/parser.ts', 'src/lexer.ts']) }, new Date());
  }
  await events.append({ missionId: doing.id, origin: 'agent', kind: 'git.diff', data: diffSummary(['src/wip.ts']) }, new Date());

  const { page, shot, newPage, consoleErrors: errors } = await openBoardBrowser(t, { timeoutMs: 20_000 });
  const openFiles = async (id: string, title: string) => {
    await page.locator(`li.card[data-id="${id}"]`).getByRole('button', { name: title, exact: true }).click();
    const panel = page.getByRole('dialog', { name: title });
    await panel.getByRole('tab', { name: /^Files/ }).click();
    await panel.getByTestId('diff-totals').waitFor();
    return panel;
  };
  const close = (panel: ReturnType<Page['getByRole']>) => panel.getByRole('button', { name: 'Close the mission panel' }).click();

  await signIn(page, app.baseUrl);

  await t.test('Request changes from the Files tab: the comment and per-file comments become the feedback', async (t) => {
    const panel = await openFiles(reviewed.id, 'Parser in review');
    const review = panel.getByTestId('files-review');
    await review.waitFor();
    // Nothing said yet: the board asks for a comment instead of sending an empty rejection.
    await review.getByRole('button', { name: 'Request changes' }).click();
    await page.locator('#notice').getByText('Say what to change').waitFor();
    await panel.getByLabel(/^Comment for the agent/).fill('Close, but not yet.');
    await panel.getByLabel('Comment on src/lexer.ts').fill('Keep the old\nconstant name');
    t.same(await axeViolations(page, '#mission-panel'), [], 'no serious or critical accessibility violations: the review form beside the diff');
    await shot('review-with-diff.png');
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/missions/${reviewed.id}/review`)),
      review.getByRole('button', { name: 'Request changes' }).click(),
    ]);
    t.equal(res.status(), 200);
    t.same(res.request().postDataJSON(), { decision: 'reject', feedback: 'Close, but not yet.\nsrc/lexer.ts: Keep the old constant name' });
    t.match(await res.json(), { list: 'todo', reviewStatus: 'rejected' });
    await panel.getByText('Changes requested').waitFor();
    await page.locator(`ol.cards[data-list="todo"] li.card[data-id="${reviewed.id}"]`).waitFor();
    await close(panel);
  });

  await t.test('Approve from the Files tab moves the mission to Done', async (t) => {
    const panel = await openFiles(approved.id, 'Small fix in review');
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/missions/${approved.id}/review`)),
      panel.getByTestId('files-review').getByRole('button', { name: 'Approve' }).click(),
    ]);
    t.equal(res.status(), 200);
    t.same(res.request().postDataJSON(), { decision: 'approve' });
    await page.locator(`ol.cards[data-list="done"] li.card[data-id="${approved.id}"]`).waitFor();
    await close(panel);
  });

  await t.test('a mission not in Review shows its diff without the review form', async (t) => {
    const panel = await openFiles(doing.id, 'Still working');
    await panel.locator('[data-testid="diff-file"]').first().waitFor();
    await page.waitForTimeout(300);
    t.equal(await panel.getByTestId('files-review').count(), 0);
    t.equal(await panel.getByLabel(/^Comment on/).count(), 0);
    await close(panel);
  });

  await t.test("the agent's question: a badge on the card, live; answered from the panel", async (t) => {
    // As mission_ask leaves it: an agent.question event, the mission waiting in Review.
    await events.append({ missionId: asking.id, origin: 'agent', kind: 'agent.question', data: { question: 'PostgreSQL or SQLite for the cache?' } }, new Date());
    t.equal((await api.post(`/api/v1/missions/${asking.id}/move`, { list: 'review' })).status, 200);
    const card = page.locator(`ol.cards[data-list="review"] li.card[data-id="${asking.id}"]`);
    await card.getByTestId('question').waitFor();
    t.equal(await card.getByTestId('question').getAttribute('title'), 'PostgreSQL or SQLite for the cache?');
    await card.getByRole('button', { name: 'Which database?', exact: true }).click();
    const panel = page.getByRole('dialog', { name: 'Which database?' });
    await panel.getByTestId('question-section').getByText('PostgreSQL or SQLite for the cache?').waitFor();
    await panel.getByLabel(/^Your answer/).fill('PostgreSQL: it is there already.');
    t.same(await axeViolations(page, '#mission-panel'), [], 'no serious or critical accessibility violations: the question and its answer form');
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/missions/${asking.id}/answer`)),
      panel.getByRole('button', { name: 'Answer', exact: true }).click(),
    ]);
    t.equal(res.status(), 200);
    t.same(res.request().postDataJSON(), { text: 'PostgreSQL: it is there already.' });
    await page.locator(`ol.cards[data-list="todo"] li.card[data-id="${asking.id}"]`).waitFor();
    await panel.getByTestId('question-section').waitFor({ state: 'hidden' });
    t.equal(await page.locator(`li.card[data-id="${asking.id}"]`).getByTestId('question').count(), 0, 'the badge is gone');
    t.match((await api.get(`/api/v1/missions/${asking.id}`)).body, { list: 'todo', ready: true, question: null });
    await close(panel);
    t.same(errors, [], 'no console errors');
  });

  await t.test("mission_progress: the agent's latest line on the Doing card, live, also while its panel is open and after", async (t) => {
    // Only the dispatcher puts a mission in Doing; the row is set as it would (the trigger tells the board).
    await app.db.db.update(missions).set({ list: 'doing', updatedAt: new Date() }).where(eq(missions.id, running.id));
    const card = page.locator(`ol.cards[data-list="doing"] li.card[data-id="${running.id}"]`);
    await card.waitFor();
    const progress = (line: string) => events.append({ missionId: running.id, origin: 'agent', kind: 'agent.progress', data: { line } }, new Date());
    // The card listens from the moment it sees the mission in Doing: a line said before its
    // subscription is confirmed is not shown, so the first one is said until it is.
    for (let i = 0; ; i++) {
      await progress('reading the parser');
      try {
        await card.getByTestId('progress').getByText('reading the parser').waitFor({ timeout: 2000 });
        break;
      } catch (error) {
        if (i === 4) throw error;
      }
    }
    await progress('running tests, 3 failing');
    await card.getByTestId('progress').getByText('running tests, 3 failing').waitFor();
    // The panel on the same mission shares the channel: its timeline and the card both hear.
    await card.getByRole('button', { name: 'Agent at work', exact: true }).click();
    const panel = page.getByRole('dialog', { name: 'Agent at work' });
    await panel.getByRole('log', { name: 'Event timeline' }).locator('[data-kind="agent.progress"]').first().waitFor();
    await progress('tests pass');
    await panel.getByRole('log', { name: 'Event timeline' }).locator('[data-kind="agent.progress"]').nth(2).waitFor();
    await card.getByTestId('progress').getByText('tests pass').waitFor();
    await close(panel);
    await progress('committing');
    await card.getByTestId('progress').getByText('committing').waitFor();
    t.equal(await card.getByTestId('progress').count(), 1, 'one line: the latest');
    t.same(errors, [], 'no console errors');
  });

  await t.test('the inbox: unread count, live; mark one read, open the mission, mark all read', async (t) => {
    const [me] = await app.db.db.select({ id: users.id }).from(users).limit(1);
    const at = Date.now();
    const notice = (title: string, missionId: string | null, ago: number) => ({
      id: newId(), userId: me!.id, organizationId: org.id, projectId: project.id, missionId, kind: 'mission.test', title, body: `About ${title}`, createdAt: new Date(at - ago),
    });
    await app.db.db.insert(notifications).values([notice('Review waiting', reviewed.id, 3000), notice('Budget at 80%', null, 2000)]);
    const button = page.locator('#inbox-toggle');
    // The count is polled: the next board change brings it sooner than the 20 s timer.
    await api.post(`/api/v1/missions/${doing.id}/move`, { list: 'review' });
    await page.getByTestId('inbox-count').getByText('2', { exact: true }).waitFor();
    t.equal(await page.getByRole('button', { name: 'Inbox 2 unread', exact: true }).count(), 1, 'its name says how many are unread');
    await button.click();
    const box = page.getByRole('region', { name: 'Notifications' });
    await box.getByTestId('notification').nth(1).waitFor();
    t.same(await box.locator('.inbox-title > :first-child').allTextContents(), ['Budget at 80%', 'Review waiting'], 'newest first');
    t.same(await axeViolations(page, 'header.topbar, #inbox'), [], 'no serious or critical accessibility violations: the header and the open inbox');
    await box.getByRole('button', { name: 'Mark read: “Budget at 80%”' }).click();
    await page.getByTestId('inbox-count').getByText('1', { exact: true }).waitFor();
    // A notification about a mission opens it (and is read).
    await box.getByRole('button', { name: 'Review waiting', exact: true }).click();
    const panel = page.getByRole('dialog', { name: 'Parser in review' });
    await panel.waitFor();
    await page.getByTestId('inbox-count').waitFor({ state: 'hidden' });
    await close(panel);
    await app.db.db.insert(notifications).values([notice('One more', null, 0), notice('And another', null, 0)]);
    await api.post(`/api/v1/missions/${doing.id}/move`, { list: 'todo' });
    await page.getByTestId('inbox-count').getByText('2', { exact: true }).waitFor();
    await button.click();
    await page.getByRole('region', { name: 'Notifications' }).getByRole('button', { name: 'Mark all read' }).click();
    await page.getByTestId('inbox-count').waitFor({ state: 'hidden' });
    t.equal((await api.get('/api/v1/notifications?unread=true')).body.items.length, 0, 'all read in the API');
    t.same(errors, [], 'no console errors');
  });

  await t.test("Workstations: each agent's version and limit state, the worktree pool on opening", async (t) => {
    const repo = (await api.post(`/api/v1/projects/${project.id}/repositories`, { url: `file:///tmp/board2-${project.id}.git` })).body;
    const reg = (await api.post('/api/v1/workstations', { organizationId: org.id, name: 'laptop' })).body;
    const wsId = reg.workstation.id;
    // As the daemon's hello and inventory leave them.
    await app.db.db.update(workstations).set({ agents: [{ type: 'claude-code', version: '2.1.0', status: 'ok' }, { type: 'codex', version: '0.9.0', status: 'ok' }, { type: 'aider', version: '0.1.0', status: 'unsupported', detail: 'not driven' }] }).where(eq(workstations.id, wsId));
    await app.db.db.insert(workstationAgentLimits).values({ workstationId: wsId, agentType: 'codex', limitedUntil: new Date(Date.now() + 3 * 3600_000), reason: 'usage limit' });
    await app.db.db.insert(workstationWorktrees).values([
      { id: newId(), workstationId: wsId, repositoryId: repo.id, path: '/home/me/.solo-unicorn/wt/1', branch: 'solo/parser', status: 'in_use', missionId: reviewed.id, lastUsedAt: new Date(), sizeBytes: 150 * 2 ** 20 },
      { id: newId(), workstationId: wsId, repositoryId: repo.id, path: '/home/me/.solo-unicorn/wt/2', status: 'free', sizeBytes: 2.5 * 2 ** 20 },
      // Not measured yet (taken since the daemon last measured): counted in the pool, not in the bytes.
      { id: newId(), workstationId: wsId, repositoryId: repo.id, path: '/home/me/.solo-unicorn/wt/3', status: 'free' },
    ]);
    await page.getByRole('button', { name: 'Workstations', exact: true }).click();
    const row = page.locator(`[data-testid="workstation"][data-id="${wsId}"]`);
    await row.waitFor();
    t.equal(await row.getByTestId('ws-disk').textContent(), ' · worktrees on disk: 153 MB', 'its disk use, without opening anything');
    const agents = row.getByRole('list', { name: 'Agents on laptop' });
    t.match(await agents.locator('[data-agent="claude-code"]').textContent(), /claude-code 2\.1\.0 — available/);
    // Three hours on: after 21:00 that is tomorrow, and the board then says the day too.
    t.match(await agents.locator('[data-agent="codex"]').textContent(), /codex 0\.9\.0 — limited until (\d{1,2} \w{3} )?\d\d:\d\d$/);
    t.match(await agents.locator('[data-agent="aider"]').textContent(), /unsupported: not driven/);
    const pool = row.getByTestId('ws-worktrees');
    await pool.locator('summary').click();
    await pool.getByTestId('ws-worktree').nth(2).waitFor();
    t.match(await pool.textContent(), /0 clones, 3 worktrees \(2 free\), 153 MB on disk/);
    t.match(await pool.getByTestId('ws-worktree').first().textContent(), /wt\/1 · \w+ · 150 MB · solo\/parser · Parser in review/);
    t.match(await pool.getByTestId('ws-worktree').nth(1).textContent(), /wt\/2 · free · 2\.5 MB/);
    t.notMatch(await pool.getByTestId('ws-worktree').nth(2).textContent(), / · [\d.]+ [KMGT]?B/, 'no size before it is measured');
    t.same(errors, [], 'no console errors');
  });

  await t.test('Usage: the 30 days of cost and tokens drawn by uPlot (served at /vendor/uplot.js), Mission Fallback health beside it', async (t) => {
    // Guardrails and one run, as the scheduler's refresh leaves them in the metrics views.
    const P = `/api/v1/projects/${project.id}`;
    t.equal((await api.put(`${P}/fallback/config`, { backlogThreshold: 3, weeklyMissionCap: 4, monthlyTargetHours: 10 })).status, 200);
    t.equal((await api.post(`${P}/fallback/runs`, {})).status, 201);
    await refreshMetricsViews(app.db.db);
    const metrics = (await api.get(`${P}/fallback/metrics`)).body;
    // Two finished runs today, as the daemon's usage reports leave them: the chart has figures to draw.
    const startedAt = new Date(Date.now() - 120_000);
    for (const [turns, ms, usd] of [[4, 45_000, 0.5], [8, 75_000, 0.25]] as const) {
      await app.db.db.insert(codeAgentSessions).values({
        id: newId(), missionId: doing.id, projectId: project.id, stage: 'execute', status: 'succeeded', inputTokens: 1000, outputTokens: 500,
        costUsd: usd, numTurns: turns, startedAt, finishedAt: new Date(startedAt.getTime() + ms),
      });
    }
    const today = (await api.get(`${P}/usage?days=1`)).body.days[0];
    t.match(today, { turns: 12, wallMs: 120_000, costUsd: 0.75, inputTokens: 2000, outputTokens: 1000 }, "today's figures from the API");
    await page.getByRole('button', { name: 'Usage', exact: true }).click();
    const chart = page.getByRole('region', { name: 'Cost and tokens per day' });
    await chart.getByTestId('usage-plot').locator('canvas').waitFor();
    await chart.getByTestId('usage-time-plot').locator('canvas').waitFor();
    t.equal(await chart.getByTestId('usage-summary').textContent(),
      '$0.75, 3,000 tokens, 12 turns and 2 min 0 s of agent time over 30 days; red: cost, blue: tokens, green: turns, brown: agent minutes.', 'the figures in words under the charts');
    const health = chart.getByRole('region', { name: 'Mission Fallback health' });
    await health.locator('dd').first().waitFor();
    const field = (name: string) => health.locator(`dd[data-field="${name}"]`).textContent();
    t.equal(await field('status'), metrics.health.status, 'the status the API reports');
    t.equal(await field('runs'), `${metrics.health.runs30d}, ${metrics.health.erroredRuns30d} errored`);
    t.ok(metrics.health.runs30d >= 1, 'the run just made is counted');
    t.equal(await field('week'), `${metrics.health.acceptedThisWeek} (0 % of the weekly cap)`);
    t.equal(await health.locator('dt').nth(1).textContent(), 'Backlog at 3+ ready', 'the threshold set above');
    const [plotBox, healthBox] = [await chart.getByTestId('usage-plot').boundingBox(), await health.boundingBox()];
    t.ok(plotBox && healthBox && healthBox.x >= plotBox.x + plotBox.width - 1 && healthBox.y < plotBox.y + plotBox.height, 'beside the chart on a wide screen');
    t.same(await axeViolations(page, '#usage-chart'), [], 'no serious or critical accessibility violations in the chart and its figures');
    await shot('board-usage-workstations.png');
    // A phone: the header's new buttons wrap, the inbox fits the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    const phoneHealth = (await health.boundingBox())!;
    t.ok(phoneHealth.x >= 0 && phoneHealth.x + phoneHealth.width <= 390, 'on a phone the health figures fit the screen (under the chart)');
    t.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0, 'the page does not scroll sideways');
    // Still open from the inbox step; on a phone its button stays reachable to close and reopen it.
    await page.locator('#inbox-toggle').click();
    await page.getByRole('region', { name: 'Notifications' }).waitFor({ state: 'hidden' });
    await page.locator('#inbox-toggle').click();
    await page.getByRole('region', { name: 'Notifications' }).waitFor();
    await shot('board-inbox-phone.png', page, false);
    const box = await page.getByRole('region', { name: 'Notifications' }).boundingBox();
    t.ok(box && box.x >= 0 && box.x + box.width <= 390, 'the inbox fits a 390 px screen');
    t.same(errors, [], 'no console errors');
  });

  await t.test('mission_progress said before the board opened: on the Doing card as it loads', async (t) => {
    const reg = (await api.post('/api/v1/workstations', { organizationId: org.id, name: 'progress-box' })).body;
    const early = await createMission(api, project.id, { title: 'Said it early' });
    const { attemptId } = await createAttempt(app.db.db, { missionId: early.id, projectId: project.id, workstationId: reg.workstation.id });
    await app.db.db.update(missions).set({ list: 'doing', updatedAt: new Date() }).where(eq(missions.id, early.id));
    await events.append({ missionId: early.id, origin: 'agent', kind: 'agent.progress', data: { line: 'migrating the schema' }, attemptId, attemptSeq: 1 }, new Date());
    const late = await newPage('late');
    await late.goto(app.baseUrl); // signed in from localStorage
    const card = late.locator(`ol.cards[data-list="doing"] li.card[data-id="${early.id}"]`);
    // A whole page load (sign-in, socket, columns) on a shared 2-core machine: more than one step's margin.
    await card.getByTestId('progress').getByText('migrating the schema').waitFor({ timeout: 60_000 });
    t.equal(await card.getByTestId('progress').count(), 1, 'one line: the latest');
    await late.close();
    t.same(errors, [], 'no console errors');
  });

  await t.test('keyboard only: a Review card opened with Enter, its Files tab by arrow key, approved; the inbox opened and a notification marked read', async (t) => {
    const kb = await createMission(api, project.id, { title: 'Keyboard review' });
    await api.post(`/api/v1/missions/${kb.id}/move`, { list: 'review' });
    await events.append({ missionId: kb.id, origin: 'agent', kind: 'git.diff', data: diffSummary(['src/keys.ts']) }, new Date());
    await page.locator(`ol.cards[data-list="review"] li.card[data-id="${kb.id}"]`).waitFor();
    // From the top of the page, with nothing but the keyboard: Tab and Shift+Tab, Enter, arrows, Escape.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await tabTo(page, 'Keyboard review');
    await page.keyboard.press('Enter');
    const panel = page.getByRole('dialog', { name: 'Keyboard review' });
    await panel.waitFor();
    t.ok(await panel.evaluate((d) => d.contains(document.activeElement)), 'Enter on the card opens its panel, with the focus inside');
    await tabTo(page, 'Details');
    await page.keyboard.press('ArrowRight');
    t.equal(await panel.getByRole('tab', { name: /^Files/ }).getAttribute('aria-selected'), 'true', 'the arrow key selects the Files tab');
    await panel.getByTestId('diff-totals').waitFor();
    await tabTo(page, 'Approve');
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/missions/${kb.id}/review`)),
      page.keyboard.press('Enter'),
    ]);
    t.equal(res.status(), 200, 'Enter on Approve approves');
    await page.locator(`ol.cards[data-list="done"] li.card[data-id="${kb.id}"]`).waitFor();
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });
    // The dialog hides as Escape closes it; its `close` event, which gives the focus back, runs a task
    // later: wait for the focus (a few frames), do not sample it once.
    const focusBack = await page.waitForFunction(() => document.activeElement?.textContent === 'Keyboard review', undefined, { timeout: 3000 }).then(() => true, () => false);
    t.ok(focusBack, 'Escape closes the panel and gives the focus back to the card');

    const [me] = await app.db.db.select({ id: users.id }).from(users).limit(1);
    await app.db.db.insert(notifications).values({ id: newId(), userId: me!.id, organizationId: org.id, projectId: project.id, kind: 'mission.test', title: 'Read me by keyboard', createdAt: new Date() });
    await api.post(`/api/v1/missions/${doing.id}/move`, { list: 'review' }); // a board change brings the count sooner than its timer
    await page.getByTestId('inbox-count').getByText('1', { exact: true }).waitFor();
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await tabTo(page, 'Inbox 1 unread');
    const toggle = page.locator('#inbox-toggle');
    if ((await toggle.getAttribute('aria-expanded')) === 'true') { // left open by the step before: Enter closes it
      await page.keyboard.press('Enter');
      t.equal(await toggle.getAttribute('aria-expanded'), 'false', 'Enter closes the open inbox');
    }
    await page.keyboard.press('Enter');
    t.equal(await toggle.getAttribute('aria-expanded'), 'true', 'Enter opens the inbox');
    await page.getByRole('region', { name: 'Notifications' }).getByText('Read me by keyboard').waitFor();
    await tabTo(page, 'Mark read: “Read me by keyboard”');
    await page.keyboard.press('Enter');
    await page.getByTestId('inbox-count').waitFor({ state: 'hidden' });
    t.equal((await api.get('/api/v1/notifications?unread=true')).body.items.length, 0, 'read in the API');
    t.same(errors, [], 'no console errors');
  });

  await t.test('signing out closes the usage chart: no project figures on the sign-in screen', async (t) => {
    await page.setViewportSize({ width: 1440, height: 900 });
    const chart = page.locator('#usage-chart');
    if (!(await chart.isVisible())) await page.getByRole('button', { name: 'Usage', exact: true }).click();
    await chart.getByRole('region', { name: 'Mission Fallback health' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    t.equal(await chart.isVisible(), false, 'the chart is closed');
    t.equal(await chart.locator('dd').count(), 0, 'and emptied');
    t.same(errors, [], 'no console errors');
  });

}

/**
 * Presses Tab until the focused element's name (its aria-label, else its text) is `name`: how
 * someone without a mouse reaches a control. Fails after `max` presses.
 */
async function tabTo(page: Page, name: string, max = 400) {
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      return el ? (el.getAttribute('aria-label') || el.textContent || '').trim() : '';
    });
    if (focused === name) return;
    seen.push(focused);
  }
  throw new Error(`Tab never reached “${name}”; it went through: ${seen.slice(-40).join(' | ')}`);
}
