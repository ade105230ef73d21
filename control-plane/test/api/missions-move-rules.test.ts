import t from 'tap';
import { newId } from '@solo-unicorn/shared';
import { codeAgentSessions, githubPullRequests, missionEvents } from '../../src/db/schema/index.ts';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject } from '../helpers/fixtures.ts';

// Board moves obey the same rules as the API (issue #15, dead ends 3 and 4).
const app = await startTestApp(t);
const api = app.admin;
const org = await createOrg(api);
const project = await createProject(api, org.id);
const repo = (await api.post(`/api/v1/projects/${project.id}/repositories`, { url: 'file:///tmp/move-rules.git' })).body;
const kinds = async (id: string) => (await api.get(`/api/v1/missions/${id}/events`)).body.items.map((e: any) => e.kind);

t.test('a person cannot park a mission in Doing with no agent: 409 with the reason and the way to get it dispatched', async (t) => {
  const m = await createMission(api, project.id, { repositoryId: repo.id });
  const res = await api.post(`/api/v1/missions/${m.id}/move`, { list: 'doing' });
  t.equal(res.status, 409);
  t.equal(res.body.error.code, 'SU_ERR_MISSION_MOVE_NEEDS_AGENT');
  t.match(res.body.error.message, /only an agent moves a mission to Doing.*mark the mission ready/);
  t.match(await api.get(`/api/v1/missions/${m.id}`).then((r) => r.body), { list: 'todo', ready: false });
  t.same(await kinds(m.id), ['mission.created'], 'nothing recorded');
  // From Review too: Doing is only ever entered with an attempt.
  await api.post(`/api/v1/missions/${m.id}/move`, { list: 'review' });
  t.equal((await api.post(`/api/v1/missions/${m.id}/move`, { list: 'doing' })).body.error.code, 'SU_ERR_MISSION_MOVE_NEEDS_AGENT');
});

t.test('Review → Done is refused (it would skip the approval and the merge); approving is the way', async (t) => {
  const m = await createMission(api, project.id, { requiresReview: true });
  await api.post(`/api/v1/missions/${m.id}/move`, { list: 'review' });
  const res = await api.post(`/api/v1/missions/${m.id}/move`, { list: 'done' });
  t.equal(res.status, 409);
  t.equal(res.body.error.code, 'SU_ERR_MISSION_REVIEW_REQUIRED');
  t.match(res.body.error.message, /skip the approval and the merge.*review/);
  t.match(res.body.error.details, { list: 'done', reviewStatus: null });
  t.match((await api.get(`/api/v1/missions/${m.id}`)).body, { list: 'review' }, 'still in Review');
  const approved = await api.post(`/api/v1/missions/${m.id}/review`, { decision: 'approve' });
  t.match(approved.body, { list: 'done', reviewStatus: 'approved' });
});

t.test('reordering within a list and the other moves still work', async (t) => {
  const m = await createMission(api, project.id);
  t.equal((await api.post(`/api/v1/missions/${m.id}/move`, { list: 'todo', listOrder: 5 })).status, 200);
  for (const list of ['review', 'todo', 'done', 'review', 'todo']) {
    const res = await api.post(`/api/v1/missions/${m.id}/move`, { list });
    t.equal(res.status, 200, `→ ${list}`);
  }
});

