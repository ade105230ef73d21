// Hybrid storage (#15): mission docs go to the product repository with the work by default; a
// project can keep them in the control plane only. Real control plane, real daemon, real remote.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ADMIN_KEY, createOrg, createProject, startTestApp } from '../helpers/control-plane.ts';
import { bareRemote, gitIn, until } from '../helpers/e2e.ts';
import { isMsg, repoRoot, runCli, startDaemon, tempDir } from '../helpers/processes.ts';

const app = await startTestApp(t);
const api = app.admin;
const org = await createOrg(api);
const home = tempDir('su-home-');
await runCli(['workstation', 'register', '--url', app.baseUrl, '--api-key', ADMIN_KEY, '--organization', org.id, '--name', 'builder', '--json'], { SU_HOME: home });
const workstationId = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).workstationId as string;
const daemon = startDaemon(t, home, {
  SU_AGENT_COMMAND: JSON.stringify(['node', join(repoRoot, 'daemon/test/fixtures/fake-agent.mjs'), '{promptFile}']),
  FAKE_AGENT_SCENARIO: 'work', LOG_LEVEL: 'info',
});
await daemon.waitForLine(isMsg('session open'));

/** A project on its own remote, served by the workstation; one direct-mode mission run to Done. */
async function missionDone(docsInRepository?: boolean) {
  const project = await createProject(api, org.id);
  if (docsInRepository !== undefined) {
    const patched = await api.patch(`/api/v1/projects/${project.id}`, { docsInRepository });
    t.equal(patched.body.docsInRepository, docsInRepository, 'the setting is stored and shown');
  }
  const remote = bareRemote('app');
  const P = `/api/v1/projects/${project.id}`;
  const repo = (await api.post(`${P}/repositories`, { url: `file://${remote}` })).body;
  await api.post(`${P}/workstations`, { workstationId });
  const m = (await api.post(`${P}/missions`, { title: 'Docs somewhere', ready: true, repositoryId: repo.id, prMode: 'disabled' })).body;
  await until('Done', () => api.get(`/api/v1/missions/${m.id}`).then((r) => r.body), (x) => x.list === 'done');
  const files = gitIn(remote, 'ls-tree', '-r', '--name-only', 'main').split('\n');
  const stored = (await api.get(`/api/v1/missions/${m.id}/docs`)).body.items.map((d: { path: string }) => d.path);
  return { files, stored, missionId: m.id as string };
}

t.test('by default the docs are committed with the work', async (t) => {
  const project = await createProject(api, org.id);
  t.equal((await api.get(`/api/v1/projects/${project.id}`)).body.docsInRepository, true, 'default on');
  const { files, stored, missionId } = await missionDone();
  t.ok(files.includes(`solo-unicorn-docs/missions/${missionId}/solution.md`), 'solution.md in the product repository');
  t.ok(files.includes('FAKE_AGENT_OUTPUT.md'));
  t.same(stored, ['solution.md', 'tasks/1.md'], 'and in the control plane');

  // What a reviewer reads: the branch against its target, from the attempt that pushed it (#16).
  const diff = await api.get(`/api/v1/missions/${missionId}/diff`);
  t.equal(diff.status, 200);
  t.match(diff.body, { targetBranch: 'main', truncated: false, attemptId: /^[0-9A-Z]{26}$/ });
  const output = diff.body.files.find((f: { path: string }) => f.path === 'FAKE_AGENT_OUTPUT.md');
  t.match(output, { additions: 3, deletions: 0, binary: false, patch: /\+Written by the fake agent\./ });
  t.equal(diff.body.totalFiles, diff.body.files.length);

  // The same from the CLI: counts, then the patch (no colour when not on a terminal).
  const cli = (...args: string[]) => runCli(['mission', 'diff', missionId, '--url', app.baseUrl, '--api-key', ADMIN_KEY, ...args], { SU_HOME: home });
  const shown = await cli();
  t.equal(shown.code, 0);
  t.match(shown.stdout, new RegExp(`^${diff.body.totalFiles} files changed, \\+${diff.body.additions} −${diff.body.deletions} against main`));
  t.match(shown.stdout, /^ {2}FAKE_AGENT_OUTPUT\.md {2}\+3 −0$/m);
  t.match(shown.stdout, /^── FAKE_AGENT_OUTPUT\.md\n[^]*^\+Written by the fake agent\.$/m);
  t.notMatch(shown.stdout, /\x1b\[/, 'plain text in a pipe');
  const stat = await cli('--stat', '--path', 'FAKE_AGENT_OUTPUT.md', '--color', 'always');
  t.notMatch(stat.stdout, /Written by/, '--stat: no patches');
  t.match(stat.stdout, /\x1b\[32m\+3\x1b\[0m/, '--color always paints the counts');
  t.same(JSON.parse((await cli('--json', '--path', 'FAKE_AGENT_OUTPUT.md')).stdout).files.map((f: { path: string }) => f.path), ['FAKE_AGENT_OUTPUT.md']);
  const missing = await cli('--path', 'nope.txt');
  t.equal(missing.code, 1);
  t.match(missing.stderr, /--path: nope\.txt did not change/);
});

t.test('no diff before any work: a 404 that says so', async (t) => {
  const project = await createProject(api, org.id);
  const m = (await api.post(`/api/v1/projects/${project.id}/missions`, { title: 'Not yet' })).body;
  const none = await api.get(`/api/v1/missions/${m.id}/diff`);
  t.equal(none.status, 404);
  t.match(none.body.error, { code: 'SU_ERR_NOT_FOUND', message: /no diff yet/ });
  const cli = await runCli(['mission', 'diff', m.id, '--url', app.baseUrl, '--api-key', ADMIN_KEY], { SU_HOME: home });
  t.equal(cli.code, 1);
  t.match(cli.stderr, /no diff yet/);
});

t.test('docsInRepository false: the work is merged, the docs stay in the control plane only', async (t) => {
  const { files, stored } = await missionDone(false);
  t.ok(files.includes('FAKE_AGENT_OUTPUT.md'), 'the code change is merged');
  t.same(files.filter((f) => f.startsWith('solo-unicorn-docs/')), [], 'no mission docs in the product repository');
  t.same(stored, ['solution.md', 'tasks/1.md'], 'the docs are stored by the control plane');
});

t.test('the setting is validated', async (t) => {
  const project = await createProject(api, org.id);
  const bad = await api.patch(`/api/v1/projects/${project.id}`, { docsInRepository: 'no' });
  t.equal(bad.status, 400);
  t.equal(bad.body.error.code, 'SU_ERR_VALIDATION');
});
