import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fallbackProject } from '../fallback/fixtures.ts';
import t from 'tap';
import { ADMIN_KEY, startTestApp } from '../helpers/app.ts';
import { createMission } from '../helpers/fixtures.ts';
import { newId } from '@solo-unicorn/shared';
import { connectRaw, hello } from '../workstations/helpers/ws-client.ts';
import { axeViolations, haveChromium, openBoardBrowser } from './helpers/browser.ts';

// The web board in Debian's Chromium, driven by playwright-core (helpers/browser.ts).
if (haveChromium(t)) await boardTests();

async function boardTests() {
  const app = await startTestApp(t);
  const api = app.admin;
  const fx = await fallbackProject(api);
  const projectId = fx.project.id;
  const template = await fx.template('Refresh dependencies', { description: 'Bump what is outdated', priority: 2 });

  const { page, step, shot, newPage, close: closeBrowser } = await openBoardBrowser(t);
  // Every frame the page's sockets receive, recorded by a listener added before the board's own
  // handler: once a frame is in the list, the board has handled it too (same message event).
  await page.addInitScript(`{
    const Native = window.WebSocket;
    const frames = (window.__suFrames = []);
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        this.addEventListener('message', (e) => frames.push(String(e.data)));
      }
    };
  }`);
  /** Resolves once the board has received (and handled) a realtime frame that mentions `id`. */
  const frameAbout = (id: string) => page.waitForFunction((id) => ((window as any).__suFrames as string[]).some((f) => f.includes(id)), id);

  const card = (id: string, list?: string) => page.locator(`${list ? `ol.cards[data-list="${list}"] ` : ''}li.card[data-id="${id}"]`);

  await step('signs in with an API key and shows the four columns of the first project', async (t) => {
    await page.goto(app.baseUrl);
    await page.getByLabel('API key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    for (const name of ['Todo', 'Doing', 'Review', 'Done']) await page.getByRole('heading', { level: 2, name: new RegExp(`^${name}`) }).waitFor();
    t.equal(await page.locator('#project-select').inputValue(), projectId);
    await page.locator('#live-status[data-state="live"]').waitFor();
    t.equal(await page.evaluate(() => localStorage.getItem('solo-unicorn.apiKey')), ADMIN_KEY, 'the key is kept in localStorage');
  });

  await step('creates a mission on the board and shows it in Todo', async (t) => {
    await page.getByRole('button', { name: 'New mission' }).click();
    await page.getByLabel('Title').fill('Write the onboarding guide');
    await page.getByLabel('Description').fill('For new contributors');
    await page.getByLabel('Priority (1 highest – 5 lowest)').selectOption('2');
    await page.getByLabel('Ready for an agent').check();
    const [created] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/projects/${projectId}/missions`) && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Create' }).click(),
    ]);
    const mission = await created.json();
    await card(mission.id, 'todo').getByText('Write the onboarding guide').waitFor();
    const todo = await api.get(`/api/v1/projects/${projectId}/missions?list=todo`);
    const stored = todo.body.items.find((m: { id: string }) => m.id === mission.id);
    t.match(stored, { title: 'Write the onboarding guide', description: 'For new contributors', priority: 2, ready: true, list: 'todo' });
  });

  await step('launches a template from the Fallback area in one click', async (t) => {
    const area = page.locator('#fallback-area');
    const [launched] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/fallback/templates/${template.id}/launch`)),
      area.getByRole('button', { name: `Launch template “${template.name}”` }).click(),
    ]);
    t.equal(launched.status(), 201);
    t.equal(launched.request().headers()['x-solo-unicorn-client'], 'board', 'the board marks its launches');
    const missionId = (await launched.json()).items.find((i: { missionId: string | null }) => i.missionId)?.missionId;
    t.ok(missionId, 'the launch created a mission');
    await card(missionId, 'todo').waitFor();
    const mission = (await api.get(`/api/v1/missions/${missionId}`)).body;
    t.match(mission, { origin: 'fallback', list: 'todo' });
    t.match(await card(missionId).textContent(), /fallback/);
    const runs = (await api.get(`/api/v1/projects/${projectId}/fallback/runs`)).body.items;
    t.equal(runs[0].triggeredBy, 'manual', 'a launch from the board is a manual trigger');
  });

  await step('accepts and discards proposals that arrive live in the Fallback area', async (t) => {
    await fx.config({ autoAccept: false, backlogThreshold: 10 });
    // A cooldown on both: whichever proposal is discarded, its template says when it may come back.
    await api.patch(`/api/v1/projects/${projectId}/fallback/templates/${template.id}`, { cooldownMinutes: 3 * 24 * 60 });
    await fx.template('Triage stale issues', { cooldownMinutes: 3 * 24 * 60 });
    const run = await api.post(`/api/v1/projects/${projectId}/fallback/runs`, {});
    t.equal(run.status, 201);
    const [first, second] = run.body.items as { id: string; title: string }[];
    t.ok(first && second, 'the run proposed two missions');
    const proposal = (id: string) => page.locator(`[data-testid="fallback-proposal"][data-id="${id}"]`);
    await proposal(first!.id).waitFor();
    await proposal(second!.id).waitFor();

    const [accepted] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/fallback/items/${first!.id}/accept`)),
      proposal(first!.id).getByRole('button', { name: /^Accept/ }).click(),
    ]);
    const missionId = (await accepted.json()).missionId;
    await card(missionId, 'todo').waitFor();
    await proposal(first!.id).waitFor({ state: 'detached' });

    await proposal(second!.id).getByRole('button', { name: /^Discard proposal/ }).click();
    await proposal(second!.id).getByLabel('Why discard? (optional)').fill('not this week');
    // A live Fallback event meanwhile (another run) reloads the area: the half-written reason stays.
    const proposedBefore = await page.locator('[data-testid="fallback-proposal"]').count();
    t.equal((await api.post(`/api/v1/projects/${projectId}/fallback/runs`, {})).status, 201, 'another run');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="fallback-proposal"]').length > n, proposedBefore);
    t.equal(await proposal(second!.id).getByLabel('Why discard? (optional)').inputValue(), 'not this week', 'the discard form stays open with its text');
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/fallback/items/${second!.id}/discard`)),
      proposal(second!.id).getByRole('button', { name: 'Discard', exact: true }).click(),
    ]);
    await proposal(second!.id).waitFor({ state: 'detached' });
    const discardedTemplate = (run.body.items as { id: string; templateId: string }[]).find((x) => x.id === second!.id)!.templateId;
    const rotationText = page.locator(`[data-testid="fallback-template"][data-id="${discardedTemplate}"] [data-testid="fallback-rotation"]`);
    await rotationText.filter({ hasText: /eligible again/ }).waitFor();
    t.match(await rotationText.textContent(), /^last proposed \d\d:\d\d · eligible again \d+ \w{3} \d\d:\d\d$/, 'the discarded template shows its cooldown');
    const items = (await api.get(`/api/v1/projects/${projectId}/fallback/runs/${run.body.run.id}`)).body.items;
    t.match(items.find((i: { id: string }) => i.id === second!.id), { status: 'discarded', feedback: 'not this week' });
  });

  await step('moves a mission to another column and reorders it with the keyboard', async (t) => {
    const a = await createMission(api, projectId, { title: 'Keyboard A' });
    const b = await createMission(api, projectId, { title: 'Keyboard B' });
    await card(b.id, 'todo').waitFor(); // arrived live over the realtime socket
    const toAgent = card(a.id).getByRole('button', { name: 'Send “Keyboard A” to Doing: an agent takes it (marks it ready)' });
    await toAgent.focus();
    // "Doing →" on a Todo card asks for an agent: the mission is made ready, never parked in Doing.
    const [readied] = await Promise.all([page.waitForResponse((r) => r.url().endsWith(`/missions/${a.id}`) && r.request().method() === 'PATCH'), page.keyboard.press('Enter')]);
    t.equal(readied.status(), 200);
    await card(a.id, 'todo').locator('.badge.ready').waitFor();
    t.match((await api.get(`/api/v1/missions/${a.id}`)).body, { list: 'todo', ready: true }, 'the API agrees');

    // Alt+ArrowUp on a focused card moves it up its column.
    await card(b.id).getByRole('button', { name: 'Keyboard B', exact: true }).focus();
    const before = await page.locator('ol.cards[data-list="todo"] li.card').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.id));
    await Promise.all([page.waitForResponse((r) => r.url().endsWith(`/missions/${b.id}/move`)), page.keyboard.press('Alt+ArrowUp')]);
    const after = await page.locator('ol.cards[data-list="todo"] li.card').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.id));
    t.equal(after.indexOf(b.id), before.indexOf(b.id) - 1, 'one place up on the board');
    const column = (await api.get(`/api/v1/projects/${projectId}/missions?list=todo`)).body.items.map((m: { id: string }) => m.id);
    t.same(column, after, 'the API orders the column the same way');
    t.equal(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.id), b.id, 'focus stays on the moved card');
  });

  await step('drags a mission to another column', async (t) => {
    const m = await createMission(api, projectId, { title: 'Drag me' });
    await card(m.id, 'todo').waitFor();
    // The drag's events as the browser sends them, dispatched to the card and the column: Chromium's
    // own drag under Playwright (dragTo) sometimes started no drag or sent no drop on a loaded CI
    // machine, and what is under test is the board's handling of the events.
    const dataTransfer = await page.evaluateHandle(() => new DataTransfer());
    const review = page.locator('ol.cards[data-list="review"]');
    const box = (await review.boundingBox())!;
    const at = { dataTransfer, clientX: box.x + box.width / 2, clientY: box.y + box.height - 2 };
    const [moved] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/missions/${m.id}/move`)),
      (async () => {
        await card(m.id).dispatchEvent('dragstart', { dataTransfer });
        await review.dispatchEvent('dragenter', at);
        await review.dispatchEvent('dragover', at);
        t.ok(await review.evaluate((ol) => ol.classList.contains('drop-target')), 'the column shows where it would land');
        await review.dispatchEvent('drop', at);
        await card(m.id).dispatchEvent('dragend', { dataTransfer });
      })(),
    ]);
    t.same(moved.request().postDataJSON(), { list: 'review' }, 'dropped below the last card: the end of Review');
    await card(m.id, 'review').waitFor();
    t.equal((await api.get(`/api/v1/missions/${m.id}`)).body.list, 'review');
  });

  await step('a refresh swaps only the cards that changed: a pressed card stays the one pressed', async (t) => {
    const kept = await createMission(api, projectId, { title: 'Left alone' });
    const edited = await createMission(api, projectId, { title: 'Renamed soon' });
    await card(kept.id, 'todo').waitFor();
    await card(edited.id, 'todo').waitFor();
    // Mark both nodes (a property, not an attribute the comparison would see): a node the refresh
    // replaced comes back unmarked.
    type Marked = Element & { testMark?: boolean };
    const marked = (id: string) => page.evaluate((id) => Boolean((document.querySelector(`li.card[data-id="${id}"]`) as Marked).testMark), id);
    const mark = () => page.evaluate((ids) => { for (const id of ids) (document.querySelector(`li.card[data-id="${id}"]`) as Marked).testMark = true; }, [kept.id, edited.id]);
    // A new card still changes as what it shows arrives (its attempts, its dispatch state): marked
    // once it stays the same node for half a second.
    for (let i = 0; i < 20; i++) {
      await mark();
      await new Promise((r) => setTimeout(r, 500));
      if (await marked(kept.id) && await marked(edited.id)) break;
    }
    // Pressed where a click does nothing (its badges), so the release opens no panel.
    const pressed = card(kept.id).locator('.badges');
    await pressed.scrollIntoViewIfNeeded(); // the pointer must be over it, not below the fold
    const box = (await pressed.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    t.equal((await api.patch(`/api/v1/missions/${edited.id}`, { title: 'Renamed now' })).status, 200);
    const arrived = await createMission(api, projectId, { title: 'Arrives while pressed' });
    await card(arrived.id, 'todo').waitFor();
    await card(edited.id).getByText('Renamed now').waitFor();
    t.ok(await marked(kept.id), 'the unchanged card under the pressed button is the same node');
    t.notOk(await marked(edited.id), 'the changed card was redrawn');
    await page.mouse.up();
  });

  await step('a drag that never ends (no dragend) holds the board back only until the mouse moves', async (t) => {
    // The board also gives up a drag silent for DRAG_SILENCE_MS (web/js/board.js), whatever the mouse does.
    const DRAG_SILENCE_MS = 3000;
    const held = await createMission(api, projectId, { title: 'Half-dragged' });
    await card(held.id, 'todo').waitFor();
    // A dragstart with no dragend after it: what a browser leaves when the drag's source is lost.
    const dataTransfer = await page.evaluateHandle(() => new DataTransfer());
    await card(held.id).dispatchEvent('dragstart', { dataTransfer });
    // Still a sign of life every 250 ms, so the silence cannot end it however slow this machine:
    // only the mouse moving can.
    await card(held.id).evaluate((li) => { (window as any).__dragPump = setInterval(() => li.dispatchEvent(new DragEvent('drag', { bubbles: true })), 250); });
    t.teardown(() => page.evaluate(() => clearInterval((window as any).__dragPump)).catch(() => {}));
    const late = await createMission(api, projectId, { title: 'Arrives mid-drag' });
    await frameAbout(late.id);
    t.equal(await card(late.id).count(), 0, 'while a drag is on, the board does not redraw under it');
    await page.mouse.move(5, 5);
    await page.mouse.move(10, 10);
    await card(late.id, 'todo').waitFor({ timeout: 5_000 });
    t.pass('the mouse moving with no button pressed ends it: the new card is drawn');
    await page.evaluate(() => clearInterval((window as any).__dragPump));

    // The same with the mouse still: a drag that shows no sign of life for 3 s is over. Whether the
    // new card is held back can only be seen before that: a check later than that says nothing.
    const dragAt = Date.now();
    await card(held.id).dispatchEvent('dragstart', { dataTransfer });
    const later = await createMission(api, projectId, { title: 'Arrives while nothing moves' });
    await frameAbout(later.id);
    const heldBack = await card(later.id).count();
    const checkedAfter = Date.now() - dragAt;
    if (checkedAfter < DRAG_SILENCE_MS - 500) t.equal(heldBack, 0, `held back at first (checked ${checkedAfter} ms after the dragstart)`);
    else t.comment(`held back at first: inconclusive, checked ${checkedAfter} ms after the dragstart (the silence ends a drag after ${DRAG_SILENCE_MS} ms)`);
    const started = Date.now();
    await card(later.id, 'todo').waitFor({ timeout: 10_000 });
    t.ok(Date.now() - started < 9_000, 'drawn once the dead drag is given up, with no input at all');
  });

  await step('shows an event live in the mission panel when the API adds one', async (t) => {
    const m = await createMission(api, projectId, { title: 'Watch me' });
    await card(m.id).getByRole('button', { name: 'Watch me', exact: true }).click();
    const panel = page.getByRole('dialog', { name: /^Watch me/ });
    const timeline = panel.getByRole('log', { name: 'Event timeline' });
    await timeline.locator('[data-kind="mission.created"]').waitFor();
    t.equal(await timeline.locator('[data-kind="mission.updated"]').count(), 0);

    const patched = await api.patch(`/api/v1/missions/${m.id}`, { description: 'now with details', priority: 1 });
    t.equal(patched.status, 200);
    const event = timeline.locator('[data-kind="mission.updated"]');
    await event.waitFor();
    t.match(await event.textContent(), /priority: 3 → 1/);
    // The details come with the mission's own update, which may land just after the timeline's event.
    const description = panel.getByLabel('Description');
    for (let i = 0; i < 100 && (await description.inputValue()) !== 'now with details'; i++) await new Promise((r) => setTimeout(r, 50));
    t.equal(await description.inputValue(), 'now with details', 'the details follow the API');

    // Edit from the panel: the card and the API follow.
    await panel.getByLabel('Title').fill('Watch me closely');
    const [saved] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/missions/${m.id}`) && r.request().method() === 'PATCH'),
      panel.getByRole('button', { name: 'Save' }).click(),
    ]);
    t.same(JSON.parse(saved.request().postData() ?? '{}'), { title: 'Watch me closely' }, 'only what changed is sent');
    await card(m.id).getByRole('button', { name: 'Watch me closely', exact: true }).waitFor();
    await timeline.locator('[data-kind="mission.updated"]').nth(1).waitFor();
    t.equal((await api.get(`/api/v1/missions/${m.id}`)).body.title, 'Watch me closely');
    await shot('mission-panel.png');
    await panel.getByRole('button', { name: 'Close the mission panel' }).click();
    await panel.waitFor({ state: 'hidden' });
  });

  await step('resumes the board and the timeline from their cursors after the socket drops', async (t) => {
    const m = await createMission(api, projectId, { title: 'Survive a reconnect' });
    await card(m.id).getByRole('button', { name: 'Survive a reconnect', exact: true }).click();
    const panel = page.getByRole('dialog', { name: /Survive/ }); // renamed below, while open
    const timeline = panel.getByRole('log', { name: 'Event timeline' });
    await timeline.locator('[data-kind="mission.created"]').waitFor();

    for (const socket of app.app.websocketServer.clients) socket.terminate();
    await page.locator('#live-status[data-state="reconnecting"]').waitFor();
    // Written while the board is away: it must get both on resume, once each.
    t.equal((await api.patch(`/api/v1/missions/${m.id}`, { priority: 2 })).status, 200);
    t.equal((await api.patch(`/api/v1/missions/${m.id}`, { title: 'Survived a reconnect' })).status, 200);
    await page.locator('#live-status[data-state="live"]').waitFor();
    await card(m.id).getByRole('button', { name: 'Survived a reconnect', exact: true }).waitFor();
    await timeline.locator('[data-kind="mission.updated"]').nth(1).waitFor();
    const seqs = await timeline.locator('li').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.seq)));
    t.same(seqs, [1, 2, 3], 'every event exactly once, in order');
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });
  });

  await step('shows the docs an agent stored for the mission in the Docs tab, not raw under Details', async (t) => {
    const m = await createMission(api, projectId, { title: 'Documented' });
    const dir = join(app.docsDir, 'missions', m.id);
    mkdirSync(join(dir, 'tasks'), { recursive: true });
    writeFileSync(join(dir, 'solution.md'), '# Solution\nUse a queue.');
    writeFileSync(join(dir, 'tasks', '1.md'), '- [ ] write the worker');
    await card(m.id).getByRole('button', { name: 'Documented', exact: true }).click();
    const panel = page.getByRole('dialog', { name: 'Documented' });
    await panel.getByRole('log', { name: 'Event timeline' }).locator('[data-kind="mission.created"]').waitFor();
    t.equal(await panel.getByRole('region', { name: 'Docs' }).count(), 0, 'no raw Docs section on the Details tab');
    await panel.getByRole('tab', { name: /^Docs/ }).click();
    const docs = panel.getByTestId('docs-tab');
    await docs.getByRole('heading', { name: 'Solution', exact: true }).waitFor();
    await docs.getByText('Use a queue.').waitFor();
    t.equal(await docs.getByRole('listitem').filter({ hasText: 'write the worker' }).count(), 1, 'the task renders as Markdown');
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });
  });

  await step('approves a mission in Review and shows it in Done', async (t) => {
    const m = await createMission(api, projectId, { title: 'Ship the login page', requiresReview: true });
    t.equal((await api.post(`/api/v1/missions/${m.id}/move`, { list: 'review' })).status, 200);
    await card(m.id, 'review').waitFor(); // moved by the API, seen live
    await card(m.id).getByRole('button', { name: 'Ship the login page', exact: true }).click();
    const panel = page.getByRole('dialog', { name: 'Ship the login page' });
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/missions/${m.id}/review`)),
      panel.getByRole('button', { name: 'Approve' }).click(),
    ]);
    await card(m.id, 'done').waitFor();
    await panel.locator('[data-kind="mission.reviewed"]').waitFor();
    t.match((await api.get(`/api/v1/missions/${m.id}`)).body, { list: 'done', reviewStatus: 'approved' });
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });
  });

  await step('shows a mission’s pull request, linked, and flags one closed without merging', async (t) => {
    const repo = (await api.post(`/api/v1/projects/${projectId}/repositories`, { url: 'https://github.com/acme/board-app.git' })).body;
    const m = await createMission(api, projectId, { title: 'Open the pricing PR', repositoryId: repo.id, prMode: 'enabled' });
    await app.db.exec(`INSERT INTO github_pull_requests (id, mission_id, project_id, repository_id, number, url, title, state, head_branch, base_branch, feedback_cycles, closed_at)
      VALUES ('${newId()}', '${m.id}', '${projectId}', '${repo.id}', 7, 'https://github.com/acme/board-app/pull/7', 'Open the pricing PR', 'closed', 'su/pricing', 'main', 2, now())`);
    await card(m.id).getByRole('button', { name: 'Open the pricing PR', exact: true }).click();
    const panel = page.getByRole('dialog', { name: 'Open the pricing PR' });
    const link = panel.getByRole('link', { name: '#7' });
    t.equal(await link.getAttribute('href'), 'https://github.com/acme/board-app/pull/7');
    t.equal(await panel.getByTestId('pr-state').textContent(), 'closed without merging');
    await panel.getByText('2 change requests').waitFor();
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });
  });

  await step('shows workstations with live presence and the missions they run', async (t) => {
    await createMission(api, projectId, { title: 'Run me on a workstation', ready: true, priority: 1 });
    const { body } = await api.post('/api/v1/workstations', { organizationId: fx.orgId, name: 'build-box' });
    const id = body.workstation.id;
    t.equal((await api.post(`/api/v1/projects/${projectId}/workstations`, { workstationId: id })).status, 201);
    await page.getByRole('button', { name: 'Workstations', exact: true }).click();
    t.equal(await page.getByRole('button', { name: 'Workstations', exact: true }).getAttribute('aria-expanded'), 'true');
    const row = page.locator(`[data-testid="workstation"][data-id="${id}"]`);
    await row.locator('.presence.offline').waitFor();

    const daemon = await connectRaw(app.baseUrl, body.token);
    t.teardown(() => daemon.close());
    daemon.send(hello(id));
    await daemon.waitFor((f) => f.type === 'session.welcome');
    await row.locator('.presence.online').waitFor(); // organization:{id}:workstations, live
    t.match(await row.textContent(), /custom/, 'its agents');
    const assigned = await daemon.waitFor((f) => f.type === 'mission.assign', 'an assignment');
    // The dispatcher picks among the project's ready missions; the row names whichever it assigned.
    const running = row.locator(`.running li[data-mission-id="${assigned.payload.mission.id}"]`);
    await running.waitFor();
    t.match(await running.textContent(), assigned.payload.mission.title);
    await shot('board-desktop.png');

    await daemon.close();
    await row.locator('.presence.offline').waitFor();
  });

  await step('stacks the columns on a phone-sized screen', async (t) => {
    const phone = await newPage('phone');
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(app.baseUrl); // the key from localStorage signs it in
    await phone.locator('#live-status[data-state="live"]').waitFor();
    const box = async (list: string) => (await phone.locator(`section.column[data-list="${list}"]`).boundingBox())!;
    const [todo, doing] = [await box('todo'), await box('doing')];
    t.ok(doing.y >= todo.y + todo.height, 'Doing sits below Todo');
    t.ok(todo.width > 300, 'a column takes the width of the screen');
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    t.equal(overflow, 0, 'no sideways scrolling');
    t.same(await axeViolations(phone, 'body'), [], 'no serious or critical accessibility violations on the board at 390 px, a Review card among them');
    await shot('board-phone.png', phone);
    await phone.close();
  });

  await step('signs out and forgets the key', async (t) => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    t.equal(await page.evaluate(() => localStorage.getItem('solo-unicorn.apiKey')), null);
    t.ok(await page.locator('#board').isHidden());
  });

  await closeBrowser();
}
