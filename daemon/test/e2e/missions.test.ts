// A ready mission becomes code on a branch: real control plane, real daemon process, a real bare
// git remote on disk, and the fake agent standing in for Claude Code.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { isProcessAlive } from '../../src/agents/process-group.ts';
import { ADMIN_KEY, createOrg, createProject, startTestApp } from '../helpers/control-plane.ts';
import { bareRemote, gitIn, until } from '../helpers/e2e.ts';
import { isMsg, repoRoot, runCli, startDaemon, tempDir } from '../helpers/processes.ts';

const root = t; // processes that outlive one subtest are torn down with the whole file
const app = await startTestApp(t);
const api = app.admin;

// The remote: a bare repository with one commit on main.
const remote = bareRemote('app', 'App');

const org = await createOrg(api);
const project = await createProject(api, org.id);
const P = `/api/v1/projects/${project.id}`;
const repo = (await api.post(`${P}/repositories`, { url: `file://${remote}` })).body;

const home = tempDir('su-home-');
const reg = await runCli(['workstation', 'register', '--url', app.baseUrl, '--api-key', ADMIN_KEY, '--organization', org.id, '--name', 'builder', '--json'], { SU_HOME: home });
const workstationId = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).workstationId as string;
await api.post(`${P}/workstations`, { workstationId });
const records = tempDir('su-records-');
const fakeAgent = join(repoRoot, 'daemon/test/fixtures/fake-agent.mjs');
const daemonEnv = {
  SU_AGENT_COMMAND: JSON.stringify(['node', fakeAgent, '{promptFile}']),
  FAKE_AGENT_SCENARIO: 'work',
  FAKE_AGENT_RECORD_DIR: records,
  SU_AGENT_STALL_TIMEOUT_MS: '1500',
  SU_AGENT_KILL_GRACE_MS: '300',
  FAKE_AGENT_LINES: '400', // slow-output: 400 lines, 20 ms apart
  LOG_LEVEL: 'info',
};
let daemon = startDaemon(t, home, daemonEnv);
await daemon.waitForLine(isMsg('session open'));
t.ok(reg.code === 0);

const mission = (id: string) => api.get(`/api/v1/missions/${id}`).then((r) => r.body);
const kinds = async (id: string) => (await api.get(`/api/v1/missions/${id}/events?limit=500`)).body.items.map((e: any) => e.kind);
const runsOf = (missionId: string) => readdirSync(records).filter((f) => f.startsWith(missionId)).map((f) => JSON.parse(readFileSync(join(records, f), 'utf8')));

t.test('direct mode: the agent works through the flow, its commit is pushed on the mission branch and merged into main, docs are stored', async (t) => {
  const m = (await api.post(`${P}/missions`, { title: 'Write the output', ready: true, repositoryId: repo.id, prMode: 'disabled' })).body;
  const done = await until('Done', () => mission(m.id), (x) => x.list === 'done');
  t.match(done, { agentSessionStatus: 'inactive', stage: 'execute', solutionPath: `missions/${m.id}/solution.md` });
  const k = await kinds(m.id);
  t.equal(k.filter((x: string) => x === 'stage.changed').length, 3, 'clarify, plan, execute');
  for (const kind of ['mission.assigned', 'attempt.started', 'worktree.acquired', 'docs.changed', 'git.commit', 'git.pushed', 'git.merged', 'attempt.finished']) t.ok(k.includes(kind), kind);
  const branch = done.prBranchName as string;
  t.match(branch, /^su\/write-the-output-/);
  t.match(gitIn(remote, 'show', `${branch}:FAKE_AGENT_OUTPUT.md`), /Written by the fake agent/, 'the agent’s change is on the pushed branch');
  t.match(gitIn(remote, 'show', 'main:FAKE_AGENT_OUTPUT.md'), /Written by the fake agent/, 'and merged into main');
  const docs = (await api.get(`/api/v1/missions/${m.id}/docs`)).body.items.map((d: any) => d.path);
  t.same(docs, ['solution.md', 'tasks/1.md']);
  const [first] = runsOf(m.id);
  t.match(first, { env: { SU_MISSION_ID: m.id } });
  t.match(first.prompt, /Write the output/);
  // The control plane knows the workstation's clone and warm worktree (workstation_* tables).
  const inventory = await until('inventory', () => api.get(`/api/v1/workstations/${workstationId}/worktrees`).then((r) => r.body), (b: any) => b.worktrees?.some((w: any) => w.status === 'free'));
  t.match(inventory.repositories, [{ repositoryId: repo.id }]);
  t.match(inventory.worktrees[0], { repositoryId: repo.id, status: 'free', missionId: null, branch: /^su\/write-the-output-/ }, 'warm and free again after the mission');
  // Its disk use: the janitor measures the worktrees after each release and the daemon reports it.
  const measured = await until('disk use', () => api.get(`/api/v1/workstations/${workstationId}/worktrees`).then((r) => r.body), (b: any) => b.diskBytes > 0);
  t.ok(measured.worktrees.every((w: any) => w.sizeBytes > 0), 'each worktree measured');
  t.equal(measured.diskBytes, measured.worktrees.reduce((sum: number, w: any) => sum + w.sizeBytes, 0), 'the pool: their sum');
  t.equal((await api.get(`/api/v1/workstations/${workstationId}`)).body.diskBytes, measured.diskBytes, 'on the workstation too');
});

