// `npm run demo` on this checkout, as a new user runs it: one command brings up a control plane,
// a project, a bare repository, this machine as a workstation and its daemon, and takes one mission
// from Todo to merged; `npm run demo -- stop` stops what it started.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import t from 'tap';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';
import { repoRoot, tempDir } from '../helpers/processes.ts';

runOnceAcrossEngines(t, 'the demo (its own embedded control plane)');

const dir = join(tempDir('su-demo-'), 'demo');
const port = await new Promise<number>((done) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as { port: number };
    probe.close(() => done(port));
  });
});
const env: NodeJS.ProcessEnv = { ...process.env, SU_DEMO_DIR: dir, PORT: String(port) };
delete env.TEST_DATABASE_URL;
delete env.SU_AGENT_COMMAND;
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
t.teardown(() => {
  spawnSync(process.execPath, [join(repoRoot, 'scripts/demo.mjs'), 'stop'], { env, stdio: 'ignore' });
});

t.test('npm run demo: one mission from Todo to merged, the board URL and how to stop', async (t) => {
  const run = spawnSync(process.execPath, [join(repoRoot, 'scripts/demo.mjs')], { env, encoding: 'utf8', timeout: 240_000 });
  t.equal(run.status, 0, `demo exits 0 (stderr: ${run.stderr.slice(-500)})`);
  t.match(run.stdout, /6\/6 merged into main/);
  t.match(run.stdout, new RegExp(`Board: +http://127\\.0\\.0\\.1:${port}/`));
  t.match(run.stdout, /Stop: +npm run demo -- stop/);
  t.notMatch(run.stdout + run.stderr, /at .*\(node:internal|TransformError|Unhandled/, 'no stack traces');
  const key = /API key: (\S+)/.exec(run.stdout)?.[1];
  const board = await fetch(`http://127.0.0.1:${port}/api/v1/organizations`, { headers: { authorization: `Bearer ${key}` } });
  t.equal(board.status, 200, 'the printed key opens the API (and the board)');
  const hello = execFileSync('git', ['show', 'main:HELLO.md'], { cwd: join(dir, 'hello.git'), encoding: 'utf8' });
  t.match(hello, /Written by the demo agent/, 'the agent’s change is merged into main of the repository');

  const state = JSON.parse(readFileSync(join(dir, 'demo.json'), 'utf8'));
  const daemonPid = Number.parseInt(readFileSync(join(state.home, 'daemon.pid'), 'utf8'), 10);
  t.ok(daemonPid > 0 && alive(daemonPid), 'the daemon runs in the background');
  const again = spawnSync(process.execPath, [join(repoRoot, 'scripts/demo.mjs')], { env, encoding: 'utf8' });
  t.equal(again.status, 1, 'a second demo while one runs is refused');
  t.match(again.stderr, /a demo already runs/);

  const stop = spawnSync(process.execPath, [join(repoRoot, 'scripts/demo.mjs'), 'stop'], { env, encoding: 'utf8', timeout: 60_000 });
  t.equal(stop.status, 0, stop.stderr);
  t.notOk(alive(state.controlPlanePid), 'the control plane stopped');
  t.notOk(alive(daemonPid), 'the daemon stopped');
});
