#!/usr/bin/env node
// `npm run demo`: the whole loop on a fresh clone, nothing to set up. A control plane (embedded
// PGlite), an organization and a project, a local bare git repository, this machine registered as
// a workstation, its daemon running the demo agent, and one mission from Todo to merged. Everything
// lives in $SU_DEMO_DIR (default ./.solo-unicorn-demo); `npm run demo -- stop` stops it all.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dir = resolve(process.env.INIT_CWD ?? process.cwd(), process.env.SU_DEMO_DIR ?? '.solo-unicorn-demo');
const statePath = join(dir, 'demo.json');
const home = join(dir, 'workstation');
const cli = join(root, 'daemon', 'bin', 'solo-unicorn.mjs');
const say = (line) => process.stdout.write(`${line}\n`);
let started = false; // once something runs in the background, a failure says how to stop it
const fail = (message) => {
  process.stderr.write(`demo: ${message}\n${started ? 'demo: stop what was started with: npm run demo -- stop\n' : ''}`);
  process.exit(1);
};

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const readState = () => (existsSync(statePath) ? JSON.parse(readFileSync(statePath, 'utf8')) : undefined);

if (process.argv[2] === 'stop') await stop();
else if (process.argv[2] && process.argv[2] !== 'start') fail(`unknown command ${process.argv[2]}: use \`npm run demo\` or \`npm run demo -- stop\``);
else await start();

async function start() {
  const running = readState();
  if (running && alive(running.controlPlanePid)) fail(`a demo already runs at ${running.boardUrl} (stop it with: npm run demo -- stop)`);
  rmSync(dir, { recursive: true, force: true }); // a fresh demo each time
  mkdirSync(dir, { recursive: true, mode: 0o700 });

  const port = await choosePort(Number(process.env.PORT ?? 7878));
  const key = `su_demo_${randomBytes(24).toString('hex')}`;
  const baseUrl = `http://127.0.0.1:${port}`;
  say(`1/6 control plane on ${baseUrl} (embedded PGlite in ${join(dir, 'data')})`);
  const log = openSync(join(dir, 'control-plane.log'), 'a');
  const controlPlane = spawn(process.execPath, [join(root, 'control-plane', 'bin', 'start.mjs')], {
    cwd: root, detached: true, stdio: ['ignore', log, log],
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', SU_DATA_DIR: join(dir, 'data'), SU_BOOTSTRAP_API_KEY: key, LOG_LEVEL: 'info', SU_FALLBACK_ENABLED: 'false', DATABASE_URL: '' },
  });
  controlPlane.unref();
  started = true;
  const state = { controlPlanePid: controlPlane.pid, boardUrl: `${baseUrl}/`, home };
  writeFileSync(statePath, JSON.stringify(state, null, 2), { mode: 0o600 });
  await waitFor('the control plane', 90_000, async () => (await fetch(`${baseUrl}/healthz`).catch(() => undefined))?.ok, join(dir, 'control-plane.log'));

  const api = async (method, path, body) => {
    const res = await fetch(`${baseUrl}/api/v1${path}`, {
      method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) fail(`${method} ${path}: ${res.status} ${json.error?.code ?? ''} ${json.error?.message ?? ''}`);
    return json;
  };

  say('2/6 organization "Demo" and project "Hello"');
  const org = await api('POST', '/organizations', { name: 'Demo' });
  const project = await api('POST', '/projects', { organizationId: org.id, name: 'Hello' });

  say(`3/6 a git repository (bare, local): ${join(dir, 'hello.git')}`);
  const remote = join(dir, 'hello.git');
  const git = (cwd, ...args) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', remote);
  const seed = join(dir, 'seed');
  git(dir, 'init', '--quiet', '--initial-branch=main', seed);
  writeFileSync(join(seed, 'README.md'), '# Hello\n\nA demo product repository.\n');
  git(seed, 'add', '.');
  git(seed, '-c', 'user.name=Demo', '-c', 'user.email=demo@example.invalid', 'commit', '--quiet', '-m', 'initial commit');
  git(seed, 'push', '--quiet', remote, 'main');
  const repository = await api('POST', `/projects/${project.id}/repositories`, { url: `file://${remote}` });

  say('4/6 this machine as workstation "demo", serving the project, its daemon running the demo agent');
  const cliEnv = {
    ...process.env, SU_HOME: home, LOG_LEVEL: 'info',
    SU_AGENT_COMMAND: JSON.stringify([process.execPath, join(root, 'scripts', 'demo-agent.mjs'), '{promptFile}']),
  };
  const runCli = (...args) => {
    try {
      return execFileSync(process.execPath, [cli, ...args], { cwd: root, env: cliEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      return fail(`solo-unicorn ${args.slice(0, 2).join(' ')} failed: ${String(error.stderr ?? error.message).trim().split('\n').slice(-3).join(' ')}`);
    }
  };
  runCli('workstation', 'register', '--url', baseUrl, '--api-key', key, '--organization', org.id, '--name', 'demo', '--json');
  const { workstationId } = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8'));
  await api('POST', `/projects/${project.id}/workstations`, { workstationId });
  runCli('daemon');
  await waitFor('the workstation to come online', 60_000, async () => (await api('GET', `/workstations/${workstationId}`)).online, join(home, 'logs', 'daemon.log'));

  say('5/6 mission "Say hello", ready for an agent (direct mode: merged when done)');
  const mission = await api('POST', `/projects/${project.id}/missions`, {
    title: 'Say hello', description: 'Add HELLO.md greeting the reader.', ready: true, repositoryId: repository.id, prMode: 'disabled',
  });
  let last = '';
  const done = await waitFor('the mission to be merged', 120_000, async () => {
    const m = await api('GET', `/missions/${mission.id}`);
    const now = `${m.list}${m.stage ? ` (${m.stage})` : ''}`;
    if (now !== last) say(`    ${(last = now)}`);
    return m.list === 'done' ? m : undefined;
  });
  if (!done) return;

  say('6/6 merged into main:');
  say(git(remote, 'log', '--oneline', '-3', 'main').split('\n').map((l) => `    ${l}`).join('\n'));
  say(`    HELLO.md: ${git(remote, 'show', 'main:HELLO.md').split('\n').at(-1)}`);
  say('');
  say(`Board:   ${baseUrl}/  (sign in with the API key below)`);
  say(`API key: ${key}`);
  say(`Mission: ${baseUrl}/api/v1/missions/${mission.id}/events`);
  say(`Logs:    ${join(dir, 'control-plane.log')}, ${join(home, 'logs')}`);
  say('Stop:    npm run demo -- stop');
}

async function stop() {
  const state = readState();
  if (!state) fail(`no demo in ${dir}`);
  const daemon = spawn(process.execPath, [cli, 'daemon', 'stop'], { cwd: root, env: { ...process.env, SU_HOME: state.home }, stdio: 'inherit' });
  await new Promise((done) => daemon.on('exit', done));
  if (alive(state.controlPlanePid)) {
    process.kill(state.controlPlanePid, 'SIGTERM');
    await waitFor('the control plane to stop', 30_000, async () => !alive(state.controlPlanePid));
  }
  say(`demo stopped (its data stays in ${dir} until the next \`npm run demo\`)`);
}

/** The wanted port when free, else one the system picks. */
function choosePort(wanted) {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', () => done(choosePort(0)));
    probe.listen(wanted, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

/** Polls `check` until it returns something truthy; on timeout says what it waited for and where to look. */
async function waitFor(what, ms, check, logFile) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) fail(`timed out waiting for ${what}${logFile ? `; see ${logFile}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
