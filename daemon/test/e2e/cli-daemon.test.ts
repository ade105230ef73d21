// `solo-unicorn daemon start|stop|status|logs` against real processes: a real control plane, the
// real CLI forking the real daemon, signals and exit codes as a shell script would see them.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import t, { type Test } from 'tap';
import { createOrg, registerWorkstation, startTestApp } from '../helpers/control-plane.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { cliPath, runCli } from '../helpers/processes.ts';

runOnceAcrossEngines(t, 'managing the daemon process');
const app = await startTestApp(t);
const org = await createOrg(app.admin);
const pidAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** A daemon this test forked (through the CLI) is killed by its pid if the test leaves it behind. */
const reap = (t: Test, pid: number) => t.teardown(() => {
  if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
});

t.test('start forks and waits until it runs; a second start refuses; status 0/3; stop waits until it is gone', async (t) => {
  const ws = await registerWorkstation(app.baseUrl, org.id, 'cli-daemon');
  const cli = (...args: string[]) => runCli(args, { SU_HOME: ws.home });

  const notYet = await cli('daemon', 'status');
  t.equal(notYet.code, 3, 'status: 3 when none runs');
  t.match(notYet.stdout, /no daemon is running/);

  const started = await cli('daemon', 'start', '--json');
  t.equal(started.code, 0, started.stderr);
  const { pid } = JSON.parse(started.stdout) as { pid: number };
  reap(t, pid);
  t.ok(pidAlive(pid), 'the forked daemon runs');

  // The compatibility spelling (`solo-unicorn daemon`) refuses the same way, with the reason on stderr.
  for (const args of [['daemon'], ['daemon', 'start']]) {
    const again = await cli(...args);
    t.equal(again.code, 1, `${args.join(' ')}: non-zero when one already runs`);
    t.match(again.stderr, new RegExp(`^solo-unicorn: a daemon is already running for .* \\(pid ${pid}\\); stop it with`));
    t.equal(again.stdout, '', 'nothing claims it started');
  }

  const status = await cli('daemon', 'status', '--json');
  t.equal(status.code, 0);
  t.match(JSON.parse(status.stdout), { running: true, pid, workstationId: ws.workstationId });
  t.match((await cli('daemon', 'status')).stdout, new RegExp(`^daemon running \\(pid ${pid}\\)`));

  const logs = await cli('daemon', 'logs', '--lines', '200');
  t.equal(logs.code, 0);
  t.match(logs.stdout, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d INFO +daemon started\b/m, 'logs prints the log for people: time, level, message, fields');
  t.notMatch(logs.stdout, /^\{/m, 'no raw JSON line');
  const raw = await cli('daemon', 'logs', '--lines', '200', '--json');
  const entries = raw.stdout.trim().split('\n').map((l) => JSON.parse(l));
  t.ok(entries.some((e) => e.msg === 'daemon started' && e.level === 30), '--json: the log\'s own JSON lines, one object a line');

  const stopped = await cli('daemon', 'stop');
  t.equal(stopped.code, 0, stopped.stderr);
  t.match(stopped.stdout, new RegExp(`^daemon \\(pid ${pid}\\) stopped`));
  t.notOk(pidAlive(pid), 'gone when stop returns');
  t.equal((await cli('daemon', 'status')).code, 3);
  const twice = await cli('daemon', 'stop', '--json');
  t.equal(twice.code, 0, 'stopping a stopped daemon is not an error');
  t.same(JSON.parse(twice.stdout), { stopped: false, running: false });
});

t.test('stop says what it waits for while the daemon drains', async (t) => {
  const ws = await registerWorkstation(app.baseUrl, org.id, 'cli-daemon-drain');
  // A stand-in for a daemon letting its one running mission finish: it takes SIGTERM and exits 4 s
  // later (stop's first progress line comes after 1 s; the rest is room for a loaded machine).
  const draining = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => setTimeout(() => process.exit(0), 4000)); setInterval(() => {}, 1000); console.log('handler installed')"], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.teardown(() => void draining.kill('SIGKILL'));
  // Signalled before its handler is in place, it would die at once: wait until it says it is.
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: draining.stdout! }).once('line', () => resolve());
    draining.once('exit', (code) => reject(new Error(`the stand-in exited early (${code})`)));
  });
  writeFileSync(join(ws.home, 'daemon.pid'), String(draining.pid));
  const at = new Date().toISOString();
  writeFileSync(join(ws.home, 'state.json'), JSON.stringify({ pid: draining.pid, startedAt: at, serverUrl: app.baseUrl, workstationId: ws.workstationId, connected: true, since: at, sessionId: null, draining: false, missionsRunning: 1, outboxDepth: 0, updatedAt: at }));
  const stopped = await runCli(['daemon', 'stop', '--json'], { SU_HOME: ws.home });
  t.equal(stopped.code, 0, stopped.stderr);
  t.same(JSON.parse(stopped.stdout), { stopped: true, pid: draining.pid }, 'stdout stays one JSON document');
  t.match(stopped.stderr, new RegExp(`^stopping the daemon \\(pid ${draining.pid}\\), [1-3] s: waiting for 1 running mission to finish \\(\`solo-unicorn daemon stop --now\` cancels it\\)$`, 'm'));
});