t.test("Todo → Done is refused while the agent's pushed work is not merged (a merge conflict sent it back); merged work or none moves freely", async (t) => {
  const db = app.db.db;
  const seconds = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, n));
  /** An attempt as the dispatcher and the daemon leave it: succeeded with a pushed commit. */
  const attempt = async (missionId: string, stage: string, head: string, at: number) => {
    const id = newId();
    await db.insert(codeAgentSessions).values({ id, missionId, projectId: project.id, stage, status: 'succeeded', branch: `su/${missionId.toLowerCase()}`, headCommit: head, finishedAt: seconds(at), createdAt: seconds(at) });
    return id;
  };
  const toDone = (id: string) => api.post(`/api/v1/missions/${id}/move`, { list: 'done' });

  const conflicted = await createMission(api, project.id, { repositoryId: repo.id });
  await attempt(conflicted.id, 'execute', 'a'.repeat(40), 1);
  await db.insert(codeAgentSessions).values({ id: newId(), missionId: conflicted.id, projectId: project.id, stage: 'merge', status: 'failed', finishedAt: seconds(2), createdAt: seconds(2) });
  const refused = await toDone(conflicted.id);
  t.equal(refused.status, 409);
  t.match(refused.body.error, { code: 'SU_ERR_MISSION_REVIEW_REQUIRED', message: /commit aaaaaaaaaaaa\) is not merged into main.*Move it to Review and approve it/, details: { list: 'done', headCommit: 'a'.repeat(40) } });
  t.equal((await api.get(`/api/v1/missions/${conflicted.id}`)).body.list, 'todo', 'still in Todo');
  t.same(await kinds(conflicted.id), ['mission.created'], 'nothing recorded');
  // The way out: Review, then approve.
  t.equal((await api.post(`/api/v1/missions/${conflicted.id}/move`, { list: 'review' })).status, 200);
  t.equal((await toDone(conflicted.id)).body.error.code, 'SU_ERR_MISSION_REVIEW_REQUIRED');

  const mergedByMergeAttempt = await createMission(api, project.id, { repositoryId: repo.id });
  await attempt(mergedByMergeAttempt.id, 'execute', 'b'.repeat(40), 1);
  await attempt(mergedByMergeAttempt.id, 'merge', 'c'.repeat(40), 2);
  t.equal((await toDone(mergedByMergeAttempt.id)).status, 200, 'the newest success was the merge');

  const mergedInItsRun = await createMission(api, project.id, { repositoryId: repo.id });
  const run = await attempt(mergedInItsRun.id, 'execute', 'd'.repeat(40), 1);
  await db.insert(missionEvents).values({ id: newId(), missionId: mergedInItsRun.id, projectId: project.id, seq: 100, kind: 'git.merged', attemptId: run, attemptSeq: 1, data: { into: 'main' } });
  t.equal((await toDone(mergedInItsRun.id)).status, 200, 'direct mode with nothing to review merged in the same attempt');

  const mergedPr = await createMission(api, project.id, { repositoryId: repo.id });
  await attempt(mergedPr.id, 'execute', 'e'.repeat(40), 1);
  await db.insert(githubPullRequests).values({ id: newId(), missionId: mergedPr.id, projectId: project.id, repositoryId: repo.id, number: 7, state: 'merged', headBranch: 'x', baseBranch: 'main', headCommit: 'e'.repeat(40), mergedAt: seconds(5) });
  t.equal((await toDone(mergedPr.id)).status, 200, 'its pull request was merged');

  // Direct mode with nothing to review: the merge conflicts in the agent's own attempt, after its push.
  const conflictInItsRun = await createMission(api, project.id, { repositoryId: repo.id });
  await db.insert(codeAgentSessions).values({ id: newId(), missionId: conflictInItsRun.id, projectId: project.id, stage: 'execute', status: 'failed', reason: 'merge conflict in README.md: resolve it or reject the mission with guidance', branch: 'su/x', headCommit: '9'.repeat(40), finishedAt: seconds(3), createdAt: seconds(3) });
  t.equal((await toDone(conflictInItsRun.id)).status, 409, 'its pushed work is not merged either');

  // A run that changed nothing (a read-only stage, a question): its head is the target's own commit.
  const nothingChanged = await createMission(api, project.id, { repositoryId: repo.id });
  const idle = await attempt(nothingChanged.id, 'plan', '8'.repeat(40), 1);
  await db.insert(missionEvents).values({ id: newId(), missionId: nothingChanged.id, projectId: project.id, seq: 100, kind: 'git.diff', attemptId: idle, attemptSeq: 1, data: { totalFiles: 0, files: [], additions: 0, deletions: 0 } });
  t.equal((await toDone(nothingChanged.id)).status, 200, 'no change against the target: nothing to merge');

  const openPr = await createMission(api, project.id, { repositoryId: repo.id });
  await attempt(openPr.id, 'execute', 'f'.repeat(40), 1);
  await db.insert(githubPullRequests).values({ id: newId(), missionId: openPr.id, projectId: project.id, repositoryId: repo.id, number: 8, state: 'open', headBranch: 'y', baseBranch: 'main', headCommit: 'f'.repeat(40) });
  t.equal((await toDone(openPr.id)).status, 409, 'an open pull request is not merged work');
});
