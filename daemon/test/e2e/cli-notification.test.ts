// `solo-unicorn notification …` against a real control plane: the inbox with unread marks, the
// count, snooze (an age from now) and unsnooze, read-all as one call, preferences (quiet hours,
// time zone, a kind turned off) and the latest weekly digest; refusals one line, exit 1.
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notifyProjectAdmins } from '../../../control-plane/src/modules/notifications/notify.ts';
import { assembleWeeklyDigests } from '../../../control-plane/src/modules/notifications/weekly-digest.ts';
import { parseUntil } from '../../src/cli/notification.ts';
import { ADMIN_KEY, createOrg, createProject, startTestApp } from '../helpers/control-plane.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { runCli } from '../helpers/processes.ts';

// The API is tested on both engines (control-plane/test/notifications).
runOnceAcrossEngines(t, 'the CLI');
// About 25 CLI processes: on a loaded 2-core machine each start takes seconds, past the default 180 s (464 s at a load average of 29).
t.setTimeout(900_000);
const app = await startTestApp(t);
const home = mkdtempSync(join(tmpdir(), 'su-cli-notification-'));
const cli = (...args: string[]) => runCli(args, { SU_HOME: home, SU_PROJECT: '' });
const ok = async (...args: string[]) => {
  const res = await cli(...args);
  if (res.code !== 0) throw new Error(`${args.join(' ')} → ${res.code}: ${res.stderr}`);
  return res.stdout;
};

const org = await createOrg(app.admin, 'Notified Co');
const project = await createProject(app.admin, org.id, { name: 'notified' });
const notify = (title: string, kind = 'pr.failed') =>
  notifyProjectAdmins(app.db.db, { projectId: project.id, kind, segment: 'review', title: () => title }, new Date());

t.before(async () => {
  await ok('login', '--url', app.baseUrl, '--api-key', ADMIN_KEY);
  for (const title of ['PR failed on login', 'PR failed on logout']) await notify(title);
});

t.test('list, count, snooze and unsnooze, read-all', async (t) => {
  const list = await ok('notification', 'list');
  t.match(list, /^• \S+ .* pr\.failed +PR failed on logout\n• \S+ .* PR failed on login\n$/, 'newest first, both unread');
  t.equal(await ok('notification', 'count'), '2 unread (review 2)\n');
  const id = JSON.parse(await ok('notification', 'list', '--json')).items[1].id as string;

  t.match(await ok('notification', 'snooze', id, '--until', '2h'), new RegExp(`^snoozed ${id} until \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC\n$`));
  t.equal(await ok('notification', 'count'), '1 unread (review 1)\n');
  t.match(await ok('notification', 'list', '--waiting'), /PR failed on login +\(snoozed until /);
  t.match(await ok('notification', 'unsnooze', id), /is back in your inbox/);

  t.equal(await ok('notification', 'read-all'), 'marked 2 read\n');
  t.equal(await ok('notification', 'list', '--unread'), 'no notifications\n');

  const bad = await cli('notification', 'snooze', id, '--until', 'tomorrow-ish');
  t.equal(bad.code, 1);
  t.match(bad.stderr, /--until: expected a time from now/);
  const gone = await cli('notification', 'read', '01ARZ3NDEKTSV4RRFFQ69G5FAV');
  t.equal(gone.code, 1);
  t.match(gone.stderr, /SU_ERR_NOT_FOUND|not found/);
});

t.test('prefs: quiet hours, time zone and a kind, then the kind is not delivered', async (t) => {
  const shown = await ok('notification', 'prefs', 'set', '--time-zone', 'Europe/Paris', '--quiet', '22:00-07:00', '--disable', 'pr.closed');
  t.match(shown, /time zone +Europe\/Paris\nquiet hours +22:00–07:00\nweekly digest on\n/);
  t.match(shown, new RegExp(`off  ${org.id}  pr\\.closed `));
  t.equal(await notify('Closed without merging', 'pr.closed'), 0, 'turned off: not written');
  t.match(await ok('notification', 'prefs'), /quiet hours +22:00–07:00/, '`prefs` alone shows them');
  t.match(await ok('notification', 'prefs', 'set', '--quiet', 'off', '--digest', 'off'), /quiet hours +off\nweekly digest off/);
  const zone = await cli('notification', 'prefs', 'set', '--time-zone', 'Mars/Olympus');
  t.equal(zone.code, 1);
  t.match(zone.stderr, /unknown time zone/);
  await ok('notification', 'prefs', 'set', '--digest', 'on');
});

t.test('digest: the latest as it would be mailed, or a list', async (t) => {
  t.match(await ok('notification', 'digest'), /^no digest yet/);
  await assembleWeeklyDigests(app.db.db, new Date(Date.now() + 7 * 86_400_000));
  const text = await ok('notification', 'digest');
  t.match(text, /^Solo Unicorn: 2 notifications in the week of \d{4}-\d{2}-\d{2}\n\n/);
  t.match(text, /notified: 2/);
  t.match(await ok('notification', 'digest', '--limit', '5'), /^\S+  \d{4}-\d{2}-\d{2}  Solo Unicorn: 2 notifications/);
});

t.test('parseUntil: ages from now and date-times', async (t) => {
  const now = Date.parse('2026-12-06T10:00:00Z');
  t.equal(parseUntil('30m', now), '2026-12-06T10:30:00.000Z');
  t.equal(parseUntil('1w', now), '2026-12-13T10:00:00.000Z');
  t.equal(parseUntil('2026-12-07T09:00:00+01:00', now), '2026-12-07T08:00:00.000Z');
  for (const bad of ['2026-12-07', 'soon', '-2h', '2 h']) t.throws(() => parseUntil(bad, now), /--until/, bad);
});
