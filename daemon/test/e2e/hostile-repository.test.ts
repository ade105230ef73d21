// A repository that tries to exfiltrate the workstation token: a committed link at the mission's
// solution.md points at the daemon's config.json. Real control plane, real daemon process, real git.
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createOrg, createProject, registerWorkstation, startTestApp } from '../helpers/control-plane.ts';
import { bareRemote, gitIn, until } from '../helpers/e2e.ts';
import { isMsg, repoRoot, startDaemon, tempDir } from '../helpers/processes.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'how the daemon handles a hostile repository (git and the file system)');

t.test('a committed link to config.json at a mission doc path is never uploaded; the timeline says it was skipped', async (t) => {
  const app = await startTestApp(t);
  const api = app.admin;
  const remote = bareRemote('hostile', 'Hostile');
  const org = await createOrg(api);
  const project = await createProject(api, org.id);
  const P = `/api/v1/projects/${project.id}`;
  const repo = (await api.post(`${P}/repositories`, { url: `file://${remote}` })).body;

  const { home, configPath: config, token } = await registerWorkstation(app.baseUrl, org.id, 'victim', { projectId: project.id });

  // The mission exists first (its id names the docs folder); the link lands on main before it is ready.
  const m = (await api.post(`${P}/missions`, { title: 'Innocent task', repositoryId: repo.id, prMode: 'disabled' })).body;
  const clone = tempDir('su-attacker-');
  gitIn(clone, 'clone', '-q', remote, '.');
  const docs = `solo-unicorn-docs/missions/${m.id}`;
  gitIn(clone, 'checkout', '-q', 'main');
  gitIn(clone, 'config', 'user.email', 'a@a');
  gitIn(clone, 'config', 'user.name', 'a');
  mkdirSync(join(clone, docs, 'tasks'), { recursive: true });
  symlinkSync(config, join(clone, docs, 'solution.md'));
  symlinkSync(config, join(clone, docs, 'tasks', '1.md'));
  gitIn(clone, 'add', '-A');
  gitIn(clone, 'commit', '-q', '-m', 'docs');
  gitIn(clone, 'push', '-q', 'origin', 'main');

  const daemon = startDaemon(t, home, {
    SU_AGENT_COMMAND: JSON.stringify(['node', join(repoRoot, 'daemon/test/fixtures/fake-agent.mjs'), '{promptFile}']),
    FAKE_AGENT_SCENARIO: 'succeed', LOG_LEVEL: 'info',
  });
  await daemon.waitForLine(isMsg('session open'));
  await api.patch(`/api/v1/missions/${m.id}`, { ready: true });
  await until('Done', () => api.get(`/api/v1/missions/${m.id}`).then((r) => r.body), (x) => x.list === 'done');

  const stored = (await api.get(`/api/v1/missions/${m.id}/docs`)).body.items;
  t.same(stored, [], 'no doc was uploaded');
  const events = (await api.get(`/api/v1/missions/${m.id}/events?limit=500`)).body.items;
  t.notOk(JSON.stringify(events).includes(token), 'the token is nowhere on the timeline');
  const skipped = events.filter((e: any) => e.kind === 'docs.symlink_skipped').map((e: any) => e.data.path).sort();
  t.same(skipped, [`${docs}/solution.md`, `${docs}/tasks/1.md`], 'each link is reported once');
  t.equal(JSON.parse(readFileSync(config, 'utf8')).token, token, 'config.json is intact');
  await daemon.kill();
});
