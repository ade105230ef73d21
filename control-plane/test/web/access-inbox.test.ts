import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { createOrg, createProject, createUser } from '../helpers/fixtures.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { haveChromium, openBoardBrowser, signIn } from './helpers/browser.ts';

// Plain API data read by the board; the access-request API runs on both engines (test/collaboration).
runOnceAcrossEngines(t, 'a board view in Chromium');

// #18: a project's admin approves or declines an access request from the board's inbox.
if (haveChromium(t)) await inboxTests();

async function inboxTests() {
  const app = await startTestApp(t);
  const api = app.admin;
  const org = await createOrg(api);
  const project = await createProject(api, org.id, { name: 'Requested project' });
  const asker = async (email: string, message: string) => {
    const u = await createUser(app, email);
    await api.post(`/api/v1/organizations/${org.id}/members`, { userId: u.id, role: 'viewer' });
    const r = await u.client.post(`/api/v1/projects/${project.id}/access-requests`, { role: 'member', message });
    if (r.status !== 201) throw new Error(JSON.stringify(r.body));
    return { ...u, requestId: r.body.id as string };
  };
  const vera = await asker('vera@inbox.test', 'I fix the docs');
  const walt = await asker('walt@inbox.test', 'me too');

  const { page, shot, step } = await openBoardBrowser(t, { timeoutMs: 20_000 });
  await signIn(page, app.baseUrl);

  await step('Approve and Decline on the notification decide the request; the requester hears it', async (t) => {
    await page.locator('#inbox-toggle').click();
    const box = page.getByRole('region', { name: 'Notifications' });
    await box.getByRole('button', { name: 'Approve: vera@inbox.test asks for member on Requested project' }).click();
    await box.getByText('Approved: member').waitFor();
    await shot('access-request-approved.png');
    t.equal((await api.get(`/api/v1/access-requests/${vera.requestId}`)).body.status, 'approved');
    t.equal((await vera.client.post(`/api/v1/projects/${project.id}/missions`, { title: 'now I can' })).status, 201, 'the role works');

    // Decided elsewhere meanwhile (the CLI, another admin): the buttons do not act twice.
    await api.post(`/api/v1/access-requests/${walt.requestId}/decline`, {});
    await page.locator('#inbox-toggle').click();
    await page.locator('#inbox-toggle').click();
    await box.getByText('Declined').waitFor();
    t.equal(await box.getByRole('button', { name: /^Approve: walt/ }).count(), 0, 'no Approve on a decided request');
    const heard = (await walt.client.get('/api/v1/notifications')).body.items.map((n: { kind: string }) => n.kind);
    t.ok(heard.includes('access_request.declined'), 'the requester is told');
  });

  await step("an outsider approved from the inbox works on the project's board, and sees nothing else of the organization", async (t) => {
    const open = await createProject(api, org.id, { name: 'Open project', visibility: 'public' });
    const secret = await createProject(api, org.id, { name: 'Internal project' });
    const olga = await createUser(app, 'olga@outside.test'); // in no organization at all
    const asked = await olga.client.post(`/api/v1/projects/${open.id}/access-requests`, { role: 'member', message: 'drive-by fix' });
    t.equal(asked.status, 201);
    await page.locator('#inbox-toggle').click();
    await page.locator('#inbox-toggle').click();
    const box = page.getByRole('region', { name: 'Notifications' });
    await box.getByRole('button', { name: 'Approve: olga@outside.test asks for member on Open project' }).click();
    await box.getByText('Approved: member').first().waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, app.baseUrl, olga.key);
    t.same(await page.locator('#project-select option').allTextContents(), ['Open project'], 'her project list holds the one project, not the organization\'s others');
    await page.locator('#board[aria-busy="false"]').waitFor();
    await page.getByRole('button', { name: 'New mission' }).click();
    await page.locator('#create-title-input').fill('Fixed from outside');
    await page.locator('#create-form button[type="submit"]').click();
    await page.locator('ol.cards[data-list="todo"] li.card', { hasText: 'Fixed from outside' }).waitFor();
    t.ok(true, 'she creates a mission from the board');
    await page.getByRole('button', { name: 'Workstations', exact: true }).click();
    await page.getByTestId('workstations-outside').waitFor();
    t.equal((await olga.client.get(`/api/v1/projects/${secret.id}`)).status, 404, 'the other project stays invisible');
    await shot('outside-collaborator-board.png');
  });
}
