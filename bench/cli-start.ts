// How long `solo-unicorn --help` takes to start and exit, against `node -e 0` measured in the same
// run, interleaved (one of each per round), so a busy machine slows both alike. Also a command
// that reads its config and fails without a control plane (`mission list`), and the CLI from its
// TypeScript sources (what it costs without the bundle). Each run's output is checked: a crashing
// CLI would be fast.
// Usage: npx tsx bench/cli-start.ts [--runs 21]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, fmt, removeTmpDirs, summarize, tmp } from './lib.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'daemon/bin/solo-unicorn.mjs');
const runs = Number(arg('runs', '21'));
const home = tmp('su-cli-bench-');

interface Case { name: string; args: string[]; env?: Record<string, string>; ok: (r: { status: number | null; stdout: string; stderr: string }) => boolean }
const cases: Case[] = [
  { name: 'node -e 0', args: ['-e', '0'], ok: (r) => r.status === 0 },
  { name: 'solo-unicorn --help', args: [bin, '--help'], ok: (r) => r.status === 0 && r.stdout.includes('Usage: solo-unicorn') },
  {
    name: 'solo-unicorn mission list (no login)', args: [bin, 'mission', 'list', '--project', 'demo'],
    ok: (r) => r.status === 1 && r.stderr.startsWith('solo-unicorn: no control plane or API key'),
  },
  {
    name: 'solo-unicorn --help from sources (tsx)', args: [bin, '--help'], env: { SU_CLI_FROM_SOURCE: '1' },
    ok: (r) => r.status === 0 && r.stdout.includes('Usage: solo-unicorn'),
  },
];

function once(c: Case) {
  const started = performance.now();
  const r = spawnSync(process.execPath, c.args, { env: { ...process.env, SU_HOME: home, SU_PROJECT: '', ...c.env }, encoding: 'utf8' });
  const ms = performance.now() - started;
  if (!c.ok(r)) throw new Error(`${c.name}: unexpected result (exit ${r.status}): ${(r.stderr || r.stdout).slice(0, 300)}`);
  return ms;
}

// The bundle as `npm ci` leaves it: built now from the current sources (the bin would run the
// sources through tsx if one were newer than the bundle, and this would measure that instead).
const build = spawnSync(process.execPath, [join(root, 'daemon/scripts/build.mjs')], { stdio: 'inherit' });
if (build.status !== 0 || !existsSync(join(root, 'daemon/dist/cli/main.mjs'))) {
  process.stderr.write('the CLI bundle did not build\n');
  process.exit(2);
}
const samples = new Map(cases.map((c) => [c.name, [] as number[]]));
for (const c of cases) once(c); // warm the file cache
for (let i = 0; i < runs; i++) for (const c of cases) samples.get(c.name)!.push(once(c));
removeTmpDirs();

const base = summarize(samples.get('node -e 0')!).p50;
process.stdout.write(`cli-start: ${runs} interleaved runs each, medians\n`);
for (const c of cases) {
  const s = summarize(samples.get(c.name)!);
  process.stdout.write(`  ${c.name.padEnd(42)} p50 ${fmt(s.p50).padStart(8)}  max ${fmt(s.max).padStart(8)}  ${(s.p50 / base).toFixed(2)}× node -e 0\n`);
}
const ratio = summarize(samples.get('solo-unicorn --help')!).p50 / base;
process.stdout.write(`median ratio solo-unicorn --help / node -e 0: ${ratio.toFixed(2)} (goal ≤ 3)\n`);
