import type { Page } from 'playwright-core';
import t from 'tap';
import { type TestApp, startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject, createUser } from '../helpers/fixtures.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { type BoardBrowser, axeViolations, haveChromium, openBoardBrowser, signIn } from './helpers/browser.ts';

// The rules (who may pause, hand off, retry) run on both engines in the API tests; this is the board.
runOnceAcrossEngines(t, 'a board view in Chromium');

// #18 on the board: pause a workstation with a reason and resume it, set its visibility, hand a
// mission to a workstation and back to any, retry a mission with a reason; a viewer gets no
// workstation controls and a read-only Project settings; axe finds nothing serious on the panel with the new controls.

if (haveChromium(t)) await collaborationControls();

async function collaborationControls() {
  // Filled by the first step: set-up stays inside steps (awaits between steps let tap end early).
  let app: TestApp;
  let board: BoardBrowser;
  let page: Page;
  let org: { id: string };
  let wsId: string;
  let mission: { id: string };
  let viewerKey: string;
  const wsRow = () => page.locator(`[data-testid="workstation"][data-id="${wsId}"]`);
  const wsApi = async () => (await app.admin.get(`/api/v1/workstations/${wsId}`)).body;

  await t.test('set-up: an organization, a project served by a workstation, a mission, a viewer', async (st) => {
    // The app and browser belong to the file (torn down with it), not to this step.
    app = await startTestApp(t);
    const api = app.admin;
    org = await createOrg(api);
    const project = await createProject(api, org.id, { name: 'Team project' });
    wsId = (await api.post('/api/v1/workstations', { organizationId: org.id, name: 'build-box' })).body.workstation.id;
    st.equal((await api.post(`/api/v1/projects/${project.id}/workstations`, { workstationId: wsId })).status, 201, 'the workstation serves the project');
    mission = await createMission(api, project.id, { title: 'Flaky importer' });
    const viewer = await createUser(app, 'vic@collab.test');
    st.equal((await api.post(`/api/v1/organizations/${org.id}/members`, { userId: viewer.id, role: 'viewer' })).status, 201, 'a viewer joins');
    viewerKey = viewer.key;
    board = await openBoardBrowser(t, { timeoutMs: 20_000 });
    page = board.page;
    await signIn(page, app.baseUrl);
  });

  const step = (name: string, fn: (t: Test) => Promise<void>) => board.step(name, fn);
  type Test = Parameters<Parameters<BoardBrowser['step']>[1]>[0];

  await step('Pause… asks for a reason; the page and the API say paused; Resume undoes it', async (t) => {
    await page.getByRole('button', { name: 'Workstations', exact: true }).click();
    await wsRow().getByRole('button', { name: 'Pause…' }).click();
    const reason = wsRow().getByLabel('Why pause build-box?');
    t.ok(await reason.evaluate((el) => el === document.activeElement), 'the reason field has the focus');
    t.same(await axeViolations(page, '#workstations .ws-controls'), [], 'no serious or critical accessibility violations in the workstation controls');
    await reason.fill('disk full, cleaning up');
    await reason.press('Enter');
    await wsRow().getByTestId('paused').filter({ hasText: 'disk full, cleaning up' }).waitFor();
    const paused = await wsApi();
    t.equal(paused.paused, true, 'the API says paused');
    t.equal(paused.pausedReason, 'disk full, cleaning up', 'with the reason');
    await board.shot('collaboration-paused.png');

    await wsRow().getByRole('button', { name: 'Resume' }).click();
    await wsRow().getByRole('button', { name: 'Pause…' }).waitFor();
    t.equal(await wsRow().getByTestId('paused').count(), 0, 'no longer shown paused');
    t.equal((await wsApi()).paused, false, 'the API says running again');
  });

  await step('visibility: hidden from other members, as the API then reports', async (t) => {
    const select = wsRow().getByLabel('Visible to other members');
    await select.selectOption('hidden');
    await page.waitForFunction(() => (document.querySelector('[data-testid="ws-visibility"]') as HTMLSelectElement | null)?.disabled === false);
    t.equal((await wsApi()).visibility, 'hidden', 'the API reflects the choice');
    t.equal(await wsRow().getByLabel('Visible to other members').inputValue(), 'hidden', 'the select shows it');
  });

  await step('hand the mission to the workstation and back to any, with reasons on the timeline', async (t) => {
    await page.locator(`li.card[data-id="${mission.id}"]`).getByRole('button', { name: 'Flaky importer', exact: true }).click();
    const panel = page.getByRole('dialog', { name: 'Flaky importer' });
    const to = panel.getByLabel('Hand to');
    await to.locator('option', { hasText: 'build-box' }).waitFor({ state: 'attached' });
    await to.selectOption({ label: 'build-box' });
    await panel.getByLabel('Reason (optional)').fill('needs the GPU box');
    await panel.getByRole('button', { name: 'Hand over' }).click();
    await panel.locator('[data-kind="mission.handed_off"]').filter({ hasText: 'needs the GPU box' }).waitFor();
    t.equal((await app.admin.get(`/api/v1/missions/${mission.id}`)).body.workstationId, wsId, 'the API has it on build-box');
    await panel.locator('.meta').getByText('build-box').waitFor();

    await panel.getByLabel('Hand to').selectOption('');
    await panel.getByLabel('Reason (optional)').fill('any box will do');
    await panel.getByRole('button', { name: 'Hand over' }).click();
    await panel.locator('[data-kind="mission.handed_off"]').filter({ hasText: 'any box will do' }).waitFor();
    t.equal((await app.admin.get(`/api/v1/missions/${mission.id}`)).body.workstationId, null, 'back to any workstation');
  });

  await step('Retry with a reason: mission.retried on the timeline; axe finds nothing serious in the new controls', async (t) => {
    const panel = page.getByRole('dialog', { name: 'Flaky importer' });
    const reason = panel.getByLabel(/Why run it again/);
    await reason.focus();
    await reason.fill('the importer timed out');
    await page.keyboard.press('Enter');
    await panel.locator('[data-kind="mission.retried"]').filter({ hasText: 'the importer timed out' }).waitFor();
    t.pass('the retry and its reason are on the timeline');
    t.same(await axeViolations(page, '#mission-panel'), [], 'no serious or critical accessibility violations in the whole Details tab, the new controls with it');
    await board.shot('collaboration-panel.png');
    await panel.getByRole('button', { name: 'Close the mission panel' }).click();
  });

  await step('a retry the API refuses (the mission went to Review meanwhile): its message is shown', async (t) => {
    await page.locator(`li.card[data-id="${mission.id}"]`).getByRole('button', { name: 'Flaky importer', exact: true }).click();
    const panel = page.getByRole('dialog', { name: 'Flaky importer' });
    const reason = panel.getByLabel(/Why run it again/);
    await reason.fill('once more');
    // Someone else sends it to Review while the reason is being typed (the form keeps the typing).
    t.equal((await app.admin.post(`/api/v1/missions/${mission.id}/move`, { list: 'review' })).status, 200, 'moved to Review elsewhere');
    await panel.locator('.meta dd', { hasText: /^Review$/ }).waitFor();
    await reason.press('Enter');
    await page.locator('#notice').filter({ hasText: 'waits in Review' }).waitFor();
    t.pass('the 409 message is shown');
    // Chromium logs the refused request itself; that line is expected here.
    const logged = board.consoleErrors.splice(0);
    t.ok(logged.every((line) => /409/.test(line)), `only the refused request was logged: ${logged.join(' | ')}`);
    await panel.getByRole('button', { name: 'Close the mission panel' }).click();
  });

  await step('a viewer, on a phone, sees the workstation but no pause or visibility controls', async (t) => {
    // Visible to the viewer again (hidden ones are not listed for members).
    t.equal((await app.admin.patch(`/api/v1/workstations/${wsId}`, { visibility: 'full' })).status, 200, 'shown in full to members again');
    // A context of its own: the board keeps the admin's key in this one's localStorage.
    const ctx = await board.browser.newContext({ viewport: { width: 390, height: 844 } });
    const vp = await ctx.newPage();
    await signIn(vp, app.baseUrl, viewerKey);
    await vp.getByRole('button', { name: 'Workstations', exact: true }).click();
    const row = vp.locator(`[data-testid="workstation"][data-id="${wsId}"]`);
    await row.locator('[data-testid="ws-worktrees"]').waitFor();
    t.equal(await row.getByRole('button', { name: /Pause|Resume/ }).count(), 0, 'no Pause or Resume');
    t.equal(await row.getByTestId('ws-visibility').count(), 0, 'no visibility select');
    // The worktree pool opens from the keyboard, and the view fits 390 px.
    await row.locator('[data-testid="ws-worktrees"] summary').focus();
    await vp.keyboard.press('Enter');
    await row.getByTestId('ws-worktrees').and(vp.locator('details[open]')).waitFor();
    t.equal(await vp.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0, 'the page does not scroll sideways');
    const box = (await row.boundingBox())!;
    t.ok(box.x >= 0 && box.x + box.width <= 390, 'the workstation fits the screen');
    t.same(await axeViolations(vp, '#workstations'), [], 'no serious or critical accessibility violations in the Workstations view at 390 px');
    await board.shot('collaboration-viewer.png', vp);
    await ctx.close();
  });

  await step('a viewer opens Project settings read-only: shown, nothing to change, no Save', async (t) => {
    const ctx = await board.browser.newContext();
    const vp = await ctx.newPage();
    await signIn(vp, app.baseUrl, viewerKey);
    await vp.getByRole('button', { name: 'Project settings' }).click();
    const dialog = vp.locator('#settings-dialog');
    const note = dialog.getByTestId('settings-readonly');
    await note.waitFor();
    t.equal(await note.textContent(), 'Only the project’s admins can change these settings.', 'the dialog says why nothing can be changed');
    t.ok(await note.evaluate((el) => el === document.activeElement), 'and that is where the focus lands');
    t.ok(await dialog.getByLabel('Monthly budget (USD)').isDisabled(), 'the budget cannot be edited');
    t.ok(await dialog.getByLabel('Public project').isDisabled(), 'nor the visibility');
    t.equal(await dialog.getByRole('button', { name: 'Save' }).count(), 0, 'no Save button');
    t.same(await axeViolations(vp, '#settings-dialog'), [], 'no serious or critical accessibility violations in the read-only dialog');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await ctx.close();
  });
}
