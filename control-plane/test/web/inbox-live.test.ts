import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { createOrg, createProject, createUser } from '../helpers/fixtures.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { haveChromium, openBoardBrowser, signIn } from './helpers/browser.ts';

runOnceAcrossEngines(t, 'a board view in Chromium');

// The live inbox (#16) in Debian's Chromium: the header's unread badge follows notifications made
// through the API within about two seconds, without a reload: the person's own channel
// user:{id}:notifications says when to fetch the count.

if (haveChromium(t)) await liveInboxTests();

async function liveInboxTests() {
  const app = await startTestApp(t);
  const api = app.admin;
  const org = await createOrg(api, 'Live inbox org');
  const project = await createProject(api, org.id, { name: 'Live inbox project' });
  const me = (await api.get('/api/v1/users/me')).body as { id: string };

  const { page, shot, step } = await openBoardBrowser(t, { timeoutMs: 20_000 });
  const subscribed: string[] = [];
  page.on('websocket', (ws) => ws.on('framesent', (f) => {
    const frame = JSON.parse(String(f.payload));
    if (frame.type === 'subscribe') subscribed.push(frame.channel);
  }));
  await signIn(page, app.baseUrl);
  const badge = page.getByTestId('inbox-count');
  await t.test('the board subscribes to its own notifications channel', async (t) => {
    for (let i = 0; i < 100 && !subscribed.includes(`user:${me.id}:notifications`); i++) await page.waitForTimeout(50);
    t.ok(subscribed.includes(`user:${me.id}:notifications`), 'user channel subscribed');
    t.equal(await badge.isHidden(), true, 'nothing unread to begin with');
    await page.evaluate(() => { (window as any).__sameDocument = true; });
  });

  /** A viewer asks for access through the API: the project's admins (the signed-in person) are notified. */
  async function accessRequest() {
    const viewer = await createUser(app, `viewer-${Math.random()}@example.com`);
    await api.post(`/api/v1/organizations/${org.id}/members`, { userId: viewer.id, role: 'viewer' });
    const res = await viewer.client.post(`/api/v1/projects/${project.id}/access-requests`, { role: 'member' });
    if (res.status !== 201) throw new Error(`access request: ${JSON.stringify(res.body)}`);
  }
  const badgeShows = async (text: string) => {
    const started = Date.now();
    await badge.getByText(text, { exact: true }).waitFor({ timeout: 10_000 });
    return Date.now() - started;
  };
  // The badge follows the channel at once; the board's fallback poll is every 30 s. 5 s leaves a
  // loaded machine room and still tells the two apart.
  const LIVE_MS = 5000;

  await step('a notification made through the API shows in the badge within two seconds, without a reload', async (t) => {
    await accessRequest();
    const ms = await badgeShows('1');
    t.ok(ms <= LIVE_MS, `the badge showed 1 after ${ms} ms`);
    await accessRequest();
    const again = await badgeShows('2');
    t.ok(again <= LIVE_MS, `then 2 after ${again} ms`);
    t.equal(await page.evaluate(() => (window as any).__sameDocument), true, 'the same page, not reloaded');
    t.equal(await page.getByRole('button', { name: 'Inbox 2 unread', exact: true }).count(), 1, 'its name says how many are unread');
    await shot('inbox-live-badge.png', page, false);
  });

  await step('read elsewhere (through the API), the badge follows; a snooze ending brings it back', async (t) => {
    const items = (await api.get('/api/v1/notifications?unread=true')).body.items as { id: string }[];
    t.equal((await api.post(`/api/v1/notifications/${items[0]!.id}/read`, {})).status, 204);
    const down = await badgeShows('1');
    t.ok(down <= LIVE_MS, `down to 1 (after ${down} ms)`);
    // Long enough for the badge to be seen hidden before the snooze ends, on a loaded machine too.
    const until = new Date(Date.now() + 5000);
    t.equal((await api.post(`/api/v1/notifications/${items[1]!.id}/snooze`, { until: until.toISOString() })).status, 200);
    await badge.waitFor({ state: 'hidden', timeout: Math.max(1, until.getTime() - Date.now()) });
    await badgeShows('1');
    const after = Date.now() - until.getTime();
    t.ok(after >= 0, 'back when the snooze ends, not before');
    t.ok(after <= LIVE_MS, `and soon after it (${after} ms)`);
  });
}
