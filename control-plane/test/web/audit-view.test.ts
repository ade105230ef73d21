import type { Page } from 'playwright-core';
import t from 'tap';
import { type TestApp, startTestApp } from '../helpers/app.ts';
import { createOrg, createProject, createUser } from '../helpers/fixtures.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { type BoardBrowser, axeViolations, haveChromium, openBoardBrowser, signIn } from './helpers/browser.ts';

// Who may read the log and what it holds run on both engines in test/audit/; this is the view.
runOnceAcrossEngines(t, 'a board view in Chromium');

// #18 on the board: an organization admin's Audit view (newest first, actor and action, raw data,
// filters, Load more through the cursor), the settings dialog's Project timeline, no Audit link
// for a plain member; axe finds nothing serious on either.

if (haveChromium(t)) await auditView();

async function auditView() {
  // Filled by the first step: set-up stays inside steps (awaits between steps let tap end early).
  let app: TestApp;
  let board: BoardBrowser;
  let page: Page;
  let org: { id: string };
  let project: { id: string };
  let owner: Awaited<ReturnType<typeof createUser>>;
  let mia: Awaited<ReturnType<typeof createUser>>;
  let all: { id: string; action: string }[];
  const rows = () => page.getByTestId('audit-list').getByTestId('audit-row');
  const rowIds = () => rows().evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.id));

  await t.test('set-up: an owner makes audited changes (members, a role, a deleted admin, pauses, project settings)', async (st) => {
    app = await startTestApp(t);
    owner = await createUser(app, 'olive@audit-view.test');
    mia = await createUser(app, 'mia@audit-view.test');
    const leo = await createUser(app, 'leo@audit-view.test');
    const c = owner.client;
    org = await createOrg(c, 'Audited');
    project = await createProject(c, org.id, { name: 'Ledger' });
    st.equal((await c.post(`/api/v1/organizations/${org.id}/members`, { userId: mia.id, role: 'member' })).status, 201, 'mia joins as a member');
    st.equal((await c.post(`/api/v1/organizations/${org.id}/members`, { userId: leo.id, role: 'member' })).status, 201, 'leo joins');
    st.equal((await c.patch(`/api/v1/organizations/${org.id}/members/${leo.id}`, { role: 'admin' })).status, 200, 'leo becomes an admin');
    const wsId = (await c.post('/api/v1/workstations', { organizationId: org.id, name: 'audit-box' })).body.workstation.id;
    // Enough events for more than one page of 25.
    for (let i = 0; i < 12; i++) {
      st.equal((await c.post(`/api/v1/workstations/${wsId}/pause`, { reason: `maintenance ${i}` })).status, 200);
      st.equal((await c.post(`/api/v1/workstations/${wsId}/resume`, {})).status, 200);
    }
    st.equal((await leo.client.patch(`/api/v1/projects/${project.id}`, { monthlyBudgetUsd: 10 })).status, 200, 'leo changes the project');
    st.equal((await app.admin.delete(`/api/v1/users/${leo.id}`)).status, 204, 'leo is deleted');
    st.equal((await c.patch(`/api/v1/projects/${project.id}`, { autoApproveAccessRequests: true })).status, 200, 'the owner changes the project');
    st.equal((await c.post(`/api/v1/workstations/${wsId}/pause`, { reason: 'disk full' })).status, 200, 'the last change: a pause');
    all = (await c.get(`/api/v1/audit-events?organizationId=${org.id}&limit=100`)).body.items;
    st.ok(all.length > 25 && all.length <= 50, `${all.length} events: two pages of 25`);
    board = await openBoardBrowser(t, { timeoutMs: 20_000 });
    page = board.page;
    await signIn(page, app.baseUrl, owner.key);
  });

  const step = (name: string, fn: (t: Test) => Promise<void>) => board.step(name, fn);
  type Test = Parameters<Parameters<BoardBrowser['step']>[1]>[0];

  await step('the owner opens Audit: newest first, with actor, action and the raw data one click away', async (t) => {
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await rows().nth(24).waitFor();
    t.equal(await page.locator('#board').isVisible(), false, 'the board is out of the way');
    t.same(await rowIds(), all.slice(0, 25).map((e) => e.id), 'the first page, in the API’s order (newest first)');
    const first = rows().first();
    t.equal(await first.getByTestId('audit-action').textContent(), 'workstation.paused', 'the last change on top');
    t.equal(await first.getByTestId('audit-actor').textContent(), 'olive@audit-view.test', 'by the owner');
    t.match(await first.getByTestId('audit-summary').textContent(), /disk full/, 'a short summary of the data');
    const times = await rows().locator('time').evaluateAll((els) => els.map((el) => el.getAttribute('datetime')!));
    t.same(times, [...times].sort().reverse(), 'times descend');
    await first.getByText('Raw data').click();
    t.match(await first.locator('pre').textContent(), /"reason": "disk full"/, 'the raw JSON shows once opened');
    const leosChange = rows().filter({ has: page.locator('code', { hasText: /^project\.updated$/ }) }).filter({ hasText: 'monthlyBudgetUsd' });
    t.equal(await leosChange.getByTestId('audit-actor').textContent(), 'deleted user', 'a deleted admin’s change reads as "deleted user"');
  });

  await step('Load more fetches the next page through the cursor, then disappears', async (t) => {
    await page.getByRole('button', { name: 'Load more' }).click();
    await rows().nth(all.length - 1).waitFor();
    t.same(await rowIds(), all.map((e) => e.id), 'every event once, in order');
    await page.getByRole('button', { name: 'Load more' }).waitFor({ state: 'hidden' });
    t.match(await page.getByTestId('audit-status').textContent(), `${all.length} events shown`);
  });

  await step('filters: by action, then by a since date; axe finds nothing serious', async (t) => {
    await page.getByLabel('Action').fill('membership.role_changed');
    await page.getByLabel('Action').press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="audit-list"] [data-testid="audit-row"]').length === 1);
    t.equal(await rows().first().getByTestId('audit-action').textContent(), 'membership.role_changed', 'only the role change');
    t.match(await rows().first().getByTestId('audit-summary').textContent(), /admin/, 'to admin');
    t.same(await axeViolations(page, '#audit-view'), [], 'no serious or critical accessibility violations');
    await board.shot('audit-view.png');

    await page.getByLabel('Action').fill('');
    await page.getByLabel('Since').fill('2099-01-01');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByTestId('audit-status').filter({ hasText: 'No audit events match.' }).waitFor();
    t.equal(await rows().count(), 0, 'nothing after 2099');
    await page.getByLabel('Since').fill('');
    await page.getByRole('button', { name: 'Apply' }).click();
    await rows().nth(24).waitFor();
    t.equal(await rows().count(), 25, 'unfiltered again: one page');
  });

  await step('Project settings: the Project timeline lists the project’s changes, newest first', async (t) => {
    await page.getByRole('link', { name: 'Back to the board' }).click();
    await page.locator('#board').waitFor();
    await page.getByRole('button', { name: 'Project settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings — Ledger' });
    await dialog.getByText('Project timeline', { exact: true }).click();
    const timeline = dialog.getByTestId('project-timeline').getByTestId('audit-row');
    await timeline.nth(2).waitFor();
    const expected = (await owner.client.get(`/api/v1/projects/${project.id}/timeline?limit=20`)).body.items;
    t.same(await timeline.evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.action)), expected.map((e: any) => e.action), 'the API’s timeline, in order');
    t.equal(await timeline.first().getByTestId('audit-action').textContent(), 'project.updated', 'the newest change on top');
    t.match(await timeline.first().getByTestId('audit-summary').textContent(), /autoApproveAccessRequests/, 'which field changed');
    t.equal(await timeline.nth(1).getByTestId('audit-actor').textContent(), 'deleted user', 'the earlier change by the deleted admin');
    t.same(await axeViolations(page, '#settings-dialog'), [], 'no serious or critical accessibility violations in the dialog with its timeline');
    await dialog.getByTestId('project-timeline').scrollIntoViewIfNeeded();
    await board.shot('audit-project-timeline.png', page, false);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  await step('a plain member sees no Audit link (the API refuses the log) and the timeline says why not', async (t) => {
    t.equal((await mia.client.get(`/api/v1/audit-events?organizationId=${org.id}`)).status, 403, 'the API refuses mia');
    const ctx = await board.browser.newContext({ viewport: { width: 1440, height: 900 } });
    const mp = await ctx.newPage();
    const roleRead = mp.waitForResponse((r) => r.url().endsWith(`/api/v1/organizations/${org.id}`));
    await signIn(mp, app.baseUrl, mia.key);
    await roleRead;
    await mp.locator('#board[aria-busy="false"]').waitFor();
    t.equal(await mp.getByRole('link', { name: 'Audit' }).count(), 0, 'no Audit link');
    await mp.goto(`${app.baseUrl}/#/audit`);
    await mp.locator('#board[aria-busy="false"]').waitFor();
    t.equal(await mp.locator('#audit-view').isVisible(), false, 'typing the address shows no audit view either');
    await mp.getByRole('button', { name: 'Project settings' }).click();
    await mp.getByText('Project timeline', { exact: true }).click();
    const refused = mp.getByTestId('timeline-error');
    await refused.waitFor();
    t.ok((await refused.textContent())!.length > 0, `the API's refusal is shown: ${await refused.textContent()}`);
    await ctx.close();
  });
}