t.test('review: a rejection sends it back; the next attempt gets the feedback and the docs, and pushes to the same branch', async (t) => {
  const m = (await api.post(`${P}/missions`, { title: 'Polish', ready: true, repositoryId: repo.id, requiresReview: true, prMode: 'disabled' })).body;
  const review = await until('Review', () => mission(m.id), (x) => x.list === 'review');
  t.equal(review.reviewStatus, 'pending');
  const firstHead = gitIn(remote, 'rev-parse', review.prBranchName);
  await api.post(`/api/v1/missions/${m.id}/review`, { decision: 'reject', feedback: 'Mention the changelog too' });
  await until('Review again', () => mission(m.id), (x) => x.list === 'review' && x.reviewStatus === 'pending' && x.lastEventAt !== review.lastEventAt && kinds(m.id) !== null);
  const retried = runsOf(m.id).filter((r) => /Mention the changelog too/.test(r.prompt));
  t.ok(retried.length > 0, 'the feedback is in the next attempt’s prompts');
  t.ok(retried.every((r) => Object.keys(r.docsAtStart).includes('solution.md')), 'the stored docs were restored into its worktree before the agent started');
  const secondHead = gitIn(remote, 'rev-parse', review.prBranchName);
  t.equal(gitIn(remote, 'merge-base', '--is-ancestor', firstHead, secondHead) === '', true, 'the same branch continued');

  // Direct mode: approval merges the reviewed branch (a merge attempt on a workstation), then Done.
  const approved = await api.post(`/api/v1/missions/${m.id}/review`, { decision: 'approve' });
  t.match(approved.body, { list: 'review', reviewStatus: 'approved' }, 'approved, waiting for the merge');
  const done = await until('Done after the merge', () => mission(m.id), (x) => x.list === 'done');
  t.equal(done.agentSessionStatus, 'inactive');
  t.equal(gitIn(remote, 'merge-base', '--is-ancestor', secondHead, 'main'), '', 'the reviewed branch is in main');
  const k = await kinds(m.id);
  t.ok(k.includes('mission.merge_assigned') && k.includes('git.merged') && k.includes('mission.merged'), 'the merge is on the timeline');
});

t.test('a hanging agent is stopped by the stall watchdog with its whole process group, retried, then the mission waits not ready', async (t) => {
  const m = (await api.post(`${P}/missions`, { title: 'Hang', description: 'fake-agent-scenario: hang', ready: true, repositoryId: repo.id })).body;
  const failed = await until('failed', () => mission(m.id), (x) => x.list === 'todo' && x.ready === false, 90_000);
  t.equal(failed.agentSessionStatus, 'inactive');
  const events = (await api.get(`/api/v1/missions/${m.id}/events?limit=500`)).body.items;
  t.ok(events.some((e: any) => e.kind === 'mission.retrying'), 'retried for a transient cause');
  t.match(events.at(-1), { kind: 'mission.failed', data: { attempts: 3 } });
  for (const run of runsOf(m.id)) t.notOk(isProcessAlive(run.pid), `agent ${run.pid} is gone`);
});

t.test('a daemon killed mid-mission: on restart its agent is stopped, the attempt reported and retried, nothing lost', async (t) => {
  const m = (await api.post(`${P}/missions`, { title: 'Long one', description: 'fake-agent-scenario: slow-output', ready: true, repositoryId: repo.id, prMode: 'disabled' })).body;
  const started = await until('agent started', () => api.get(`/api/v1/missions/${m.id}/events?limit=500`).then((r) => r.body.items), (items: any[]) => items.some((e) => e.kind === 'agent.started'));
  const pid = started.find((e: any) => e.kind === 'agent.started').data.pid as number;
  await daemon.kill('SIGKILL');
  daemon = startDaemon(root, home, daemonEnv);
  await daemon.waitForLine(isMsg('session open'));
  const events = await until('the interrupted attempt reported', () => api.get(`/api/v1/missions/${m.id}/events?limit=500`).then((r) => r.body.items),
    (items: any[]) => items.some((e) => e.kind === 'attempt.finished' && /daemon restarted/.test(e.data.reason ?? '')));
  t.notOk(isProcessAlive(pid), 'the orphaned agent was stopped');
  t.ok(events.some((e: any) => e.kind === 'mission.retrying'), 'the mission is retried');
  const seqs = events.map((e: any) => e.seq);
  t.same(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), 'the timeline has no gap and no duplicate');
  await api.post(`/api/v1/missions/${m.id}/move`, { list: 'done' }); // stop the retry
});

t.test('the daemon stops cleanly on SIGTERM', async (t) => {
  t.equal((await daemon.kill('SIGTERM')).code, 0);
});