t.test('two starts at once: one daemon runs, the other start fails with the reason', async (t) => {
  const ws = await registerWorkstation(app.baseUrl, org.id, 'cli-daemon-race');
  // Both pass the CLI's own check; the daemon's lock decides and the loser's exit is reported.
  const results = await Promise.all([1, 2].map(() => runCli(['daemon', 'start', '--json'], { SU_HOME: ws.home })));
  const ok = results.filter((r) => r.code === 0);
  const failed = results.filter((r) => r.code !== 0);
  t.equal(ok.length, 1, results.map((r) => r.stderr).join('|'));
  reap(t, JSON.parse(ok[0]!.stdout).pid);
  t.equal(failed.length, 1);
  t.match(failed[0]!.stderr, /^solo-unicorn: (a daemon is already running|the daemon exited at start \(code \d+\): .*already running)/);
  t.notMatch(failed[0]!.stderr, /\n\s+at /, 'no stack trace');
  t.equal((await runCli(['daemon', 'stop'], { SU_HOME: ws.home })).code, 0);
});

t.test('a configuration the daemon cannot run with: start fails before forking, status stays 3', async (t) => {
  const ws = await registerWorkstation(app.baseUrl, org.id, 'cli-daemon-bad');
  const res = await runCli(['daemon', 'start'], { SU_HOME: ws.home, SU_AGENT_COMMAND: '[not json' });
  t.not(res.code, 0);
  t.match(res.stderr, /^solo-unicorn: /);
  t.notMatch(res.stderr, /\n\s+at /, 'no stack trace');
  t.equal((await runCli(['daemon', 'status'], { SU_HOME: ws.home })).code, 3);
});

t.test('logs --follow prints lines as the daemon writes them', async (t) => {
  const ws = await registerWorkstation(app.baseUrl, org.id, 'cli-daemon-logs');
  const follow = spawn(process.execPath, [cliPath, 'daemon', 'logs', '--follow', '--lines', '0'], { env: { ...process.env, SU_HOME: ws.home }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => void follow.kill('SIGKILL'));
  const lines: string[] = [];
  const sawStart = new Promise<void>((resolve) => createInterface({ input: follow.stdout! }).on('line', (l) => {
    lines.push(l);
    if (/ INFO +daemon started\b/.test(l)) resolve();
  }));
  const started = await runCli(['daemon', 'start', '--json'], { SU_HOME: ws.home });
  t.equal(started.code, 0, started.stderr);
  reap(t, JSON.parse(started.stdout).pid);
  await sawStart;
  t.pass('the followed log showed the start');
  const exit = new Promise<number | null>((resolve) => follow.on('exit', (code) => resolve(code)));
  follow.kill('SIGINT');
  t.equal(await exit, 0, 'interrupting --follow exits 0');
  t.equal((await runCli(['daemon', 'stop', '--now'], { SU_HOME: ws.home })).code, 0);
});
