import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject } from '../helpers/fixtures.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { haveChromium, openBoardBrowser, signIn } from './helpers/browser.ts';

runOnceAcrossEngines(t, 'a board view in Chromium');

// A long column (#16's first-paint goal, bench/board-paint.ts): the board renders a column's first
// 100 cards and offers the rest behind "Show all"; the count says how many there are.
if (haveChromium(t)) {
  const app = await startTestApp(t);
  const org = await createOrg(app.admin);
  const project = await createProject(app.admin, org.id, { name: 'Long Todo' });
  for (let i = 1; i <= 105; i++) await createMission(app.admin, project.id, { title: `Task ${i}` });
  const { page, step } = await openBoardBrowser(t, { timeoutMs: 60_000 });

  await step('a 105-card column shows 100 cards, then all on request', async (t) => {
    await signIn(page, app.baseUrl);
    const todo = page.locator('ol.cards[data-list="todo"] li.card');
    await todo.nth(99).waitFor();
    t.equal(await todo.count(), 100, 'the first 100 cards');
    t.equal(await page.locator('[data-count="todo"]').textContent(), '(105)', 'the count says all of them');
    t.equal(await todo.last().getByRole('button', { name: 'Task 100', exact: true }).count(), 1, 'in the column’s order');
    const more = page.locator('section.column[data-list="todo"]').getByRole('button', { name: 'Show all 105 (5 more)' });
    await more.click();
    await todo.nth(104).waitFor();
    t.equal(await todo.count(), 105);
    t.ok(await more.isHidden(), 'nothing left to show');
    t.ok(await page.locator('section.column[data-list="done"]').getByTestId('show-all').isHidden(), 'a short column has no button');
  });
}
