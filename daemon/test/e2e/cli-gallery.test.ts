// `solo-unicorn gallery`, `project star|unstar` and `project edit --visibility --anonymous-read`
// against a real control plane: what a user types and reads back; refusals one line, exit 1.
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_KEY, createOrg, createProject, startTestApp } from '../helpers/control-plane.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { runCli } from '../helpers/processes.ts';

// The API is tested on both engines (control-plane/test/collaboration/).
runOnceAcrossEngines(t, 'the CLI');
t.setTimeout(600_000); // a dozen CLI processes on a loaded machine
const app = await startTestApp(t);
const org = await createOrg(app.admin, 'Gallery Co');
const widget = await createProject(app.admin, org.id, { name: 'widget' });
await createProject(app.admin, org.id, { name: 'gadget', visibility: 'public' });
// Zoe is signed in but in no organization: she sees public projects only through the gallery.
const zoe = (await app.admin.post('/api/v1/users', { email: 'zoe@gallery.test' })).body;
const zoeKey = (await app.admin.post('/api/v1/api-keys', { userId: zoe.id, name: 'zoe' })).body.key as string;

const homes = { admin: mkdtempSync(join(tmpdir(), 'su-cli-gallery-a-')), zoe: mkdtempSync(join(tmpdir(), 'su-cli-gallery-z-')) };
const as = (who: keyof typeof homes) => (...args: string[]) => runCli(args, { SU_HOME: homes[who], SU_PROJECT: '' });
const ok = (who: keyof typeof homes) => async (...args: string[]) => {
  const res = await as(who)(...args);
  if (res.code !== 0) throw new Error(`${args.join(' ')} → ${res.code}: ${res.stderr}`);
  return res.stdout;
};

t.before(async () => {
  await ok('admin')('login', '--url', app.baseUrl, '--api-key', ADMIN_KEY);
  await ok('zoe')('login', '--url', app.baseUrl, '--api-key', zoeKey);
});

t.test('an admin makes a project public and readable without a key; a bad value is one line', async (t) => {
  const edited = await ok('admin')('project', 'edit', 'widget', '--visibility', 'public', '--anonymous-read', 'on', '--json');
  t.match(JSON.parse(edited), { id: widget.id, visibility: 'public', anonymousRead: true });
  t.match(await ok('admin')('project', 'show', 'widget'), /public \(readable without an API key\)/);
  t.equal((await fetch(`${app.baseUrl}/api/v1/projects/${widget.id}`)).status, 200, 'readable without credentials now');
  const bad = await as('admin')('project', 'edit', 'widget', '--anonymous-read', 'maybe');
  t.equal(bad.code, 1);
  t.match(bad.stderr, /^solo-unicorn: --anonymous-read: on or off, got "maybe"\n$/);
});

t.test('an outsider stars a public project by name, the gallery sorts and searches; unstar takes it back', async (t) => {
  t.match(await ok('zoe')('project', 'star', 'gadget'), /^starred gadget: 1 star\n$/, 'found by name through the gallery');
  const listed = await ok('zoe')('gallery');
  t.match(listed, new RegExp(`^\\S+  ★   1 \\(yours\\)  active \\d{4}-\\d\\d-\\d\\d  gadget\\n\\S+  ★   0 .*  widget\\n$`), 'most starred first, yours marked');
  const searched = JSON.parse(await ok('zoe')('gallery', '--search', 'WID', '--sort', 'activity', '--json'));
  t.same(searched.items.map((p: { id: string }) => p.id), [widget.id], 'search by name, any case');
  t.match(await ok('zoe')('project', 'unstar', 'gadget'), /^unstarred gadget: 0 stars\n$/);
  const missing = await as('zoe')('project', 'star', 'no-such-thing');
  t.equal(missing.code, 1);
  t.match(missing.stderr, /^solo-unicorn: no project named "no-such-thing"/);
  t.match((await as('zoe')('gallery', '--sort', 'name')).stderr, /^solo-unicorn: --sort: stars or activity/);
});
