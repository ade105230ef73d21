// Orchestration overhead with the real Claude Code CLI (#13): a real control plane (its own process), a
// real daemon process, a bare git remote, and the pinned `claude` binary pointed at an instant
// scripted Anthropic model server. Per round, interleaved so machine noise hits both arms alike:
// - ours: a review-required mission is marked ready and measured until it is in Review;
// - bare: the same CLI invocation (the argv, prompt and env the daemon builds) run directly with
//   execa in an equivalent worktree, timed from spawn to exit.
// Goal: (ours ready → Review − bare) / bare ≤ 25 % at p50.
// Usage: npx tsx bench/agent-overhead.ts [--missions 50] [--script write|text]
//        (PGlite by default; DATABASE_URL=postgres://…/postgres runs on a fresh PostgreSQL database)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { claudeCodeAdapter } from '../daemon/src/agents/adapters/claude-code.ts';
import { buildPrompt } from '../daemon/src/agents/prompt.ts';
import { claudeBin, claudeEnv } from '../daemon/test/helpers/claude.ts';
import { startAnthropicModelServer, text, toolUse, type Turn } from '../daemon/test/helpers/model-server/anthropic.ts';
import { arg, cpuProfileArgs, fmt, removeTmpDirs, startBenchControlPlane, summarize, tmp } from './lib.ts';

process.on('exit', removeTmpDirs); // after a failure too
const count = Number(arg('missions', '50'));
const scriptName = arg('script', 'write');
const root = new URL('..', import.meta.url).pathname;
const NOTE = 'bench-note.md';

// The same script for both arms: one Write in the working directory (or one text answer), then end_turn.
const turns: Turn[] = scriptName === 'text'
  ? [{ blocks: [text('Nothing to change.')] }]
  : [{ blocks: ({ cwd }) => [toolUse('Write', { file_path: join(cwd!, NOTE), content: '# Note\n\nWritten by the bench.\n' })] }, { blocks: [text('Done.')] }];
// Both programs run from their bundles, as installed: a source edited since the last build would
// make them fall back to tsx (seconds of start-up and more CPU per event), which is not what users run.
for (const build of ['control-plane/bin/build.mjs', 'daemon/scripts/build.mjs']) execFileSync(process.execPath, [join(root, build)], { stdio: 'ignore' });
const model = await startAnthropicModelServer({ turns });
const agentEnv = claudeEnv(model.url);
const version = execFileSync(claudeBin, ['--version'], { encoding: 'utf8', env: { ...process.env, ...agentEnv } }).trim();

const cp = await startBenchControlPlane('su_bench_agent_overhead');
const { call } = cp;

// A small repository on a bare remote.
const remote = join(tmp('su-bench-remote-'), 'app.git');
execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
const seed = tmp('su-bench-seed-');
execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: seed });
for (let i = 0; i < 50; i++) writeFileSync(join(seed, `file-${i}.txt`), `line ${i}\n`.repeat(20));
execFileSync('git', ['add', '.'], { cwd: seed });
execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-q', '-m', 'seed'], { cwd: seed });
execFileSync('git', ['push', '-q', remote, 'main'], { cwd: seed });

const org = await call('POST', '/organizations', { name: 'bench' });
const project = await call('POST', '/projects', { organizationId: org.id, name: 'bench', maxConcurrentMissions: 1, defaultAgent: 'claude-code' });
const flow = await call('POST', `/projects/${project.id}/flows`, { name: 'reviewed', stages: [{ name: 'execute', requiresReview: true }] });
const repo = await call('POST', `/projects/${project.id}/repositories`, { url: `file://${remote}` });

