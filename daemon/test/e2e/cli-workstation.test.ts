// `solo-unicorn workstation pause|resume|unmap` against a real control plane: by name, by id and
// (no argument) this machine's own workstation; --json prints the API's answer; refusals are one
// line on stderr with the API's code and exit 1.
import t from 'tap';
import { ADMIN_KEY, createOrg, createProject, registerWorkstation, startTestApp } from '../helpers/control-plane.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { runCli } from '../helpers/processes.ts';

// The API is tested on both engines (control-plane/test/dispatch/workstation-pause.test.ts).
runOnceAcrossEngines(t, 'the CLI');
const app = await startTestApp(t);
const org = await createOrg(app.admin);
const project = await createProject(app.admin, org.id, { name: 'demo' });
const P = `/api/v1/projects/${project.id}`;
await app.admin.post(`${P}/repositories`, { url: 'file:///srv/git/demo.git' });
// This machine's workstation: its SU_HOME holds the config `workstation register` wrote.
const laptop = await registerWorkstation(app.baseUrl, org.id, 'laptop', { projectId: project.id });
const cli = (...args: string[]) => runCli(args, { SU_HOME: laptop.home, SU_PROJECT: '' });
const ok = async (...args: string[]) => {
  const res = await cli(...args);
  if (res.code !== 0) throw new Error(`${args.join(' ')} → ${res.code}: ${res.stderr}`);
  return res.stdout;
};
const json = async (...args: string[]) => JSON.parse(await ok(...args, '--json'));

t.before(async () => {
  await ok('login', '--url', app.baseUrl, '--api-key', ADMIN_KEY);
});

t.test('pause with a reason, the mission says why, list shows it, resume; this machine by default', async (t) => {
  const paused = await json('workstation', 'pause', 'laptop', '--reason', 'OS upgrade');
  t.match(paused, { id: laptop.workstationId, paused: true, pausedReason: 'OS upgrade' });
  t.match(await ok('workstation', 'list', '--project', 'demo'), /offline paused \(OS upgrade\) +0\/2 running +laptop/);
  const m = (await app.admin.post(`${P}/missions`, { title: 'held', ready: true, repositoryId: (await app.admin.get(`${P}/repositories`)).body.items[0].id })).body;
  t.match(await ok('mission', 'show', m.id), /workstation paused: OS upgrade/, 'mission show says why it does not run');

  const noReason = await cli('workstation', 'pause', 'laptop');
  t.equal(noReason.code, 1);
  t.match(noReason.stderr, /--reason/);

  const words = await ok('workstation', 'resume');
  t.match(words, new RegExp(`^resumed workstation laptop \\(${laptop.workstationId}\\)`), 'no argument: this machine');
  t.match((await app.admin.get(`/api/v1/workstations/${laptop.workstationId}`)).body, { paused: false });
  t.match(await ok('workstation', 'pause', laptop.workstationId, '--reason', 'by id'), /^paused workstation laptop .*: by id; running missions finish/);
  t.match(await json('workstation', 'resume', laptop.workstationId), { paused: false, pausedReason: null });
});

t.test('unmap: --json, then a second unmap is refused with the API code and exit 1', async (t) => {
  t.match(await json('workstation', 'unmap', 'laptop', '--project', 'demo'), { projectId: project.id, workstationId: laptop.workstationId, unmapped: true });
  t.same((await app.admin.get(`${P}/workstations`)).body.items, []);
  const again = await cli('workstation', 'unmap', 'laptop', '--project', 'demo');
  t.equal(again.code, 1);
  t.match(again.stderr, /^solo-unicorn: DELETE .* failed: .*\(SU_ERR_NOT_FOUND\)\n$/);
  t.equal(again.stdout, '');
  const unknown = await cli('workstation', 'pause', 'nope', '--reason', 'x');
  t.equal(unknown.code, 1);
  t.match(unknown.stderr, /no workstation named "nope"/);
  t.match(await ok('workstation', 'map', '--project', 'demo'), /may now run missions of project demo/, 'mapped again');
});
