import { newId } from '@solo-unicorn/shared';
import type { Page } from 'playwright-core';
import t from 'tap';
import { codeAgentSessions } from '../../src/db/schema/index.ts';
import { createMissionEventsRepository } from '../../src/modules/missions/mission-events.repository.ts';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject } from '../helpers/fixtures.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { axeViolations, haveChromium, openBoardBrowser, signIn } from './helpers/browser.ts';

// The board's realtime path runs on both engines in board.test.ts; these views read plain API data.
runOnceAcrossEngines(t, 'a board view in Chromium');

// What the agents did and cost, why a mission waits, and the policy settings (#13), as a user sees
// them in Debian's Chromium. Attempts are written straight into code_agent_sessions (the daemon's
// frames are covered elsewhere); everything else goes through the API.
if (haveChromium(t)) await agentUsageTests();

async function agentUsageTests() {
  const app = await startTestApp(t);
  const api = app.admin;
  const org = await createOrg(api);
  const project = await createProject(api, org.id, { name: 'Parser project' });
  const projectId = project.id;
  const events = createMissionEventsRepository(app.db.db);

  type Attempt = Partial<typeof codeAgentSessions.$inferInsert> & { missionId: string };
  const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);
  async function attempt(row: Attempt) {
    const id = newId();
    await app.db.db.insert(codeAgentSessions).values({ id, projectId, agentType: 'claude-code', stage: 'execute', ...row });
    return id;
  }

  // A mission with two attempts: a failed fresh one, then a resumed success the policy refused twice.
  const parser = await createMission(api, projectId, { title: 'Build the parser' });
  const first = await attempt({
    missionId: parser.id, attemptNumber: 1, status: 'failed', reason: 'tests failed', agentSessionId: 'sess-parser',
    inputTokens: 1200, outputTokens: 340, cacheReadTokens: 5000, cacheWriteTokens: 800, costUsd: 0.1234, numTurns: 7, apiMs: 41_000,
    startedAt: minutesAgo(30), finishedAt: new Date(minutesAgo(30).getTime() + 90_000), createdAt: minutesAgo(30),
  });
  const secondStart = minutesAgo(20);
  await attempt({
    missionId: parser.id, attemptNumber: 2, status: 'succeeded', agentSessionId: 'sess-parser', resumedFromAttemptId: first,
    inputTokens: 2500, outputTokens: 1000, costUsd: 0.5, numTurns: 12, apiMs: 80_000, permissionDenials: 2,
    startedAt: secondStart, finishedAt: new Date(secondStart.getTime() + 185_000), createdAt: secondStart,
  });
  for (const [offset, data] of [[30_000, { tool: 'Write', path: 'src/secret.ts', reason: 'readonly policy' }], [60_000, { tool: 'Bash', command: 'rm -rf build' }]] as const) {
    await events.append({ missionId: parser.id, origin: 'agent', kind: 'agent.permission_denied', data }, new Date(secondStart.getTime() + offset));
  }
  // A Codex attempt: no cost reported.
  const codex = await createMission(api, projectId, { title: 'Port to Codex' });
  await attempt({
    missionId: codex.id, attemptNumber: 1, status: 'succeeded', agentType: 'codex', inputTokens: 900, outputTokens: 100, numTurns: 3,
    startedAt: minutesAgo(5), finishedAt: minutesAgo(4), createdAt: minutesAgo(5),
  });

  // UTC in the browser: the reset time the card shows is then the ISO time's HH:MM.
  const { page, step, shot, newPage, close: closeBrowser } = await openBoardBrowser(t, { context: { timezoneId: 'UTC', locale: 'en-US' }, timeoutMs: 20_000 });
  const card = (id: string) => page.locator(`li.card[data-id="${id}"]`);
  const openPanel = async (p: Page, id: string, title: string) => {
    await p.locator(`li.card[data-id="${id}"]`).getByRole('button', { name: title, exact: true }).click();
    return p.getByRole('dialog', { name: title });
  };
  const cells = async (row: ReturnType<Page['locator']>) =>
    Object.fromEntries(await row.locator('[data-field]').evaluateAll((els) => els.map((e) => [(e as HTMLElement).dataset.field, e.textContent?.trim()])));

  await step('signs in; the cards show the cost and the denials of the latest attempt', async (t) => {
    await signIn(page, app.baseUrl);
    await card(parser.id).getByTestId('denied').waitFor();
    t.equal(await card(parser.id).getByTestId('denied').textContent(), '2 denied');
    t.equal(await card(parser.id).getByTestId('cost').textContent(), '$0.62', 'both attempts’ cost');
    await card(codex.id).getByText('Port to Codex').waitFor();
    t.equal(await card(codex.id).getByTestId('cost').count(), 0, 'no cost on a card whose agent did not report one');
    t.equal(await card(codex.id).getByTestId('denied').count(), 0);
  });

  await step('the mission panel lists each attempt with tokens, cost, turns, wall time, denials and session', async (t) => {
    const panel = await openPanel(page, parser.id, 'Build the parser');
    const agent = panel.getByRole('region', { name: 'Agent', exact: true });
    const rows = agent.getByTestId('attempt');
    await rows.nth(1).waitFor();
    t.same(await cells(rows.nth(0)), {
      attempt: '#2 execute', status: 'succeeded', agent: 'claude-code', tokens: '2,500 / 1,000 (0 read, 0 write)',
      cost: '$0.50', turns: '12', wall: '3 min 5 s', denials: '2', session: 'resumed from #1',
    }, 'the newest attempt first');
    t.same(await cells(rows.nth(1)), {
      attempt: '#1 execute', status: 'failed', agent: 'claude-code', tokens: '1,200 / 340 (5,000 read, 800 write)',
      cost: '$0.12', turns: '7', wall: '1 min 30 s', denials: '0', session: 'fresh',
    });
    t.ok(await rows.nth(0).locator('td.denied').isVisible(), 'denials are highlighted');
    t.equal(await rows.nth(1).locator('td.denied').count(), 0, 'none highlighted where there were none');
    const totals = (await agent.getByTestId('agent-totals').textContent()) ?? '';
    t.match(totals, /^Total: 2 attempts · 3,700 \/ 1,340 \(5,000 read, 800 write\) tokens · \$0\.62 · 19 turns · wall 4 min 35 s · 2 denied$/);
    const denials = agent.getByTestId('denials').locator('li');
    await denials.nth(1).waitFor();
    t.same(await denials.allTextContents(), ['#2 Write src/secret.ts — readonly policy', '#2 Bash rm -rf build'], 'the refused tools and paths');
    await shot('agent-panel-desktop.png');

    // Live: a new attempt starts and its first event arrives while the panel is open.
    await attempt({ missionId: parser.id, attemptNumber: 3, status: 'running', stage: 'review', startedAt: new Date(), createdAt: new Date() });
    await events.append({ missionId: parser.id, origin: 'agent', kind: 'agent.session_fresh', data: { reason: 'another workstation' } }, new Date());
    await rows.nth(2).waitFor();
    t.match(await cells(rows.nth(0)), { attempt: '#3 review', status: 'running', wall: 'running', cost: '—', turns: '—' });
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });
  });

  await step('a Todo card waiting for quota says until when', async (t) => {
    const waiting = await createMission(api, projectId, { title: 'Wait for the quota', ready: true });
    await card(waiting.id).waitFor();
    t.equal(await card(waiting.id).getByTestId('quota-wait').count(), 0, 'nothing to wait for yet');
    const until = new Date(Math.ceil((Date.now() + 2 * 3600_000) / 60_000) * 60_000);
    const attemptId = await attempt({
      missionId: waiting.id, attemptNumber: 1, status: 'limited', limitedUntil: until, reason: 'usage limit reached',
      startedAt: minutesAgo(2), finishedAt: minutesAgo(1), createdAt: minutesAgo(2),
    });
    await events.append({ missionId: waiting.id, origin: 'system', kind: 'mission.waiting_for_quota', data: { attemptId, agentType: 'claude-code', workstationId: null, until: until.toISOString() } }, new Date());
    // The attempt's end changes the mission (here: a person bumps its priority); the board hears it.
    t.equal((await api.patch(`/api/v1/missions/${waiting.id}`, { priority: 2 })).status, 200);
    const badge = card(waiting.id).getByTestId('quota-wait');
    await badge.waitFor();
    const hhmm = until.toISOString().slice(11, 16);
    t.match(await badge.textContent(), new RegExp(`^waiting for quota until (\\d+ \\w+ )?${hhmm}$`));
    await shot('agent-cards-desktop.png');

    // A limit that resets in a few seconds: the card stops saying it waits once the time has come.
    const soon = await createMission(api, projectId, { title: 'Quota back soon', ready: true });
    await attempt({ missionId: soon.id, attemptNumber: 1, status: 'limited', limitedUntil: new Date(Date.now() + 4000), startedAt: minutesAgo(1), finishedAt: new Date(), createdAt: minutesAgo(1) });
    t.equal((await api.patch(`/api/v1/missions/${soon.id}`, { priority: 1 })).status, 200);
    await card(soon.id).getByTestId('quota-wait').waitFor();
    await card(soon.id).getByTestId('quota-wait').waitFor({ state: 'detached' });
    t.pass('the wait ends on the card when the limit resets');
    const panel = await openPanel(page, waiting.id, 'Wait for the quota');
    await panel.locator('[data-kind="mission.waiting_for_quota"]').getByText(`waiting for quota until`).waitFor();
    t.match(await panel.getByTestId('attempt').first().locator('[data-field="status"]').textContent(), new RegExp(`limited until .*${hhmm}`));
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });
  });

  await step('project settings: the permission policy and the monthly budget, saved and read back', async (t) => {
    const opener = page.getByRole('button', { name: 'Project settings' });
    await opener.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: /^Settings/ });
    await dialog.waitFor();
    t.ok(await dialog.getByLabel('Edits').isChecked(), 'edits is the default');
    t.equal(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.value), 'edits', 'focus lands on the chosen policy');
    t.match(await dialog.getByText(/^No permission checks/).textContent(), /only on workstations that opted in/, 'full says where it applies');
    t.same(await axeViolations(page, '#settings-dialog'), [], 'no serious or critical accessibility violations in Project settings');
    await dialog.getByLabel('Read-only').check();
    await dialog.getByLabel('Monthly budget (USD)').fill('25.5');
    const [saved] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/projects/${projectId}`) && r.request().method() === 'PATCH'),
      dialog.getByRole('button', { name: 'Save' }).click(),
    ]);
    t.equal(saved.status(), 200);
    await dialog.waitFor({ state: 'hidden' });
    t.match((await api.get(`/api/v1/projects/${projectId}`)).body, { agentPermissionPolicy: 'readonly', monthlyBudgetUsd: 25.5 });

    await opener.click();
    await dialog.waitFor();
    t.ok(await dialog.getByLabel('Read-only').isChecked(), 'the saved policy is shown again');
    t.equal(await dialog.getByLabel('Monthly budget (USD)').inputValue(), '25.5');
    await dialog.getByLabel('Monthly budget (USD)').fill('');
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/projects/${projectId}`) && r.request().method() === 'PATCH'),
      dialog.getByRole('button', { name: 'Save' }).click(),
    ]);
    await dialog.waitFor({ state: 'hidden' });
    t.match((await api.get(`/api/v1/projects/${projectId}`)).body, { agentPermissionPolicy: 'readonly', monthlyBudgetUsd: null }, 'an empty budget is none');

    // Where mission docs live, and reading without a key (public projects only).
    await opener.click();
    await dialog.waitFor();
    t.ok(await dialog.getByLabel('Commit mission docs to the repository').isChecked(), 'docs are committed by default');
    t.ok(await dialog.getByLabel('Readable without an API key').isDisabled(), 'a private project cannot be read without a key');
    await dialog.getByLabel('Commit mission docs to the repository').uncheck();
    await dialog.getByLabel('Public project').check();
    await dialog.getByLabel('Readable without an API key').check();
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/projects/${projectId}`) && r.request().method() === 'PATCH'),
      dialog.getByRole('button', { name: 'Save' }).click(),
    ]);
    await dialog.waitFor({ state: 'hidden' });
    t.match((await api.get(`/api/v1/projects/${projectId}`)).body, { docsInRepository: false, visibility: 'public', anonymousRead: true });
    await opener.click();
    await dialog.waitFor();
    t.notOk(await dialog.getByLabel('Commit mission docs to the repository').isChecked(), 'shown as saved');
    t.ok(await dialog.getByLabel('Readable without an API key').isChecked());
    t.same(await axeViolations(page, '#settings-dialog'), [], 'no serious or critical accessibility violations with the new settings');
    await dialog.getByLabel('Public project').uncheck();
    t.notOk(await dialog.getByLabel('Readable without an API key').isChecked(), 'private again: not readable without a key either');
    await dialog.getByLabel('Commit mission docs to the repository').check();
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/projects/${projectId}`) && r.request().method() === 'PATCH'),
      dialog.getByRole('button', { name: 'Save' }).click(),
    ]);
    await dialog.waitFor({ state: 'hidden' });
    t.match((await api.get(`/api/v1/projects/${projectId}`)).body, { docsInRepository: true, visibility: 'private', anonymousRead: false });
  });

  await step('a mission chooses its own agent permissions, or the project’s', async (t) => {
    await page.getByRole('button', { name: 'New mission' }).click();
    await page.getByLabel('Title').fill('Only think about it');
    t.equal(await page.getByLabel('Agent permissions').inputValue(), '', 'project default unless chosen');
    await page.getByLabel('Agent permissions').selectOption({ label: 'Read-only' });
    const [created] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/projects/${projectId}/missions`) && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Create' }).click(),
    ]);
    const mission = await created.json();
    t.equal((await api.get(`/api/v1/missions/${mission.id}`)).body.agentPermissionPolicy, 'readonly');

    const panel = await openPanel(page, mission.id, 'Only think about it');
    const select = panel.getByLabel('Agent permissions');
    t.equal(await select.inputValue(), 'readonly');
    await select.selectOption({ label: 'Project default' });
    const [patched] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/missions/${mission.id}`) && r.request().method() === 'PATCH'),
      panel.getByRole('button', { name: 'Save' }).click(),
    ]);
    t.same(JSON.parse(patched.request().postData() ?? '{}'), { agentPermissionPolicy: null }, 'only the policy is sent');
    t.equal((await api.get(`/api/v1/missions/${mission.id}`)).body.agentPermissionPolicy, null);
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });
  });

  await step('on a phone the attempts and the settings fit the screen', async (t) => {
    const phone = await newPage('phone');
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(app.baseUrl);
    await phone.locator('#live-status[data-state="live"]').waitFor();
    const overflow = () => phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    await phone.locator(`li.card[data-id="${parser.id}"]`).getByTestId('cost').waitFor();
    t.equal(await overflow(), 0, 'the board does not scroll sideways');
    const panel = await openPanel(phone, parser.id, 'Build the parser');
    await panel.getByTestId('attempt').nth(2).waitFor();
    t.equal(await overflow(), 0, 'the attempts table scrolls inside its own box');
    const box = (await panel.getByRole('region', { name: 'Attempts' }).boundingBox())!;
    t.ok(box.x >= 0 && box.x + box.width <= 390, 'the table box is on screen');
    await shot('agent-panel-phone.png', phone);
    await phone.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });
    await phone.getByRole('button', { name: 'Project settings' }).click();
    const dialog = phone.getByRole('dialog', { name: /^Settings/ });
    await dialog.getByLabel('Monthly budget (USD)').waitFor();
    t.equal(await overflow(), 0);
    await shot('settings-phone.png', phone);
    await phone.close();
  });

  await closeBrowser();
}
