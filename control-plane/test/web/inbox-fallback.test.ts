import t from 'tap';
import { notifyProjectAdmins } from '../../src/modules/notifications/notify.ts';
import { startTestApp } from '../helpers/app.ts';
import { createOrg, createProject } from '../helpers/fixtures.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { ADMIN_KEY } from '../helpers/app.ts';
import { haveChromium, openBoardBrowser } from './helpers/browser.ts';

runOnceAcrossEngines(t, 'a board view in Chromium');

// The live inbox's fallback (#16): with the realtime socket cut every time it opens, the board
// still shows a new notification, by asking for the count every 30 s — and only that often.

if (haveChromium(t)) await fallbackTests();

async function fallbackTests() {
  const app = await startTestApp(t);
  const org = await createOrg(app.admin, 'Fallback org');
  const project = await createProject(app.admin, org.id, { name: 'Fallback project' });
  const { page, step } = await openBoardBrowser(t, { timeoutMs: 20_000 });
  const asked: number[] = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/v1/notifications/counts') asked.push(Date.now()); });
  // Every socket is closed as soon as it opens: the board never goes live.
  await page.routeWebSocket(/\/api\/v1\/realtime/, (ws) => ws.close());

  await step('with the socket down, a new notification reaches the badge through the slow poll', async (t) => {
    await page.goto(app.baseUrl);
    await page.getByLabel('API key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#inbox-toggle').waitFor();
    await notifyProjectAdmins(app.db.db, { projectId: project.id, kind: 'pr.failed', segment: 'review', title: () => 'while offline' }, new Date());
    const made = Date.now();
    await page.getByTestId('inbox-count').getByText('1', { exact: true }).waitFor({ timeout: 40_000 });
    t.ok(Date.now() - made <= 35_000, `shown by the poll after ${Date.now() - made} ms`);
    t.not(await page.locator('#live-status').getAttribute('data-state'), 'live', 'the socket never went live');
    const gaps = asked.slice(1).map((at, i) => at - asked[i]!);
    t.ok(gaps.length >= 1 && gaps.every((ms) => ms >= 25_000), `asked every 30 s, no faster (gaps ${gaps.join(', ')} ms)`);
  });
}
