import t from 'tap';
import { notifyProjectAdmins } from '../../src/modules/notifications/notify.ts';
import { assembleWeeklyDigests } from '../../src/modules/notifications/weekly-digest.ts';
import { startTestApp } from '../helpers/app.ts';
import { createOrg, createProject } from '../helpers/fixtures.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { axeViolations, haveChromium, openBoardBrowser, signIn } from './helpers/browser.ts';

runOnceAcrossEngines(t, 'a board view in Chromium');

// The inbox (#18) in Debian's Chromium: the badge from the counts view, snooze and bring back,
// "Mark all read" as one request, and the preferences form reaching the API.

if (haveChromium(t)) await inboxTests();

async function inboxTests() {
  const app = await startTestApp(t);
  const api = app.admin;
  const org = await createOrg(api, 'Inbox org');
  const project = await createProject(api, org.id, { name: 'Inbox project' });
  const notify = (title: string, kind = 'pr.failed') =>
    notifyProjectAdmins(app.db.db, { projectId: project.id, kind, segment: 'review', title: () => title }, new Date());
  const counts = async () => (await api.get('/api/v1/notifications/counts')).body.unread as number;

  const { page, shot, consoleErrors: errors } = await openBoardBrowser(t, { timeoutMs: 20_000 });
  const requests: string[] = [];
  page.on('request', (r) => { if (r.url().includes('/api/v1/notifications')) requests.push(`${r.method()} ${new URL(r.url()).pathname}`); });
  for (const title of ['First', 'Second', 'Third']) await notify(title);
  await signIn(page, app.baseUrl);
  const badge = page.getByTestId('inbox-count');
  await badge.getByText('3', { exact: true }).waitFor();
  await page.locator('#inbox-toggle').click();
  const box = page.getByRole('region', { name: 'Notifications' });
  await box.getByTestId('notification').nth(2).waitFor();

  await t.test('snooze hides one from the list and the badge; "Snoozed" shows it and brings it back', async (t) => {
    await box.getByRole('combobox', { name: 'Snooze “Second”' }).selectOption('hour');
    await badge.getByText('2', { exact: true }).waitFor();
    t.same(await box.locator('.inbox-title > :first-child').allTextContents(), ['Third', 'First']);
    await box.getByRole('button', { name: 'Snoozed' }).click();
    await box.getByText('Snoozed until').waitFor();
    t.same(await box.locator('.inbox-title > :first-child').allTextContents(), ['Second']);
    t.same(await axeViolations(page, 'body'), [], 'no serious or critical accessibility violations: the inbox open, its snooze menus and the snoozed list');
    await shot('inbox-snoozed.png', page, false);
    await box.getByRole('button', { name: 'Bring “Second” back now' }).click();
    await badge.getByText('3', { exact: true }).waitFor();
    await box.getByRole('button', { name: 'Snoozed' }).click();
    await box.getByTestId('notification').nth(2).waitFor();
    t.equal(await counts(), 3);
    t.same(errors, [], 'no console errors');
  });

  await t.test('"Mark all read" is one request, and the badge goes', async (t) => {
    requests.length = 0;
    await box.getByRole('button', { name: 'Mark all read' }).click();
    await badge.waitFor({ state: 'hidden' });
    t.same(requests.filter((r) => r.startsWith('POST')), ['POST /api/v1/notifications/read-all'], 'one POST, none per notification');
    t.equal(await counts(), 0, 'all read in the API');
    t.same(errors, [], 'no console errors');
  });

  await t.test('the preferences form: quiet hours, the digest and a kind turned off reach the API', async (t) => {
    // A week on, this week is complete: its digest is stored, and the form shows it as it would be mailed.
    await assembleWeeklyDigests(app.db.db, new Date(Date.now() + 7 * 86_400_000));
    await box.getByRole('button', { name: 'Preferences' }).click();
    const form = page.getByRole('form', { name: 'Notification preferences' });
    await form.getByText(/^Latest digest: Solo Unicorn: 3 notifications in the week of/).click();
    await form.getByText('Inbox project: 3').waitFor();
    t.notMatch(await form.textContent(), /null|undefined/, 'nothing unset shows through');
    await form.getByLabel('Time zone').fill('Europe/Paris');
    await form.getByRole('checkbox', { name: 'Hold notifications from' }).check();
    await form.getByLabel('Quiet hours start').fill('21:30');
    await form.getByLabel('Quiet hours end').fill('06:45');
    await form.getByRole('checkbox', { name: 'A weekly digest' }).uncheck();
    await form.getByRole('checkbox', { name: 'A pull request could not be opened' }).uncheck();
    t.same(await axeViolations(page, 'body'), [], 'no serious or critical accessibility violations in the preferences form');
    await shot('inbox-preferences.png', page, false);
    await form.getByRole('button', { name: 'Save preferences' }).click();
    await page.getByText('Preferences saved.').waitFor();
    const prefs = (await api.get('/api/v1/notification-preferences')).body;
    t.match(prefs, { timeZone: 'Europe/Paris', quietHours: { start: '21:30', end: '06:45' }, weeklyDigest: false });
    t.equal(prefs.kinds.find((k: any) => k.kind === 'pr.failed' && k.organizationId === org.id).enabled, false);
    t.equal(await notify('Not for me'), 0, 'the kind turned off is not delivered');
    await form.getByLabel('Time zone').fill('Nowhere/Special');
    await form.getByRole('button', { name: 'Save preferences' }).click();
    await page.getByText(/Could not save the preferences/).waitFor();
    t.equal((await api.get('/api/v1/notification-preferences')).body.timeZone, 'Europe/Paris', 'a bad zone changes nothing');
    t.same(errors.filter((e) => !e.includes('400')), [], 'no console errors (but the refused save)');
  });
}
