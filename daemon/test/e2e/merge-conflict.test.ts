// A merge conflict resolves itself where it can (#15): an approved branch that conflicts with its
// target goes back for an attempt that merges the target into the branch, and the agent resolves
// what conflicts; the result comes back for review and merges. Real control plane, real daemon,
// real git remote; the fake agent resolves the markers the daemon's prompt names.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ADMIN_KEY, createOrg, createProject, startTestApp } from '../helpers/control-plane.ts';
import { bareRemote, gitIn, until } from '../helpers/e2e.ts';
import { isMsg, repoRoot, runCli, startDaemon, tempDir } from '../helpers/processes.ts';

const app = await startTestApp(t);
const api = app.admin;
const remote = bareRemote('app', 'App');
const org = await createOrg(api);
const project = await createProject(api, org.id);
const P = `/api/v1/projects/${project.id}`;
const repo = (await api.post(`${P}/repositories`, { url: `file://${remote}` })).body;

const home = tempDir('su-home-');
await runCli(['workstation', 'register', '--url', app.baseUrl, '--api-key', ADMIN_KEY, '--organization', org.id, '--name', 'builder', '--json'], { SU_HOME: home });
const workstationId = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).workstationId as string;
await api.post(`${P}/workstations`, { workstationId });
const records = tempDir('su-records-');
const daemon = startDaemon(t, home, {
  SU_AGENT_COMMAND: JSON.stringify(['node', join(repoRoot, 'daemon/test/fixtures/fake-agent.mjs'), '{promptFile}']),
  FAKE_AGENT_SCENARIO: 'work', FAKE_AGENT_RECORD_DIR: records, LOG_LEVEL: 'info',
});
await daemon.waitForLine(isMsg('session open'));

const mission = (id: string) => api.get(`/api/v1/missions/${id}`).then((r) => r.body);
const events = async (id: string) => (await api.get(`/api/v1/missions/${id}/events?limit=500`)).body.items as { kind: string; data: any }[];
const prompts = (missionId: string) => readdirSync(records)
  .filter((f) => f.startsWith(missionId)).map((f) => JSON.parse(readFileSync(join(records, f), 'utf8')).prompt as string);

/** Someone else changes the same file on main while the mission waits in Review. */
function changeMainMeanwhile(text: string) {
  const clone = tempDir('su-other-');
  gitIn(clone, 'clone', '-q', remote, '.');
  writeFileSync(join(clone, 'FAKE_AGENT_OUTPUT.md'), text);
  gitIn(clone, 'add', '.');
  gitIn(clone, '-c', 'user.name=o', '-c', 'user.email=o@o', 'commit', '-q', '-m', 'changed on main');
  gitIn(clone, 'push', '-q', 'origin', 'main');
  return gitIn(clone, 'rev-parse', 'HEAD');
}

async function toReview(title: string, description = '') {
  const m = (await api.post(`${P}/missions`, { title, description, ready: true, repositoryId: repo.id, requiresReview: true, prMode: 'disabled' })).body;
  const review = await until('Review', () => mission(m.id), (x) => x.list === 'review');
  return { id: m.id as string, branch: review.prBranchName as string };
}

t.test('an approved branch that conflicts: the target is merged into it, the agent resolves, review, merged', async (t) => {
  const m = await toReview('Conflicting change');
  const mainHead = changeMainMeanwhile('# Output\n\nChanged on main meanwhile.\n');

  await api.post(`/api/v1/missions/${m.id}/review`, { decision: 'approve' });
  const back = await until('back in Review after the resolution', () => mission(m.id), (x) => x.list === 'review' && x.reviewStatus === 'pending');
  const timeline = await events(m.id);
  const conflict = timeline.find((e) => e.kind === 'mission.merge_conflict');
  t.match(conflict?.data, { round: 1, maxRounds: 3, reason: /^merge conflict in FAKE_AGENT_OUTPUT\.md/ }, 'the conflict is on the timeline with what happens next');
  t.match(timeline.find((e) => e.kind === 'git.conflict')?.data, { files: ['FAKE_AGENT_OUTPUT.md'], targetCommit: mainHead }, 'the daemon merged the current target into the branch');
  const resolution = prompts(m.id).find((p) => p.includes('## MERGE CONFLICT'));
  t.ok(resolution?.includes('`FAKE_AGENT_OUTPUT.md`') && resolution.includes(mainHead), 'the prompt names the file and the target commit');

  const file = gitIn(remote, 'show', `${back.prBranchName}:FAKE_AGENT_OUTPUT.md`);
  t.match(file, /Written by the fake agent/, 'the mission’s side kept');
  t.match(file, /Changed on main meanwhile/, 'the target’s side kept');
  t.notMatch(file, /^(<<<<<<<|=======|>>>>>>>)/m, 'no markers pushed');
  t.equal(gitIn(remote, 'merge-base', '--is-ancestor', mainHead, back.prBranchName), '', 'the branch is updated from the target');

  await api.post(`/api/v1/missions/${m.id}/review`, { decision: 'approve' });
  await until('Done', () => mission(m.id), (x) => x.list === 'done');
  const merged = gitIn(remote, 'show', 'main:FAKE_AGENT_OUTPUT.md');
  t.ok(merged.includes('Changed on main meanwhile') && merged.includes('Written by the fake agent'), 'main holds both changes');
  t.equal(gitIn(remote, 'merge-base', '--is-ancestor', back.prBranchName, 'main'), '', 'the resolved branch is in main');
});

t.test('a resolution that leaves markers fails without pushing them; the mission waits for a person, not ready', async (t) => {
  const m = await toReview('Stubborn conflict', 'fake-agent-conflicts: leave');
  const branchHead = gitIn(remote, 'rev-parse', m.branch);
  changeMainMeanwhile('# Output\n\nAnother change on main.\n');
  await api.post(`/api/v1/missions/${m.id}/review`, { decision: 'approve' });
  const stuck = await until('failed, not ready', () => mission(m.id), (x) => x.list === 'todo' && x.ready === false && x.agentSessionStatus === 'inactive');
  t.equal(stuck.list, 'todo');
  const failed = (await events(m.id)).filter((e) => e.kind === 'mission.failed').at(-1);
  t.match(failed?.data.reason, /^merge conflict not resolved: conflict markers left in FAKE_AGENT_OUTPUT\.md/);
  t.equal(gitIn(remote, 'rev-parse', m.branch), branchHead, 'nothing was pushed');
  // Done by hand would leave the agent's work out of main: refused, with the way that merges it.
  const skip = await api.post(`/api/v1/missions/${m.id}/move`, { list: 'done' });
  t.equal(skip.status, 409);
  t.match(skip.body.error, { code: 'SU_ERR_MISSION_REVIEW_REQUIRED', message: /not merged into main.*Review and approve/, details: { branch: m.branch } });
  t.equal((await mission(m.id)).list, 'todo');
});
