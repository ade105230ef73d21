import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject } from '../helpers/fixtures.ts';
import { connectRaw, hello } from '../workstations/helpers/ws-client.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { haveChromium, openBoardBrowser, signIn } from './helpers/browser.ts';

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
    await card(stuck.id).getByRole('button', { name: 'Stuck without a repository', exact: true }).click();
    const panel = page.getByRole('dialog', { name: 'Stuck without a repository' });
    await panel.getByLabel('Repository').waitFor();
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
      card(reviewed.id).getByRole('button', { name: 'Approve “Check my work” (merge, then Done)' }).click(),
    ]);
    t.same(JSON.parse(approved.request().postData() ?? '{}'), { decision: 'approve' });
    await card(reviewed.id, 'done').waitFor();
    t.match((await api.get(`/api/v1/missions/${reviewed.id}`)).body, { list: 'done', reviewStatus: 'approved' });

    const idle = await createMission(api, project.id, { title: 'No repository yet' });
    await card(idle.id, 'todo').waitFor();
    await card(idle.id).getByRole('button', { name: 'Send “No repository yet” to an agent (mark it ready)' }).click();
    await page.locator('#notice').getByText(/“No repository yet” is ready but cannot run yet — blocked: The mission has no repository/).waitFor();
    t.match((await api.get(`/api/v1/missions/${idle.id}`)).body, { list: 'todo', ready: true });
    t.equal(await card(idle.id, 'todo').count(), 1, 'still in Todo');
  });

  await step('Todo cards follow workstations: a daemon going away shows up in their reasons', async (t) => {
    t.equal(await card(stuck.id, 'todo').locator('.more').count(), 0, 'the laptop is connected: dependencies are the only reason');
    daemon.close();
    await card(stuck.id, 'todo').locator('.more[data-codes~="no_workstation_online"]').waitFor();
    t.match((await api.get(`/api/v1/missions/${stuck.id}`)).body.dispatch.reasons.map((r: any) => r.code), ['blocked_by_dependencies', 'no_workstation_online']);
  });

  await closeBrowser();
}
