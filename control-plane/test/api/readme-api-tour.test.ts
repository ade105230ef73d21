// The README's API tour, pasted as a new user would: the ```sh blocks of "API tour" (the tour,
// then "Why isn't it running?") and the first of "Mission Fallback", run in one bash with curl
// and jq against a real control plane. Only its address and key are swapped in. Every variable a
// block uses must be set by an earlier one (`set -u`), and each output the README shows as a
// `# …` comment under a command must be what that command prints.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ADMIN_KEY, startTestApp } from '../helpers/app.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'the README API tour (curl and jq against one control plane)');

const readme = readFileSync(join(import.meta.dirname, '../../../README.md'), 'utf8');
function blocksOf(heading: string) {
  const from = readme.indexOf(`\n${heading}\n`);
  if (from < 0) throw new Error(`README: no "${heading}" section`);
  const end = readme.indexOf('\n## ', from + heading.length + 2);
  return [...readme.slice(from, end < 0 ? undefined : end).matchAll(/```sh\n([^]*?)```/g)].map((m) => m[1]!);
}
const [tour, whyNot] = blocksOf('## API tour');
const [fallback] = blocksOf('## Mission Fallback');

for (const tool of ['curl', 'jq']) {
  if (spawnSync(tool, ['--version']).status !== 0) throw new Error(`${tool} is needed to run the README's API tour (.ci/run installs it)`);
}

function swapOnce(text: string, from: string, to: string) {
  const parts = text.split(from);
  if (parts.length !== 2) throw new Error(`README API tour: expected "${from}" exactly once, found ${parts.length - 1}`);
  return parts.join(to);
}

/** The README's sample outputs: the `# …` lines right under a command, with that command. */
function samples(block: string) {
  const lines = block.split('\n');
  const found: { command: string; output: string[] }[] = [];
  lines.forEach((command, i) => {
    if (!command.trim() || command.startsWith('#')) return;
    const output: string[] = [];
    for (let j = i + 1; lines[j]?.startsWith('# '); j++) output.push(lines[j]!.slice(2));
    if (output.length) found.push({ command, output });
  });
  return found;
}

const VARIABLES = ['ORG', 'PROJECT', 'REPO', 'FLOW', 'ACTOR', 'A', 'B', 'ITEM'];
const app = await startTestApp(t);

t.test('the API tour, "Why isn\'t it running?" and the Fallback block run as pasted, and print what the README says', async (t) => {
  const whyNotSamples = samples(whyNot!);
  t.ok(whyNotSamples.length >= 2, 'the README shows sample outputs to check');
  // Each sampled command's output is fenced so it can be compared with the README's lines.
  const whyNotChecked = whyNotSamples.reduce((block, s, i) => block.replace(s.command, `echo '::out${i}<<'; ${s.command}; echo '>>'`), whyNot!);
  const script = [
    'set -u',
    swapOnce(swapOnce(tour!, 'http://127.0.0.1:7878', app.baseUrl), '$(cat .solo-unicorn/admin-api-key)', ADMIN_KEY),
    whyNotChecked,
    fallback,
    ...VARIABLES.map((name) => `printf '\\n::%s::%s\\n' ${name} "$${name}"`),
  ].join('\n');
  const child = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  t.equal(code, 0, `bash exits 0${code ? `: ${stderr.slice(-2000)}` : ''}`);
  t.equal(stderr, '', 'nothing on stderr (no unset variable, no curl error)');
  const value = (name: string) => new RegExp(`^::${name}::(.*)$`, 'm').exec(stdout)?.[1];
  for (const name of VARIABLES) t.match(value(name), /^[0-9A-Z]{26}$/, `$${name} holds an id`);
  t.notMatch(stdout, /"error":\{"code":"SU_ERR_/, 'no call was refused');

  whyNotSamples.forEach((s, i) => {
    const printed = new RegExp(`::out${i}<<\\n([^]*?)>>`).exec(stdout)?.[1]?.trimEnd().split('\n');
    t.same(printed, s.output, `the README's sample output of: ${s.command}`);
  });

  const api = app.admin;
  t.match((await api.get(`/api/v1/missions/${value('A')}`)).body, { list: 'done' }, 'A was moved to Done');
  t.match((await api.get(`/api/v1/missions/${value('B')}`)).body, { dependencyCount: 0 }, "B's dependency is done");
  const item = (await api.get(`/api/v1/projects/${value('PROJECT')}/fallback/runs`)).body.items[0].items.find((i: { id: string }) => i.id === value('ITEM'));
  t.match(item, { status: 'accepted' }, 'the proposal was accepted');
  const templates = (await api.get(`/api/v1/projects/${value('PROJECT')}/fallback/templates`)).body.items;
  t.match(templates, [{ name: 'Bump dependencies', flowId: value('FLOW'), actorId: value('ACTOR'), repositoryId: value('REPO') }], 'the template uses the flow, actor and repository the tour made');
});
