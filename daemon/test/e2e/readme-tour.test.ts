// The README's CLI tour, run as a new user would paste it: the first ```sh block of "Workstations:
// the daemon and the CLI", in bash from the repository root, against a real control plane. Only the
// control plane's address and key are swapped in (each must appear exactly once, so an edit to the
// README that moves them fails here instead of going unnoticed).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ADMIN_KEY, startTestApp } from '../helpers/control-plane.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { repoRoot, runCli, tempDir } from '../helpers/processes.ts';

runOnceAcrossEngines(t, 'the README tour (the CLI against one control plane)');

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Workstations: the daemon and the CLI'));
const tour = /```sh\n([^]*?)```/.exec(section)?.[1];
if (!tour) throw new Error('README: no ```sh block under "Workstations: the daemon and the CLI"');

const app = await startTestApp(t);
const home = tempDir('su-tour-home-');
const env = { ...process.env, SU_HOME: home, SU_PROJECT: undefined, SU_AGENT_COMMAND: undefined, NO_COLOR: '1' };
// However it ends, no daemon outlives the test.
t.teardown(() => runCli(['daemon', 'stop', '--now'], { SU_HOME: home }).then(() => undefined));

function swapOnce(text: string, from: string, to: string) {
  const parts = text.split(from);
  if (parts.length !== 2) throw new Error(`README tour: expected "${from}" exactly once, found ${parts.length - 1}`);
  return parts.join(to);
}
const script = swapOnce(swapOnce(tour, 'http://127.0.0.1:7878', app.baseUrl), '"$(cat .solo-unicorn/admin-api-key)"', `"${ADMIN_KEY}"`);

t.test('the tour runs as pasted: project set up from nothing, one mission merged', async (t) => {
  const child = spawn('bash', ['-c', script], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) t.comment(`the tour's stderr:\n${stderr.slice(-4000)}`);
  t.equal(code, 0, 'the tour exits 0');
  t.match(stdout, /^reached: [0-9A-Z]{26} {2}\[done(, ready)?\] {2}p3 {2}Say hello/m, 'mission wait returns once it is done');
  t.match(stderr, /mission\.assigned/, 'and printed its events meanwhile');
  t.match(stdout, /^ {2}hello\.txt {2}\+1 −0$/m, 'mission diff shows the agent’s file');
  t.match(stdout, /^[0-9a-f]{7,} Say hello$/m, 'git log shows the agent’s commit on main');
  t.match(stdout, /stopped/i, 'the daemon is stopped at the end');
});

t.test('mission wait: exit 1 when nothing will run the mission, 2 with the reasons when time runs out', async (t) => {
  const cli = (...args: string[]) => runCli(args, { SU_HOME: home, SU_PROJECT: 'demo' });
  const id = (await cli('mission', 'create', '--title', 'No repository', '-q')).stdout.trim();
  const idle = await cli('mission', 'wait', id, '--timeout', '5');
  t.equal(idle.code, 1, 'not ready: nothing will run it');
  t.match(idle.stdout, /^failed: .*No repository.*\n.*not ready, so nothing will run it: solo-unicorn mission ready/m);
  await cli('mission', 'ready', id);
  const started = Date.now();
  const stuck = await cli('mission', 'wait', id, '--timeout', '1', '--for', 'done');
  t.equal(stuck.code, 2, 'timed out');
  t.ok(Date.now() - started < 15_000);
  t.match(stuck.stdout, /^timedOut: [^]*still waiting; what holds it back:\n[^]*\[no_repository\]/m);
  t.equal((await cli('mission', 'wait', id, '--for', 'soon')).code, 1, 'a bad --for is refused');
});