// The daemon runs the pinned CLI with the env that keeps it offline, as the real-agent tests do.
const home = tmp('su-bench-home-');
const daemonEnv: NodeJS.ProcessEnv = { ...process.env, SU_HOME: home, LOG_LEVEL: 'warn', SU_AGENT_STALL_TIMEOUT_MS: '60000', SU_AGENT_KILL_GRACE_MS: '1000' };
delete daemonEnv.SU_AGENT_COMMAND;
const workstationId = await cp.registerWorkstation(home, project.id);
const configPath = join(home, 'config.json');
const config = JSON.parse(readFileSync(configPath, 'utf8'));
writeFileSync(configPath, JSON.stringify({ ...config, agents: { 'claude-code': { command: [claudeBin], env: agentEnv } } }), { mode: 0o600 });
// SU_BENCH_CPU_PROF=<dir>: the daemon writes a CPU profile there, as the control plane does.
const daemon = execa(process.execPath, [...cpuProfileArgs(), join(root, 'daemon/bin/solo-unicorn.mjs'), 'daemon', '--foreground'], { env: daemonEnv, extendEnv: false, stdio: 'ignore', reject: false });
while (!(await call('GET', `/workstations/${workstationId}`)).online) await sleep(50);

// The bare arm's worktree: a git worktree of a clone, as the daemon's pool has, reset between runs.
const clone = tmp('su-bench-clone-');
execFileSync('git', ['clone', '-q', remote, clone]);
const bareTree = join(tmp('su-bench-bare-'), 'wt');
execFileSync('git', ['worktree', 'add', '-q', '-b', 'su/bare', bareTree, 'origin/main'], { cwd: clone });
const promptDir = tmp('su-bench-prompts-');

/** Resolves with the time the model server receives its next request (any kind). */
function nextModelRequest(): Promise<number> {
  const from = model.requests.length;
  return model.waitFor((r) => model.requests.indexOf(r) >= from).then(() => Date.now());
}

/** Resolves once the next run's last scripted turn has been asked for: the agent is about to end. */
function lastTurn(): Promise<unknown> {
  const from = model.requests.length;
  return model.waitFor((r) => model.requests.indexOf(r) >= from && r.served === 'turn' && r.turn === turns.length - 1);
}

/** When each scripted turn of the run that started at request index `from` was asked for. */
function turnTimes(from: number): number[] {
  return model.requests.slice(from).filter((r) => r.served === 'turn').map((r) => r.receivedAt);
}

const startupCpu: { daemon: number; controlPlane: number }[] = [];
type Mission = { id: string; title: string; description: string };

async function runOurs(i: number) {
  const m: Mission = await call('POST', `/projects/${project.id}/missions`, { title: `Write the bench note ${i}`, description: `Write ${NOTE} at the root.`, repositoryId: repo.id, flowId: flow.id, prMode: 'disabled', ready: false });
  const from = model.requests.length;
  const firstRequest = nextModelRequest();
  const ending = lastTurn();
  const cpuBefore = { daemon: cpuMs(daemon.pid!), controlPlane: cpuMs(cp.pid) };
  void firstRequest.then(() => { startupCpu.push({ daemon: cpuMs(daemon.pid!) - cpuBefore.daemon, controlPlane: cpuMs(cp.pid) - cpuBefore.controlPlane }); });
  const ready = Date.now();
  await call('PATCH', `/missions/${m.id}`, { ready: true });
  // Polled only once the agent is ending, so the polls never compete with the agent for the CPU.
  await ending;
  for (;;) {
    const now = await call('GET', `/missions/${m.id}`);
    if (now.list === 'review') break;
    if (now.list === 'done' || (now.list === 'todo' && !now.ready)) throw new Error(`mission ${m.id} ended in ${now.list}: ${JSON.stringify(await events(m.id)).slice(-2000)}`);
    await sleep(50); // the times come from the stamps, not from this poll
  }
  const cpu = { daemon: cpuMs(daemon.pid!) - cpuBefore.daemon, controlPlane: cpuMs(cp.pid) - cpuBefore.controlPlane };
  const timeline = await events(m.id);
  const data = (kind: string) => timeline.find((e) => e.kind === kind);
  const at = (kind: string) => new Date(data(kind)!.data.at).getTime();
  const stored = (kind: string) => new Date(data(kind)!.createdAt).getTime();
  if (scriptName === 'write' && !data('git.commit')) throw new Error(`mission ${m.id}: the agent's note was not committed`);
  return {
    mission: m,
    cpu,
    stamps: {
      ready, assigned: stored('mission.assigned'), accepted: stored('attempt.started'), worktree: at('worktree.acquired'),
      spawned: at('agent.started'), firstRequest: await firstRequest, firstTurn: turnTimes(from)[0]!, lastTurn: turnTimes(from).at(-1)!, result: at('agent.result'),
      // Nothing to commit under the text script: the commit step then reads as zero.
      commit: data('git.commit') ? at('git.commit') : at('git.pushing'), pushing: at('git.pushing'), pushed: at('git.pushed'), finished: at('attempt.finished'), review: stored('attempt.finished'),
    },
  };
}

