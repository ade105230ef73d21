import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject, createUser } from '../helpers/fixtures.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { axeViolations, haveChromium, openBoardBrowser, signIn } from './helpers/browser.ts';

// The public-project rules run on both engines (test/collaboration/); this is the view.
runOnceAcrossEngines(t, 'a board view in Chromium');

// #18: the gallery of public projects (search, sort, stars) for a signed-in person, and a reader
// without a key opening a public project's board read-only — Done missions and docs, nothing to
// change, no realtime socket — or being told to sign in for a project that does not allow it.
if (haveChromium(t)) await galleryView();

async function galleryView() {
  const app = await startTestApp(t);
  const alice = await createUser(app, 'alice@gallery.test'); // owner of Acme
  const sam = await createUser(app, 'sam@gallery.test'); // signed in, in no organization
  const acme = await createOrg(alice.client, 'Acme');
  const open = await createProject(alice.client, acme.id, { visibility: 'public', name: 'Open Widget', description: 'A widget anyone may read' });
  await alice.client.patch(`/api/v1/projects/${open.id}`, { anonymousRead: true });
  await createProject(alice.client, acme.id, { visibility: 'public', name: 'Members Gadget' }); // public, without anonymous reading
  const secret = await createProject(alice.client, acme.id, { name: 'Secret Widget' });
  await alice.client.post(`/api/v1/projects/${open.id}/repositories`, { url: 'https://github.com/acme/widget.git' });
  const shipped = await createMission(alice.client, open.id, { title: 'Shipped feature' });
  await alice.client.post(`/api/v1/missions/${shipped.id}/move`, { list: 'done' });
  await createMission(alice.client, open.id, { title: 'Work not done yet' });
  // The docs, as the session ingest stores them.
  const docsDir = join(app.docsDir, 'missions', shipped.id);
  mkdirSync(docsDir, { recursive: true });
  writeFileSync(join(docsDir, 'solution.md'), '# Widget plan\n\nShip the **widget**.\n');

  const { page, newPage, consoleErrors, shot, step } = await openBoardBrowser(t, { timeoutMs: 20_000 });
  const names = (p: Page) => p.getByTestId('gallery-item').locator('h3').allTextContents();

  await signIn(page, app.baseUrl, sam.key);

  await step('signed in: the gallery lists every public project; search narrows it by name', async (t) => {
    await page.getByRole('link', { name: 'Gallery' }).click();
    await page.getByRole('heading', { name: 'Public projects' }).waitFor();
    await page.getByTestId('gallery-item').nth(1).waitFor();
    t.same((await names(page)).sort(), ['Members Gadget', 'Open Widget'], 'both public projects, not the private one');
    t.equal(await page.locator('#board').isVisible(), false, 'the board is out of the way');
    await page.getByLabel('Search by name').fill('gadg');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="gallery-item"]').length === 1);
    t.same(await names(page), ['Members Gadget']);
    await page.getByLabel('Search by name').fill('');
    await page.getByTestId('gallery-item').nth(1).waitFor();
  });

  await step('the star toggle stars and unstars, the count follows, and stars sort the list', async (t) => {
    const item = page.locator(`[data-testid="gallery-item"][data-id="${open.id}"]`);
    await item.getByRole('button', { name: 'Star Open Widget', pressed: false }).click();
    await item.getByRole('button', { name: 'Star Open Widget', pressed: true }).waitFor();
    t.equal(await item.getByTestId('stars').textContent(), '★ 1 star');
    t.match((await sam.client.get(`/api/v1/projects/${open.id}/stars`)).body, { count: 1, starred: true }, 'stored');
    await page.getByLabel('Sort').selectOption('stars');
    await page.reload();
    await page.getByTestId('gallery-item').nth(1).waitFor();
    t.same(await names(page), ['Open Widget', 'Members Gadget'], 'most starred first, after a reload too');
    t.same(await axeViolations(page, '.gallery'), [], 'no serious or critical accessibility violations');
    await shot('gallery-signed-in.png');
    await item.getByRole('button', { name: 'Star Open Widget', pressed: true }).click();
    await item.getByRole('button', { name: 'Star Open Widget', pressed: false }).waitFor();
    t.equal(await item.getByTestId('stars').textContent(), '★ 0 stars');
  });

  // Top-level awaits between subtests would let tap end the file: the set-up happens in a step.
  let anon: Page;
  const sockets: string[] = [];
  await step('without a key: the gallery shows only the project open to anonymous readers, no stars to give', async (t) => {
    // Signed out, a fresh page has no key at all (the key lived in this browser's localStorage only).
    await page.getByRole('button', { name: 'Sign out' }).click();
    anon = await newPage('anonymous');
    anon.on('websocket', (ws) => sockets.push(ws.url()));
    await anon.goto(`${app.baseUrl}/#/gallery`);
    await anon.getByTestId('gallery-item').first().waitFor();
    await anon.getByTestId('gallery-list').and(anon.locator('[aria-busy="false"]')).waitFor();
    t.same(await names(anon), ['Open Widget'], 'not Members Gadget (public, but only to signed-in people)');
    t.equal(await anon.getByTestId('star-toggle').count(), 0, 'no star toggle');
    t.ok(await anon.getByRole('link', { name: 'Sign in' }).first().isVisible(), 'a sign-in link');
    t.equal(await anon.getByLabel('API key').isVisible(), false, 'the sign-in form waits for the link');
  });

  await step('without a key: the read-only board shows the Done mission and its docs, no write controls, no socket', async (t) => {
    await anon.getByRole('link', { name: 'Open board (read-only)' }).click();
    const board = anon.getByTestId('public-board');
    await board.getByRole('heading', { name: 'Open Widget' }).waitFor();
    t.same(await board.getByTestId('public-card').allTextContents(), ['Shipped feature'], 'the Done mission only');
    t.match(await board.textContent(), /github\.com\/acme\/widget\.git/, 'the repository');
    await board.getByRole('button', { name: 'Shipped feature' }).click();
    await board.getByRole('heading', { name: 'Widget plan' }).waitFor();
    t.equal(await board.locator('[data-path="solution.md"] strong').textContent(), 'widget', 'the doc, rendered');
    t.same(await board.getByRole('button').allTextContents(), ['Shipped feature'], 'no button but the card that opens the mission');
    t.ok(await board.getByRole('link', { name: 'Sign in', exact: true }).isVisible(), 'a sign-in link');
    t.equal(await anon.locator('#new-mission, .moves, .star-toggle, #settings-open').filter({ visible: true }).count(), 0, 'no write control anywhere');
    t.same(await axeViolations(anon, '.public-board'), [], 'no serious or critical accessibility violations');
    await shot('gallery-anonymous-board.png', anon);
    t.same(sockets, [], 'no realtime socket opened without a key');
  });

  await t.test('without a key: a private project says to sign in, and the link shows the sign-in form', async (t) => {
    await anon.goto(`${app.baseUrl}/#/projects/${secret.id}`);
    await anon.getByRole('heading', { name: 'Sign in to see this project' }).waitFor();
    t.equal(await anon.getByText('Secret Widget').count(), 0, 'nothing of the project shows');
    await anon.getByRole('link', { name: 'Sign in to see this' }).click();
    await anon.getByLabel('API key').waitFor();
    t.ok(await anon.getByLabel('API key').isVisible(), 'the sign-in form');
    t.notOk(anon.url().includes(sam.key), 'no key in the URL');
    // The browser logs the 401s themselves ("Failed to load resource"): expected here, nothing else.
    t.same(consoleErrors.splice(0).filter((e) => !/status of 401/.test(e)), [], 'no other console errors');
    t.same(sockets, [], 'still no socket');
  });
}
