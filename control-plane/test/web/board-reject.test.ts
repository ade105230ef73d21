import { makeFrame } from '@solo-unicorn/shared';
import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject } from '../helpers/fixtures.ts';
import { connectRaw, hello } from '../workstations/helpers/ws-client.ts';
import { haveChromium, openBoardBrowser, signIn } from './helpers/browser.ts';

// #15 on the board, in Debian's Chromium: "a human can always reject with guidance, from any list".
// A card's "Reject…" opens the mission with the cursor in the guidance field; from Doing the
// running agent is cancelled; Done cards offer no rejection.
if (haveChromium(t)) await rejectTests();

async function rejectTests() {
  const app = await startTestApp(t, { dispatch: { offlineGraceMs: 600_000, tickMs: 600_000, maxAttempts: 3 } });
  const api = app.admin;
  const org = await createOrg(api);
  const project = await createProject(api, org.id);
  const P = `/api/v1/projects/${project.id}`;
  const repo = (await api.post(`${P}/repositories`, { url: `file:///tmp/board-reject-${project.id}.git` })).body;
  const reg = (await api.post('/api/v1/workstations', { organizationId: org.id, name: 'laptop' })).body;
  await api.post(`${P}/workstations`, { workstationId: reg.workstation.id });
  const daemon = await connectRaw(app.baseUrl, reg.token);
  daemon.send(hello(reg.workstation.id));
  await daemon.waitFor((f) => f.type === 'session.welcome', 'welcome');

  // A mission an agent runs (Doing), one back in Todo not ready (as after a merge conflict), one Done.
  const running = await createMission(api, project.id, { title: 'Agent going wrong', ready: true, repositoryId: repo.id });
  const assign = await daemon.waitFor((f) => f.type === 'mission.assign' && f.payload.mission.id === running.id, 'the assignment');
  daemon.send(makeFrame('mission.accepted', { attemptId: assign.payload.attemptId, leaseVersion: 1, agentType: 'custom' }));
  const conflicted = await createMission(api, project.id, { title: 'Conflicted twice', repositoryId: repo.id });
  const done = await createMission(api, project.id, { title: 'Shipped' });
  await api.post(`/api/v1/missions/${done.id}/move`, { list: 'done' });

  const { page, consoleErrors } = await openBoardBrowser(t);
  t.teardown(() => daemon.close());
  const card = (id: string, list?: string) => page.locator(`${list ? `ol.cards[data-list="${list}"] ` : ''}li.card[data-id="${id}"]`);

  await signIn(page, app.baseUrl);

  t.test('Reject… on a Todo card: guidance in, the mission is ready with it', async (t) => {
    await card(conflicted.id, 'todo').getByRole('button', { name: /^Reject “Conflicted twice” with guidance/ }).click();
    const panel = page.getByRole('dialog', { name: 'Conflicted twice' });
    const field = panel.getByLabel('Feedback for the agent (required to reject)');
    await field.waitFor();
    await page.waitForFunction(() => document.activeElement?.id === 'review-feedback');
    t.pass('the cursor is in the guidance field');
    await field.fill('Merge trunk first; keep both config keys');
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/missions/${conflicted.id}/review`)),
      panel.getByRole('button', { name: 'Reject with guidance' }).click(),
    ]);
    t.equal(res.status(), 200);
    t.match(await res.json(), { list: 'todo', ready: true, reviewStatus: 'rejected', reviewFeedback: 'Merge trunk first; keep both config keys' });
    // Ready with a free slot: the agent gets it at once, with the guidance in its prompt.
    const next = await daemon.waitFor((f) => f.type === 'mission.assign' && f.payload.mission.id === conflicted.id, 'the next assignment');
    t.equal(next.payload.mission.reviewFeedback, 'Merge trunk first; keep both config keys');
    await panel.getByRole('button', { name: 'Close the mission panel' }).click();
  });

  t.test('Reject… on a Doing card cancels the running agent', async (t) => {
    await card(running.id, 'doing').getByRole('button', { name: /cancels the running agent/ }).click();
    const panel = page.getByRole('dialog', { name: 'Agent going wrong' });
    await panel.getByText('Rejecting cancels the running agent').waitFor();
    await panel.getByLabel('Feedback for the agent (required to reject)').fill('Only touch the parser');
    await panel.getByRole('button', { name: 'Reject with guidance' }).click();
    const cancel = await daemon.waitFor((f) => f.type === 'mission.cancel', 'cancel');
    t.match(cancel.payload, { attemptId: assign.payload.attemptId });
    await card(running.id, 'todo').waitFor();
    await panel.getByRole('button', { name: 'Close the mission panel' }).click();
  });

  t.test('a Done card offers no rejection', async (t) => {
    await card(done.id, 'done').waitFor();
    t.equal(await card(done.id, 'done').getByRole('button', { name: /^Reject/ }).count(), 0);
    t.same(consoleErrors, [], 'no uncaught errors');
  });
}