async function events(id: string) {
  return (await call('GET', `/missions/${id}/events?limit=500`)).items as { kind: string; createdAt: string; data: any }[];
}

/** The prompt the daemon builds for the first (execute) stage of `m`. */
function promptOf(m: Mission) {
  return buildPrompt({ mission: { id: m.id, title: m.title, description: m.description }, stage: 'execute', stages: [{ name: 'execute' }], docs: [] });
}

/** The daemon's invocation for `m`, run directly in the bare worktree: spawn → exit. */
async function runBare(m: Mission) {
  execFileSync('git', ['reset', '-q', '--hard', 'origin/main'], { cwd: bareTree });
  execFileSync('git', ['clean', '-q', '-ffdx'], { cwd: bareTree });
  const promptFile = join(promptDir, `${m.id}-execute.md`);
  const prompt = promptOf(m);
  mkdirSync(promptDir, { recursive: true });
  writeFileSync(promptFile, prompt, { mode: 0o600 });
  const { argv, input } = claudeCodeAdapter.invocation([claudeBin], { missionId: m.id, prompt, promptFile, policy: 'edits' });
  const env: NodeJS.ProcessEnv = { ...daemonEnv, ...agentEnv, SU_MISSION_ID: m.id, SU_MISSION_PROMPT_FILE: promptFile };
  const from = model.requests.length;
  const firstRequest = nextModelRequest();
  const spawned = Date.now();
  const child = execa(argv[0]!, argv.slice(1), { cwd: bareTree, env, extendEnv: false, detached: true, reject: false, ...(input === undefined ? { stdin: 'ignore' as const } : { input }) });
  // When the CLI printed its result, as the daemon's agent.result is stamped: the rest is its own exit.
  let result = Number.NaN;
  createInterface({ input: child.stdout }).on('line', (l) => {
    if (l.includes('"type":"result"') && JSON.parse(l).type === 'result') result = Date.now();
  });
  const r = await child;
  const exited = Date.now();
  if (r.exitCode !== 0) throw new Error(`bare claude exited ${r.exitCode}: ${String(r.stderr).slice(-1000)}`);
  if (scriptName === 'write' && !existsSync(join(bareTree, NOTE))) throw new Error('bare claude did not write the note');
  return { spawned, firstRequest: await firstRequest, firstTurn: turnTimes(from)[0]!, lastTurn: turnTimes(from).at(-1)!, result, exited };
}

// Warm-up: clones the repository into the daemon's pool, and the CLI's first run in each place.
const warm = (await runOurs(-1)).mission;
await runBare(warm);
// Both arms must have handed the model the same prompt, or the comparison says nothing.
const asked = model.requests.filter((r) => r.served === 'turn' && r.turn === 0).map((r) => JSON.stringify(r.body.messages));
const prompt = JSON.stringify(promptOf(warm)).slice(1, -1);
if (asked.length !== 2 || !asked.every((m) => m.includes(prompt))) throw new Error('the daemon and the bare run did not send the model the same prompt');

// What the two processes burn with nothing to do, to tell a mission's own cost from background work.
const idleBefore = { daemon: cpuMs(daemon.pid!), controlPlane: cpuMs(cp.pid) };
await sleep(3000);
const idle = { daemon: (cpuMs(daemon.pid!) - idleBefore.daemon) / 3, controlPlane: (cpuMs(cp.pid) - idleBefore.controlPlane) / 3 };
// And what one of the bench's own polls costs the control plane (a few per mission, charged to ours).
const pollBefore = cpuMs(cp.pid);
for (let i = 0; i < 50; i++) await call('GET', `/missions/${warm.id}`);
const perPoll = (cpuMs(cp.pid) - pollBefore) / 50;

const ours: Awaited<ReturnType<typeof runOurs>>['stamps'][] = [];
const cpu: Awaited<ReturnType<typeof runOurs>>['cpu'][] = [];
const bare: Awaited<ReturnType<typeof runBare>>[] = [];
for (let i = 0; i < count; i++) {
  const o = await runOurs(i);
  ours.push(o.stamps);
  cpu.push(o.cpu);
  bare.push(await runBare(o.mission));
}

