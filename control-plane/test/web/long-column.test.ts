import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject } from '../helpers/fixtures.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { haveChromium, openBoardBrowser, signIn } from './helpers/browser.ts';

runOnceAcrossEngines(t, 'a board view in Chromium');

// A long column (#16's first-paint goal, bench/board-paint.ts): the board loads and renders a
// column's first 100 cards, then loads the rest and offers it behind "Show all"; the count says how
// many there are.
if (haveChromium(t)) {
  const app = await startTestApp(t);
  const org = await createOrg(app.admin);
  const project = await createProject(app.admin, org.id, { name: 'Long Todo' });
  for (let i = 1; i <= 105; i++) await createMission(app.admin, project.id, { title: `Task ${i}` });
  const { page, step } = await openBoardBrowser(t, { timeoutMs: 60_000 });

  await step('a 105-card column paints its first 100 cards, loads the rest after, and shows all on request', async (t) => {
    // The rest of the column (the requests with a cursor) is held until the first paint is checked.
    let release!: () => void;
    const held = new Promise<void>((resolve) => { release = resolve; });
    const firstPages: string[] = [];
    await page.route(/\/api\/v1\/projects\/[^/]+\/missions\?/, async (route) => {
      const url = new URL(route.request().url());
      if (url.searchParams.has('cursor')) await held;
      else firstPages.push(`${url.searchParams.get('list')}:${url.searchParams.get('limit')}`);
      await route.continue();
    });
    t.teardown(() => page.unroute(/\/api\/v1\/projects\/[^/]+\/missions\?/));
    await signIn(page, app.baseUrl);
    const todo = page.locator('ol.cards[data-list="todo"] li.card');
    await page.locator('#board[aria-busy="false"]').waitFor();
    await todo.nth(99).waitFor();
    t.same(firstPages.sort(), ['doing:100', 'done:100', 'review:100', 'todo:100'], 'the first paint asks each column for its first 100 cards');
    t.equal(await todo.count(), 100, 'the first 100 cards are painted');
    t.equal(await page.locator('[data-count="todo"]').textContent(), '(100+)', 'the count says there are more, still loading');
    t.equal(await todo.last().getByRole('button', { name: 'Task 100', exact: true }).count(), 1, 'in the column’s order');

    release();
    await page.locator('[data-count="todo"]', { hasText: '(105)' }).waitFor();
    t.equal(await todo.count(), 100, 'the rest waits behind the button');
    const more = page.locator('section.column[data-list="todo"]').getByRole('button', { name: 'Show all 105 (5 more)' });
    await more.click();
    await todo.nth(104).waitFor();
    t.equal(await todo.count(), 105);
    t.equal(await todo.last().getByRole('button', { name: 'Task 105', exact: true }).count(), 1, 'the last one last');
    t.ok(await more.isHidden(), 'nothing left to show');
    t.ok(await page.locator('section.column[data-list="done"]').getByTestId('show-all').isHidden(), 'a short column has no button');
  });

  // Opening the dialog refreshes the board's copy of the project (a new object); the load in flight
  // took that for "another project was chosen meanwhile" and stopped, leaving the board empty and busy.
  await step('Project settings opened while the board loads does not stop the load', async (t) => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => { release = resolve; });
    let firstPages = 0;
    await page.route(/\/api\/v1\/projects\/[^/]+\/missions\?/, async (route) => {
      if (!new URL(route.request().url()).searchParams.has('cursor')) {
        firstPages++;
        await held;
      }
      await route.continue();
    });
    t.teardown(() => page.unroute(/\/api\/v1\/projects\/[^/]+\/missions\?/));
    await page.reload(); // signed in again from the remembered key
    await page.locator('#live-status[data-state="live"]').waitFor();
    await page.waitForFunction(() => document.querySelector('#board')?.getAttribute('aria-busy') === 'true');
    await page.getByRole('button', { name: 'Project settings' }).click();
    const dialog = page.locator('#settings-dialog');
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    t.ok(firstPages > 0, 'the board was still loading when the dialog opened');
    release();
    await page.locator('#board[aria-busy="false"]').waitFor({ timeout: 10_000 });
    const todo = page.locator('ol.cards[data-list="todo"] li.card');
    await todo.nth(99).waitFor();
    t.equal(await todo.count(), 100, 'the board painted its cards');
    await page.locator('[data-count="todo"]', { hasText: '(105)' }).waitFor();
  });
}
