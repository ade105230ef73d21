import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { createOrg, createProject, createUser } from '../helpers/fixtures.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { haveChromium, openBoardBrowser, signIn } from './helpers/browser.ts';

// The visibility rules run on both engines (test/workstations/visibility.test.ts); this is the view.
runOnceAcrossEngines(t, 'a board view in Chromium');

// #18: a plain member's Workstations view draws a status-only workstation without its details,
// beside a full one, and leaves out a hidden one.
if (haveChromium(t)) await visibilityView();

async function visibilityView() {
  const app = await startTestApp(t);
  const api = app.admin;
  const org = await createOrg(api);
  await createProject(api, org.id, { name: 'Shared project' });
  const member = await createUser(app, 'mia@visibility.test');
  await api.post(`/api/v1/organizations/${org.id}/members`, { userId: member.id, role: 'member' });
  const register = async (name: string, visibility: string) => {
    const ws = (await api.post('/api/v1/workstations', { organizationId: org.id, name })).body.workstation;
    // Set-up only: no assertion at the top level (tap would end the test there, and the app with it).
    const set = visibility === 'full' ? undefined : await api.patch(`/api/v1/workstations/${ws.id}`, { visibility });
    if (set && set.status !== 200) throw new Error(`visibility ${visibility}: ${JSON.stringify(set.body)}`);
    return ws.id as string;
  };
  const statusId = await register('status-box', 'status');
  const fullId = await register('full-box', 'full');
  await register('hidden-box', 'hidden');

  const { page, shot, step } = await openBoardBrowser(t, { timeoutMs: 20_000 });
  await signIn(page, app.baseUrl, member.key);

  await step('status only: name and presence; full: the details; hidden: absent', async (t) => {
    await page.getByRole('button', { name: 'Workstations', exact: true }).click();
    const statusRow = page.locator(`[data-testid="workstation"][data-id="${statusId}"]`);
    await statusRow.locator('[data-testid="ws-status-only"]').waitFor();
    t.match(await statusRow.textContent(), /status-box/);
    t.equal(await statusRow.locator('[data-testid="ws-worktrees"]').count(), 0, 'no worktree pool to open');
    const fullRow = page.locator(`[data-testid="workstation"][data-id="${fullId}"]`);
    await fullRow.locator('[data-testid="ws-worktrees"]').waitFor();
    t.equal(await page.getByText('hidden-box').count(), 0, 'the hidden one is not listed');
    await shot('workstation-visibility-member.png');
  });
}
