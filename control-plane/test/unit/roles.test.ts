import t from 'tap';
import { allows, orgRoleAccess, projectAccess, projectRoleAccess } from '../../src/modules/access/roles.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

t.test('access levels are ordered: each includes the ones below it', async (t) => {
  const levels = ['read', 'write', 'admin', 'owner'] as const;
  for (const [i, have] of levels.entries()) {
    for (const [j, need] of levels.entries()) t.equal(allows(have, need), i >= j, `${have} allows ${need}: ${i >= j}`);
  }
});

t.test('organization and project roles map to access levels', async (t) => {
  t.same(orgRoleAccess, { owner: 'owner', admin: 'admin', member: 'write', viewer: 'read' });
  t.same(projectRoleAccess, { admin: 'admin', member: 'write', viewer: 'read' });
});

t.test("a project role overrides a member's or viewer's organization role, upwards and downwards", async (t) => {
  const base = { visibility: 'private' as const, isInstanceAdmin: false };
  t.equal(projectAccess({ ...base, orgRole: 'viewer', projectRole: 'admin' }), 'admin');
  t.equal(projectAccess({ ...base, orgRole: 'member', projectRole: 'viewer' }), 'read');
  t.equal(projectAccess({ ...base, orgRole: 'member', projectRole: null }), 'write');
});

t.test('organization owners and admins keep their access on every project, whatever a project row says', async (t) => {
  const base = { visibility: 'private' as const, isInstanceAdmin: false };
  t.equal(projectAccess({ ...base, orgRole: 'owner', projectRole: 'viewer' }), 'owner');
  t.equal(projectAccess({ ...base, orgRole: 'admin', projectRole: 'member' }), 'admin');
});

t.test('a project role without organization membership grants nothing', async (t) => {
  t.equal(projectAccess({ visibility: 'private', isInstanceAdmin: false, orgRole: null, projectRole: 'admin' }), undefined);
  t.equal(projectAccess({ visibility: 'public', isInstanceAdmin: false, orgRole: null, projectRole: 'admin' }), 'public', 'a public project stays readable (its public part)');
});

t.test('a private project is invisible to outsiders; of a public one they read the public part', async (t) => {
  t.equal(projectAccess({ visibility: 'private', isInstanceAdmin: false }), undefined);
  t.equal(projectAccess({ visibility: 'public', isInstanceAdmin: false }), 'public');
  t.equal(projectAccess({ visibility: 'public', isInstanceAdmin: false, orgRole: 'member' }), 'write', 'members keep their rights');
});

t.test('the instance admin owns everything, whatever the roles say', async (t) => {
  t.equal(projectAccess({ visibility: 'private', isInstanceAdmin: true }), 'owner');
  t.equal(projectAccess({ visibility: 'private', isInstanceAdmin: true, projectRole: 'viewer' }), 'owner');
});
