// `solo-unicorn workstation visibility <workstation> hidden|status|full` against a real control
// plane, and what a plain member's `workstation list` prints at each level. The API's rules are
// tested on both engines (control-plane/test/workstations/visibility.test.ts).
import t from 'tap';
import { createUser } from '../../../control-plane/test/helpers/fixtures.ts';
import { ADMIN_KEY, createOrg, registerWorkstation, startTestApp } from '../helpers/control-plane.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { runCli, tempDir } from '../helpers/processes.ts';

runOnceAcrossEngines(t, 'the CLI');
const app = await startTestApp(t);
const org = await createOrg(app.admin);
const laptop = await registerWorkstation(app.baseUrl, org.id, 'laptop');
const member = await createUser(app, `member-${Date.now()}@example.com`);
await app.admin.post(`/api/v1/organizations/${org.id}/members`, { userId: member.id, role: 'member' });
const memberHome = tempDir('su-member-');
const asAdmin = (...args: string[]) => runCli(args, { SU_HOME: laptop.home, SU_PROJECT: '' });
const asMember = (...args: string[]) => runCli(args, { SU_HOME: memberHome, SU_PROJECT: '' });

t.before(async () => {
  t.equal((await asAdmin('login', '--url', app.baseUrl, '--api-key', ADMIN_KEY)).code, 0);
  t.equal((await asMember('login', '--url', app.baseUrl, '--api-key', member.key)).code, 0);
});

t.test('an admin sets each level by name or id; a member\'s list follows', async (t) => {
  const status = await asAdmin('workstation', 'visibility', 'laptop', 'status');
  t.equal(status.code, 0, status.stderr);
  t.match(status.stdout, /^workstation laptop \(.+\) now shows other members: status/);
  t.match((await asMember('workstation', 'list')).stdout, /offline +\(status only\) +laptop/, 'status: the member sees presence only');

  const hidden = JSON.parse((await asAdmin('workstation', 'visibility', laptop.workstationId, 'hidden', '--json')).stdout);
  t.match(hidden, { id: laptop.workstationId, visibility: 'hidden' });
  t.notMatch((await asMember('workstation', 'list')).stdout, /laptop/, 'hidden: the member does not see it');
  t.match((await asAdmin('workstation', 'list')).stdout, /laptop/, 'the admin still does');

  t.equal((await asAdmin('workstation', 'visibility', 'laptop', 'full')).code, 0);
  t.match((await asMember('workstation', 'list')).stdout, /0\/2 running +laptop/, 'full: everything again');
});

t.test('refusals: an unknown level exits 2 before any request; a member may not change it', async (t) => {
  const bad = await asAdmin('workstation', 'visibility', 'laptop', 'secret');
  t.equal(bad.code, 2);
  t.match(bad.stderr, /one of hidden, status, full/);
  const denied = await asMember('workstation', 'visibility', laptop.workstationId, 'hidden');
  t.equal(denied.code, 1);
  t.match(denied.stderr, /SU_ERR_FORBIDDEN/);
});
