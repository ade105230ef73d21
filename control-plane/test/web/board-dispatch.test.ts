import t from 'tap';
import { ADMIN_KEY, startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject } from '../helpers/fixtures.ts';
import { connectRaw, hello } from '../workstations/helpers/ws-client.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { axeViolations, haveChromium, openBoardBrowser, signIn } from './helpers/browser.ts';

// The board's realtime path runs on both engines in board.test.ts; these views read plain API data.
runOnceAcrossEngines(t, 'a board view in Chromium');

// Issue #15 on the board, in Debian's Chromium: why a card does not run, forms that make a
// mission runnable (the project's defaults preselected), and moves that obey the API's rules.
if (haveChromium(t)) await dispatchBoardTests();

async function dispatchBoardTests() {
  const app = await startTestApp(t, { dispatch: { offlineGraceMs: 600_000, tickMs: 600_000, maxAttempts: 3 } });
  const api = app.admin;
  const org = await createOrg(api);
  const project = await createProject(api, org.id);
  const P = `/api/v1/projects/${project.id}`;
  const quick = (await api.post(`${P}/flows`, { name: 'quick', stages: ['execute'] })).body;
  const flow = (await api.post(`${P}/flows`, { name: 'default', stages: ['plan', 'execute'] })).body;
  const actor = (await api.post(`${P}/actors`, { name: 'Reviewer' })).body;
  const repo = (await api.post(`${P}/repositories`, { url: `file:///tmp/board-dispatch-${project.id}.git`, defaultBranch: 'trunk' })).body;
  const reg = (await api.post('/api/v1/workstations', { organizationId: org.id, name: 'laptop' })).body;
  await api.post(`${P}/workstations`, { workstationId: reg.workstation.id });
  const daemon = await connectRaw(app.baseUrl, reg.token);
  daemon.send(hello(reg.workstation.id));
  await daemon.waitFor((f) => f.type === 'session.welcome', 'welcome');

  const { page, step, shot, close: closeBrowser } = await openBoardBrowser(t);
  // Every address the board opens (requests and sockets), for the no-secret-in-a-URL check at the end.
  const urls: string[] = [];
  page.on('request', (r) => urls.push(r.url()));
  page.on('websocket', (ws) => urls.push(ws.url()));
  t.teardown(() => daemon.close());
  const card = (id: string, list?: string) => page.locator(`${list ? `ol.cards[data-list="${list}"] ` : ''}li.card[data-id="${id}"]`);

  // Created before the page loads: a Todo card that can never run as it is.
  const stuck = await createMission(api, project.id, { title: 'Stuck without a repository', ready: true });

  await step('a Todo card says why it does not run, and what to do', async (t) => {
    await signIn(page, app.baseUrl);
    const note = card(stuck.id, 'todo').getByTestId('dispatch');
    await note.waitFor();
    t.equal(await note.getAttribute('data-state'), 'blocked');
    t.match(await note.locator('li[data-code="no_repository"]').textContent(), /no repository, so no agent can work on it\. Fix: Choose a repository/);
    t.ok(await note.getByRole('button', { name: 'Edit “Stuck without a repository”: choose a repository' }).isVisible(), 'with the button that does it');
    t.same(await axeViolations(page, 'body'), [], 'no serious or critical accessibility violations on the board: header, columns, cards with their reasons');
  });

  await step('New mission preselects the project defaults; the mission it creates is dispatched', async (t) => {
    await page.getByRole('button', { name: 'New mission' }).click();
    const dialog = page.getByRole('dialog', { name: 'New mission' });
    await dialog.getByLabel('Repository').waitFor();
    t.equal(await dialog.getByLabel('Repository').inputValue(), repo.id, "the project's repository");
    t.equal(await dialog.getByLabel('Target branch').inputValue(), 'trunk', "the repository's default branch");
    t.equal(await dialog.getByLabel('Flow').inputValue(), flow.id, 'the flow named default');
    t.equal(await dialog.getByLabel('Actor').inputValue(), '');
    t.equal(await dialog.getByLabel('PR mode').inputValue(), 'auto');
    await dialog.getByLabel('Title', { exact: true }).fill('Runs from the board');
    await dialog.getByLabel('Ready for an agent').check();
    t.same(await axeViolations(page, '#create-dialog'), [], 'no serious or critical accessibility violations in the New mission dialog');
    await shot('new-mission-dialog.png', page, false);
    const [created] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`${P}/missions`) && r.request().method() === 'POST'),
      dialog.getByRole('button', { name: 'Create' }).click(),
    ]);
    t.equal(created.status(), 201);
    const mission = await created.json();
    t.match(mission, { repositoryId: repo.id, flowId: flow.id, targetBranch: 'trunk', prMode: 'auto', ready: true });
    const assign = await daemon.waitFor((f) => f.type === 'mission.assign' && f.payload.mission.id === mission.id, 'the assignment');
    t.match(assign.payload, { repository: { id: repo.id }, mission: { targetBranch: 'trunk' } });
    await card(mission.id, 'doing').waitFor(); // moved by the dispatcher, seen live
  });

  await step('the Edit form sets repository, flow, actor, PR mode and dependencies', async (t) => {
    const blocker = await createMission(api, project.id, { title: 'Blocker first' });
    await card(blocker.id, 'todo').waitFor();
    await card(stuck.id).getByRole('button', { name: 'Edit “Stuck without a repository”: choose a repository' }).click();
    const panel = page.getByRole('dialog', { name: 'Stuck without a repository' });
    await panel.getByLabel('Repository').waitFor();
    await page.waitForFunction(() => document.activeElement?.id === 'edit-repositoryId');
    t.pass('the fix button opens the Edit form with the cursor on the repository');
    t.equal(await panel.getByLabel('Repository').inputValue(), '', 'none yet: the form shows the mission, not the defaults');
    await panel.getByLabel('Repository').selectOption(repo.id);
    await panel.getByLabel('Flow').selectOption(quick.id);
    await panel.getByLabel('Actor').selectOption(actor.id);
    await panel.getByLabel('PR mode').selectOption('disabled');
    await panel.getByLabel('Depends on').selectOption([blocker.id]);
    const [saved] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/missions/${stuck.id}`) && r.request().method() === 'PATCH'),
      panel.getByRole('button', { name: 'Save' }).click(),
    ]);
    t.equal(saved.status(), 200);
    t.same(JSON.parse(saved.request().postData() ?? '{}'), {
      repositoryId: repo.id, targetBranch: 'trunk', flowId: quick.id, actorId: actor.id, prMode: 'disabled', dependsOn: [blocker.id],
    }, 'only what changed is sent');
    t.match((await api.get(`/api/v1/missions/${stuck.id}`)).body, { repositoryId: repo.id, flowId: quick.id, actorId: actor.id, prMode: 'disabled', dependsOn: [blocker.id], stage: 'execute' });
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });
    await card(stuck.id, 'todo').locator('li[data-code="blocked_by_dependencies"]').waitFor();
    await shot('board-dispatch.png');
    t.equal(await card(stuck.id).locator('li[data-code="no_repository"]').count(), 0, 'the card follows');
  });

  await step('"Done →" on a Review card approves; "Doing →" on a Todo card makes it ready, never parks it', async (t) => {
    const reviewed = await createMission(api, project.id, { title: 'Check my work', requiresReview: true });
    t.equal((await api.post(`/api/v1/missions/${reviewed.id}/move`, { list: 'review' })).status, 200);
    await card(reviewed.id, 'review').waitFor();
    const [approved] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/missions/${reviewed.id}/review`)),
      card(reviewed.id).getByRole('button', { name: 'Approve “Check my work”: merge, then Done' }).click(),
    ]);
    t.same(JSON.parse(approved.request().postData() ?? '{}'), { decision: 'approve' });
    await card(reviewed.id, 'done').waitFor();
    t.match((await api.get(`/api/v1/missions/${reviewed.id}`)).body, { list: 'done', reviewStatus: 'approved' });

    const idle = await createMission(api, project.id, { title: 'No repository yet' });
    await card(idle.id, 'todo').waitFor();
    await card(idle.id).getByRole('button', { name: 'Send “No repository yet” to Doing: an agent takes it (marks it ready)' }).click();
    await page.locator('#notice').getByText(/“No repository yet” is ready but cannot run yet — blocked: The mission has no repository/).waitFor();
    t.match((await api.get(`/api/v1/missions/${idle.id}`)).body, { list: 'todo', ready: true });
    t.equal(await card(idle.id, 'todo').count(), 1, 'still in Todo');
  });

  await step('"Mark ready" on a Todo card: the mission goes to an agent', async (t) => {
    const waiting = await createMission(api, project.id, { title: 'Ready me', repositoryId: repo.id });
    const mark = card(waiting.id, 'todo').getByRole('button', { name: 'Mark ready: let an agent take “Ready me”' });
    await mark.waitFor();
    t.equal(await card(waiting.id).getByTestId('dispatch').getAttribute('data-state'), 'not_ready');
    const [patched] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/missions/${waiting.id}`) && r.request().method() === 'PATCH'),
      mark.click(),
    ]);
    t.same(JSON.parse(patched.request().postData() ?? '{}'), { ready: true });
    await daemon.waitFor((f) => f.type === 'mission.assign' && f.payload.mission.id === waiting.id, 'the assignment');
    await card(waiting.id, 'doing').waitFor();
  });

  await step('the project at its limit of missions at once: the card says it waits for a slot, its button opens Workstations', async (t) => {
    const before = (await api.get(P)).body.maxConcurrentMissions;
    t.equal((await api.patch(P, { maxConcurrentMissions: 1 })).status, 200); // "Ready me" runs
    const next = await createMission(api, project.id, { title: 'Second in line', repositoryId: repo.id, ready: true });
    const slot = card(next.id, 'todo').locator('li[data-code="no_free_slot"]');
    await slot.waitFor();
    t.equal(await card(next.id).getByTestId('dispatch').getAttribute('data-state'), 'queued', 'queued: it runs when a slot frees');
    await slot.getByRole('button', { name: 'Workstations: what is running while “Second in line” waits for a slot' }).click();
    await page.locator('#workstations').getByText('laptop').first().waitFor();
    t.equal(await page.getByRole('button', { name: 'Workstations', exact: true }).getAttribute('aria-expanded'), 'true', 'the Workstations view opens');
    await page.getByRole('button', { name: 'Workstations', exact: true }).click(); // closed again
    // Not ready before the limit goes back, so it takes no slot from the steps below.
    t.equal((await api.patch(`/api/v1/missions/${next.id}`, { ready: false })).status, 200);
    t.equal((await api.patch(P, { maxConcurrentMissions: before })).status, 200);
  });

  await step('Todo cards follow workstations: a daemon going away shows up in their reasons, with the view that fixes it', async (t) => {
    t.same(await card(stuck.id, 'todo').locator('.reasons li').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.code)),
      ['blocked_by_dependencies'], 'the laptop is connected: dependencies are the only reason');
    t.ok(await card(stuck.id).getByRole('button', { name: 'Edit “Stuck without a repository”: its dependencies' }).isVisible());
    daemon.close();
    const offline = card(stuck.id, 'todo').locator('li[data-code="no_workstation_online"]');
    await offline.waitFor();
    t.match((await api.get(`/api/v1/missions/${stuck.id}`)).body.dispatch.reasons.map((r: any) => r.code), ['blocked_by_dependencies', 'no_workstation_online']);
    t.equal(await card(stuck.id).locator('.more').count(), 0, 'two reasons: the card lists both');
    t.equal(await page.locator('#workstations').isVisible(), false);
    await offline.getByRole('button', { name: 'Workstations: none online for “Stuck without a repository”' }).click();
    await page.locator('#workstations').getByText('laptop').first().waitFor();
    t.equal(await page.getByRole('button', { name: 'Workstations', exact: true }).getAttribute('aria-expanded'), 'true', 'the Workstations view opens');
    t.equal(await page.evaluate(() => document.activeElement?.id), 'workstations-title', 'with focus on its heading');
    t.same(await axeViolations(page, '#workstations'), [], 'no serious or critical accessibility violations in the Workstations view');
    await shot('board-dispatch-fix.png');
  });

  await step('a budget that is used up: the card says so, and its button opens Project settings', async (t) => {
    t.equal((await api.patch(P, { monthlyBudgetUsd: 0 })).status, 200);
    const waiting = await createMission(api, project.id, { title: 'Over budget', ready: true, repositoryId: repo.id });
    const reason = card(waiting.id, 'todo').locator('li[data-code="budget_reached"]');
    await reason.waitFor();
    await reason.getByRole('button', { name: 'Project settings: the monthly budget “Over budget” waits on' }).click();
    const dialog = page.getByRole('dialog', { name: /^Settings/ });
    await dialog.getByLabel('Monthly budget (USD)').waitFor();
    t.equal(await dialog.getByLabel('Monthly budget (USD)').inputValue(), '0', 'the budget to raise');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    t.equal((await api.patch(P, { monthlyBudgetUsd: null })).status, 200);
  });

  await step('no secret in any address the board opened', async (t) => {
    t.ok(urls.length > 10, `${urls.length} requests and sockets seen`);
    t.same(urls.filter((u) => u.includes(ADMIN_KEY) || /[?&](key|token|apiKey)=/i.test(u)), [], 'no API key or token in a URL');
  });

  await closeBrowser();
}