const line = (label: string, samples: number[]) => {
  const s = summarize(samples);
  console.log(`  ${label.padEnd(50)} p50 ${fmt(s.p50).padStart(8)}  p99 ${fmt(s.p99).padStart(8)}  max ${fmt(s.max).padStart(8)}`);
  return s;
};
const span = (from: keyof (typeof ours)[number], to: keyof (typeof ours)[number]) => ours.map((o) => o[to] - o[from]);
console.log(`agent overhead, real Claude Code ${version}, script "${scriptName}", ${count} missions, interleaved with the bare CLI, ${cp.engine}:`);
line('ours: ready → first model request', span('ready', 'firstRequest'));
line('ours: agent.result → Review', span('result', 'review'));
const total = line('ours: ready → Review (total)', span('ready', 'review'));
const bareWall = line('bare: claude spawn → exit (wall)', bare.map((b) => b.exited - b.spawned));
console.log('breakdown, ours:');
line('ready → mission.assigned (stored)', span('ready', 'assigned'));
line('assigned → attempt.started (accept stored)', span('assigned', 'accepted'));
line('accepted → worktree.acquired', span('accepted', 'worktree'));
line('worktree.acquired → agent.started (spawn)', span('worktree', 'spawned'));
line('agent.started → first model request', span('spawned', 'firstRequest'));
line('first model request → first turn asked', span('firstRequest', 'firstTurn'));
line('first turn → last turn asked (the tools run)', span('firstTurn', 'lastTurn'));
line('last turn asked → agent.result', span('lastTurn', 'result'));
line('agent.result → git.commit (exit, docs, commit)', span('result', 'commit'));
line('git.commit → git.pushing', span('commit', 'pushing'));
line('git.pushing → git.pushed', span('pushing', 'pushed'));
line('git.pushed → mission.finished (daemon)', span('pushed', 'finished'));
line('mission.finished → stored, in Review', span('finished', 'review'));
console.log(`CPU per mission, on the same cores as the agent (idle: daemon ${idle.daemon.toFixed(0)} ms/s, control plane ${idle.controlPlane.toFixed(0)} ms/s; the bench's poll ${perPoll.toFixed(1)} ms each):`);
line('daemon process', cpu.map((c) => c.daemon));
line(`control plane process${cp.engine === 'PostgreSQL' ? ' (not its database)' : ''}`, cpu.map((c) => c.controlPlane));
line('daemon process, ready → first model request', startupCpu.map((c) => c.daemon));
line('control plane process, ready → first model request', startupCpu.map((c) => c.controlPlane));
console.log('breakdown, bare:');
line('spawn → first model request', bare.map((b) => b.firstRequest - b.spawned));
line('first model request → first turn asked', bare.map((b) => b.firstTurn - b.firstRequest));
line('first turn → last turn asked (the tools run)', bare.map((b) => b.lastTurn - b.firstTurn));
line('last turn asked → result printed', bare.map((b) => b.result - b.lastTurn));
line('result printed → exit', bare.map((b) => b.exited - b.result));
// Rounds are adjacent in time, so each round's own ratio is less exposed to the machine's drift.
const paired = summarize(ours.map((o, i) => (o.review - o.ready - (bare[i]!.exited - bare[i]!.spawned)) / (bare[i]!.exited - bare[i]!.spawned)));
console.log(`per round, (ours − bare) / bare: p50 ${(paired.p50 * 100).toFixed(1)} %  p99 ${(paired.p99 * 100).toFixed(1)} %`);
const overhead = (total.p50 - bareWall.p50) / bareWall.p50;
console.log(`overhead at p50: (${fmt(total.p50)} − ${fmt(bareWall.p50)}) / ${fmt(bareWall.p50)} = ${(overhead * 100).toFixed(1)} %   goal ≤ 25 % → ${overhead <= 0.25 ? 'met' : 'NOT met'}`);

daemon.kill('SIGTERM');
await daemon;
await model.close();
await cp.close();

/** User + system CPU time of one process so far (Linux /proc; 10 ms ticks), NaN elsewhere. */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
